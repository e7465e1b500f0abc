// What a person sees on GitHub, for `npm run demo`: a step's raw stdout rendered as the runner renders it
// (workflow commands consumed, groups as headings, debug hidden unless asked, every ::add-mask:: value shown
// as ***), and a job summary's Markdown as plain text (tables as aligned columns).

/** The runner's escaping of workflow-command data, undone. */
export function unescapeCommandData(text) {
  return text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

/** Log lines in, lines a person sees out; remembers masks from the moment they are registered, as the runner does. */
export class RunnerLog {
  constructor({ debug = false } = {}) {
    this.debug = debug;
    this.masks = new Set();
    this.inGroup = false;
  }

  /** Replaces every registered value with ***, longest first (a mask inside a longer one cannot leave half). */
  mask(text) {
    let masked = String(text);
    for (const value of [...this.masks].sort((left, right) => right.length - left.length)) {
      masked = masked.split(value).join('***');
    }
    return masked;
  }

  /** One raw stdout/stderr line → the lines shown for it (none for consumed commands). */
  line(raw) {
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(raw);
    const indent = this.inGroup ? '  ' : '';
    if (!command) return [indent + this.mask(raw)];
    const [, name, , data] = command;
    const message = this.mask(unescapeCommandData(data));
    switch (name) {
      case 'add-mask':
        if (unescapeCommandData(data)) this.masks.add(unescapeCommandData(data));
        return [];
      case 'group':
        this.inGroup = true;
        return [`▼ ${message}`];
      case 'endgroup':
        this.inGroup = false;
        return [];
      case 'debug':
        return this.debug ? [`${indent}[debug] ${message}`] : [];
      case 'warning':
        return [`${indent}Warning: ${message}`];
      case 'error':
        return [`${indent}Error: ${message}`];
      case 'notice':
        return [`${indent}Notice: ${message}`];
      default:
        return []; // other commands (set-output, stop-commands…) are consumed by the runner
    }
  }
}

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#124;': '|' };

/** Inline Markdown/HTML as the reader sees it: no code tags or backticks, no emphasis marks, escapes undone. */
export function inlineText(markdown) {
  return markdown
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<\/?(code|b|strong|em|i|sub|sup)>/gi, '')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/(^|[^\\])`+([^`]*?)`+/g, '$1$2')
    .replace(/\\([\\`*_[\](){}#+\-.!|~<>])/g, '$1')
    .replace(/&(amp|lt|gt|quot|#39|#124);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** Splits a table row on the pipes that are not escaped. */
function tableCells(row) {
  const cells = [];
  let cell = '';
  for (let index = 0; index < row.length; index += 1) {
    const char = row[index];
    if (char === '\\' && index + 1 < row.length) {
      cell += char + row[index + 1];
      index += 1;
    } else if (char === '|') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells.slice(1, -1).map((text) => inlineText(text.trim()));
}

function alignedTable(rows) {
  const body = rows.filter((row) => !/^\|(\s*:?-+:?\s*\|)+\s*$/.test(row)).map(tableCells);
  const widths = [];
  for (const cells of body)
    cells.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, [...cell].length)));
  return body.map((cells) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column] - [...cell].length),
      )
      .join('  ')
      .trimEnd(),
  );
}

/** A job summary's Markdown as readable text: headings plain, tables as aligned columns, details as ▸ lines. */
export function markdownToText(markdown) {
  const out = [];
  const lines = String(markdown).split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    if (line.startsWith('|')) {
      const rows = [];
      while (index < lines.length && lines[index].startsWith('|')) rows.push(lines[index++]);
      index -= 1;
      out.push(...alignedTable(rows));
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    const summary = /<summary>(.*?)<\/summary>/i.exec(line);
    if (heading) out.push(`» ${inlineText(heading[1])}`);
    else if (summary) out.push(`▸ ${inlineText(summary[1])}`);
    else out.push(inlineText(line.replace(/<\/?details[^>]*>/gi, '')));
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .split('\n');
}
