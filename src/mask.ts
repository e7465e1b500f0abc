import * as core from '@actions/core';

/** Masking sink; the runner's is core.setSecret. Tests pass a recorder. */
export type Masker = (secret: string) => void;

export const coreMasker: Masker = (s) => core.setSecret(s);

/**
 * Register a secret with the runner before anything can print it (C3). Registers the value, each of its
 * lines (the runner masks line by line) and its JSON-escaped form (how it appears inside JSON outputs).
 */
export function maskSecret(value: string | undefined, mask: Masker = coreMasker): void {
  if (value === undefined || value === '') return;
  const forms = new Set<string>([value]);
  for (const line of value.split(/\r?\n/)) if (line.trim().length > 0) forms.add(line);
  const json = JSON.stringify(value).slice(1, -1);
  forms.add(json);
  for (const f of forms) mask(f);
}

/** Replace every known secret in `text` with `****` (for text we build ourselves: summaries, comments, outputs). */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  const list = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const s of list) out = out.split(s).join('****');
  return out;
}
