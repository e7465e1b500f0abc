/**
 * The one escaper for every outbound target: Markdown (cells, inline text), HTML, code spans, and the
 * runner's workflow-command syntax in plain log lines.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML metacharacters as entities. */
export function escapeHtml(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const MD_ESCAPES: Record<string, string> = {
  ...HTML_ESCAPES,
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
 * Trusted Markdown (ours, e.g. `**bold**` or a code span we built) made safe for one table cell: a pipe
 * cannot end the cell and a line break cannot end the row (`<br>`). Nothing else changes, so the Markdown
 * still renders; never pass untrusted text here (use `escapeMarkdown`).
 */
export function markdownCell(md: string): string {
  return md.replace(/\r\n|[|\r\n]/g, (found) => MD_ESCAPES[found] ?? found);
}

/**
 * Untrusted text as inline code that is safe in a table cell: `<code>` with escaped content. Inside a code
 * element GitHub links neither `@mentions` nor `#123` references.
 */
export function codeCell(v: unknown): string {
  return `<code>${escapeMarkdown(v)}</code>`;
}

/** Inline code for trusted, single-line values (names we validated): a fence that survives backticks. */
export function code(v: string): string {
  const clean = v.replace(/\r\n|\r|\n/g, ' ');
  const fence = clean.includes('`') ? '``' : '`';
  return `${fence}${clean}${fence}`;
}

/** A fenced code block whose fence is longer than any run of backticks in `text` (it cannot be closed early). */
export function codeBlock(text: string, language = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text}\n${fence}`;
}

/** The line breaks the runner splits stdout on (StreamReader.ReadLine: \r\n, \r, \n). */
export const RUNNER_LINE_BREAK = /\r\n|\r|\n/;

/**
 * Characters the runner's `TrimStart()` (.NET `char.IsWhiteSpace`) strips before looking for `::`, plus
 * invisible format characters: a line that starts with any run of these and then `::` is a command.
 */
const LEADING = '[\\s\\u0085\\u180e\\u200b-\\u200d\\u2060\\ufeff]*';
const V2_COMMAND = new RegExp(`^(${LEADING})::`);
/** The legacy `##[command]` syntax is recognised anywhere in a line. */
const V1_COMMAND = /##\[/g;

/**
 * Make one line unable to issue a workflow command: a leading `::` (after any whitespace) becomes `: :`,
 * and every `##[` becomes `# #[`. Text is otherwise unchanged, so a reader still sees what was sent.
 */
export function neutraliseCommandLine(line: string): string {
  return line.replace(V2_COMMAND, '$1: :').replace(V1_COMMAND, '# #[');
}

/** Neutralise every line of `text` as the runner would split it; line breaks become `\n`. */
export function neutraliseCommands(text: string): string {
  return text.split(RUNNER_LINE_BREAK).map(neutraliseCommandLine).join('\n');
}
