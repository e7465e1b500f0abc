/**
 * Markdown building blocks: the one table helper (`renderTable`, with `Cell`), `details`, and `clip`.
 * Every escape comes from `./escape` (the one escaper) and every redaction from `./secrets`.
 */
import { codeCell, escapeMarkdown, markdownCell } from './escape';
import { Redactor } from './secrets';

/** Longest text/code value in a cell before it is clipped. */
export const MAX_CELL_LENGTH = 300;

/** `s` cut to `max` characters, saying how many were left out. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (+${text.length - max} chars)`;
}

/** A table cell: plain text (escaped), `{ code }` (escaped inline code), or `{ md }` (trusted Markdown). */
export type Cell =
  string | number | boolean | null | undefined | { code: string | undefined } | { md: string };

export interface RenderTableOptions {
  /** Values redacted (every form, see `src/secrets.ts`) from every cell. */
  secrets?: Iterable<string>;
  /** Longest text/code value before it is clipped (default 300). */
  maxCellLength?: number;
  /** Render at most this many rows, then "… and N more rows". */
  maxRows?: number;
}

/**
 * The one Markdown table helper: every cell is redacted, clipped and escaped for a table cell (no pipe,
 * line break or HTML can escape it) — e.g. drift-check's
 * `renderTable(['Property', 'Previous template', 'Live', 'Proposed', 'Verdict'], rows, { secrets })`
 * with `{ code: value }` cells for values. Trusted `{ md }` cells are neither clipped nor escaped, only
 * kept inside their cell.
 */
export function renderTable(headers: Cell[], rows: Cell[][], opts: RenderTableOptions = {}): string {
  const redactor = new Redactor();
  for (const secret of opts.secrets ?? []) redactor.add(secret);
  const max = opts.maxCellLength ?? MAX_CELL_LENGTH;
  const format = (value: Cell): string => {
    if (value === undefined || value === null) return '';
    if (typeof value === 'object') {
      if ('md' in value) return markdownCell(redactor.redact(value.md));
      return value.code === undefined ? '' : codeCell(clip(redactor.redact(value.code), max));
    }
    return escapeMarkdown(clip(redactor.redact(String(value)), max));
  };
  const shown = opts.maxRows !== undefined ? rows.slice(0, opts.maxRows) : rows;
  const lines = [
    `| ${headers.map(format).join(' | ')} |`,
    `|${headers.map(() => ' --- |').join('')}`,
    ...shown.map((row) => `| ${headers.map((_, column) => format(row[column])).join(' | ')} |`),
  ];
  const more = rows.length - shown.length;
  if (more > 0) lines.push('', `_… and ${more} more rows_`);
  return lines.join('\n');
}

export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

export { code, codeCell, escapeMarkdown } from './escape';
