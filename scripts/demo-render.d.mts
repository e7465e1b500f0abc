// Types for scripts/demo-render.mjs (imported by test/unit/setup/demo-render.test.ts).
export function unescapeCommandData(text: string): string;
export class RunnerLog {
  constructor(options?: { debug?: boolean });
  readonly masks: Set<string>;
  mask(text: string): string;
  line(raw: string): string[];
}
export function inlineText(markdown: string): string;
export function markdownToText(markdown: string): string[];
