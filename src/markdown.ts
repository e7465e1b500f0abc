/** Escape text for a Markdown table cell (pipes, newlines, HTML). */
export function cell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

/** Inline code that survives backticks in the value. */
export function code(v: string): string {
  const clean = v.replace(/\r?\n/g, ' ');
  const fence = clean.includes('`') ? '``' : '`';
  return `${fence}${clean}${fence}`;
}

export function table(headers: string[], rows: unknown[][]): string {
  const head = `| ${headers.map(cell).join(' | ')} |`;
  const sep = `| ${headers.map(() => '---').join(' | ')} |`;
  const body = rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
  return [head, sep, ...body].join('\n');
}

export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

const MD_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '|': '\\|',
  '\\': '\\\\',
  '`': '\\`',
  '*': '\\*',
  _: '\\_',
  '[': '\\[',
  ']': '\\]',
  '(': '\\(',
  ')': '\\)',
  '!': '\\!',
  '~': '\\~',
  '#': '\\#',
  '{': '\\{',
  '}': '\\}',
  '\r\n': '<br>',
  '\n': '<br>',
  '\r': '<br>',
};

/**
 * Escape untrusted text for inline Markdown/HTML in a PR comment or summary, table cells included: HTML
 * metacharacters become entities, Markdown punctuation is backslash-escaped (no links, images, emphasis or
 * raw HTML can be injected), pipes cannot end a table cell and newlines become `<br>`.
 */
export function escapeMarkdown(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return s.replace(/\r\n|[&<>"'|\\`*_[\]()!~#{}\r\n]/g, (c) => MD_ESCAPES[c] ?? c);
}

/**
 * Untrusted text as inline code that is safe in a table cell: `<code>` with escaped content. Inside a code
 * element GitHub links neither `@mentions` nor `#123` references.
 */
export function codeCell(v: unknown): string {
  return `<code>${escapeMarkdown(v)}</code>`;
}
