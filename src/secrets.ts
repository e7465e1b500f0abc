/**
 * Secret forms and redaction. A secret can reach outbound text in many shapes: as is, one line of a
 * multi-line value, JSON-escaped, URL-encoded, HTML/Markdown-escaped (our own renderers escape cells) or
 * base64-encoded (inside a larger blob, so at any of the three byte alignments). `secretForms` lists them;
 * `Redactor` replaces every form, longest first, with `***`.
 */
import { escapeMarkdown, escapeHtml } from './escape';

export const REDACTED = '***';

/** Derived forms shorter than this are not redacted on their own (they would blank out ordinary text). */
export const MIN_FORM_LENGTH = 4;

function base64Cores(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const padded = Buffer.concat([Buffer.alloc(k), bytes]);
    const b64 = padded.toString('base64');
    // Keep only characters that depend on secret bytes alone: skip the group holding the pad bytes,
    // stop before a trailing partial group.
    const start = k > 0 ? 4 : 0;
    const end = Math.floor(padded.length / 3) * 4;
    const core = b64.slice(start, end);
    if (core.length >= 8) {
      out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return out;
}

const json = (v: string): string => JSON.stringify(v).slice(1, -1);

/** How text is encoded on its way out: as is, inside JSON, inside JSON inside JSON (a report embedding JSON). */
const ENCODINGS: Array<(v: string) => string> = [(v) => v, json, (v) => json(json(v))];

/** How encoded text is escaped for its target: as is, Markdown/HTML (our renderers), URL-encoded. */
const ESCAPES: Array<(v: string) => string> = [
  (v) => v,
  escapeMarkdown,
  escapeHtml,
  encodeURIComponent,
  (v) => encodeURIComponent(v).replace(/%20/g, '+'),
  encodeURI,
  (v) => escapeMarkdown(encodeURIComponent(v)),
  (v) => escapeHtml(encodeURIComponent(v)),
];

/**
 * Every form in which `value` may appear in text we write: each encoding composed with each escape (so a
 * secret inside a JSON value rendered into a Markdown cell is still found), plus base64 at any alignment.
 */
export function secretForms(value: string): string[] {
  if (!value) return [];
  const forms = new Set<string>();
  const add = (f: string | undefined, min = MIN_FORM_LENGTH): void => {
    if (f && f.length >= min) forms.add(f);
  };
  const variants = new Set<string>([value]);
  for (const line of value.split(/\r\n|\r|\n/))
    if (line.trim().length >= MIN_FORM_LENGTH) variants.add(line.trim());
  for (const v of variants) {
    for (const encode of ENCODINGS) {
      for (const escape of ESCAPES)
        add(
          escape(encode(v)),
          v === value && encode === ENCODINGS[0] && escape === ESCAPES[0] ? 1 : MIN_FORM_LENGTH,
        );
    }
    for (const b of base64Cores(Buffer.from(v, 'utf8'))) add(b);
  }
  // The runner's own command escaping (%25, %0D, %0A) of a multi-line value.
  add(value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
  return [...forms];
}

/** Holds every secret's forms; `redact` replaces them all, longest first, so no form survives inside another. */
export class Redactor {
  private forms: string[] = [];
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /** Register a secret; returns the forms that were new (to register with the runner as well). */
  add(value: string | undefined): string[] {
    if (value === undefined || value === '' || this.values.has(value)) return [];
    this.values.add(value);
    const known = new Set(this.forms);
    const fresh = secretForms(value).filter((f) => !known.has(f));
    this.forms.push(...fresh);
    this.forms.sort((a, b) => b.length - a.length);
    this.pattern = undefined;
    return fresh;
  }

  get size(): number {
    return this.values.size;
  }

  /** The registered secret values (not their forms). */
  list(): string[] {
    return [...this.values];
  }

  redact(text: string): string {
    if (this.forms.length === 0 || !text) return text;
    this.pattern ??= new RegExp(this.forms.map(escapeRegExp).join('|'), 'g');
    return text.replace(this.pattern, REDACTED);
  }

  /**
   * Length of the longest tail of `text` that is the start of a secret form (at least `MIN_FORM_LENGTH`
   * characters, or the whole of a shorter form). Used when text is cut to a size limit: the cut must not
   * leave the first half of a secret behind.
   */
  partialTail(text: string): number {
    let longest = 0;
    for (const f of this.forms) {
      const max = Math.min(f.length - 1, text.length);
      for (let n = max; n > longest; n--) {
        if (n < Math.min(MIN_FORM_LENGTH, f.length - 1)) break;
        if (text.endsWith(f.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
