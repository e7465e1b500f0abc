/**
 * The one outbound channel. Every byte that leaves the process — log lines, annotations, the job summary,
 * step outputs, PR comment bodies, JSON reports — is written through an `Outbound`, which in this order:
 *
 * 1. redacts every registered secret in every form it can take (`src/secrets.ts`), on the *final* text,
 *    after every transformation (rendering, escaping, JSON encoding) that could have changed its form;
 * 2. neutralises workflow commands on stdout (no line we print can start `::` or contain `##[`);
 * 3. caps the size for its target (`src/limits.ts`), never leaving the first half of a secret at the cut.
 *
 * Escaping for a target (Markdown cell, code span) is done by the renderers with `src/escape.ts` before
 * the text gets here; redaction runs again here on the escaped text. Only `src/runtime.ts` (the real
 * runner) and the test helpers implement `OutboundSink`; actions never write to stdout, files or the
 * runner's commands directly.
 */
import { GITHUB_LIMITS, type Limits } from './limits';
import { neutraliseCommands } from './escape';
import type { Logger } from './log';
import { REDACTED, Redactor } from './secrets';

/** The raw writers behind an Outbound: the runner's (stdout, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) or a test's. */
export interface OutboundSink {
  /** Write one already-safe line to stdout. */
  line(text: string): void;
  /** Issue a workflow command (`::name::message`); the sink escapes the message the runner's way. */
  command(name: 'warning' | 'error' | 'debug' | 'group' | 'endgroup' | 'add-mask', message: string): void;
  /** Append a step output (GITHUB_OUTPUT). */
  output(name: string, value: string): void;
  /** Append to the job summary (GITHUB_STEP_SUMMARY). May throw (a failure is a warning, L2). */
  summary(markdown: string): Promise<void>;
  /** Write a report file. May throw (a failure is a warning, L2). */
  file(path: string, content: string): Promise<void>;
  /** RUNNER_DEBUG=1: debug lines are shown. */
  debugEnabled: boolean;
}

export interface CapResult {
  text: string;
  cut: boolean;
}

const CUT_NOTE = {
  comment: '\n\n_… cut to fit the 65,536-character comment limit; the full text is in the job summary._\n',
  summary: "\n\n_Summary truncated at GitHub's 1 MiB job-summary limit._\n",
  output: '…',
  log: ' …(line cut)',
};

/** Cut `text` to at most `max` units (characters or UTF-8 bytes), at a line break when one is near, plus a note. */
export function capText(
  text: string,
  max: number,
  note: string,
  unit: 'chars' | 'bytes',
  redactor?: Redactor,
): CapResult {
  const size = (s: string) => (unit === 'bytes' ? Buffer.byteLength(s) : s.length);
  if (size(text) <= max) return { text, cut: false };
  const room = Math.max(0, max - size(note));
  let cut: string;
  if (unit === 'bytes') {
    cut = Buffer.from(text).subarray(0, room).toString('utf8');
    // A cut inside a multi-byte character decodes to U+FFFD: drop it.
    cut = cut.replace(/\uFFFD$/, '');
    while (Buffer.byteLength(cut) > room) cut = cut.slice(0, -1);
  } else {
    cut = text.slice(0, room);
  }
  const nl = cut.lastIndexOf('\n');
  if (nl > cut.length * 0.8) cut = cut.slice(0, nl);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  // Never leave the first part of a secret at the cut.
  const tail = redactor?.partialTail(cut) ?? 0;
  if (tail > 0) cut = cut.slice(0, cut.length - tail);
  return { text: cut + note, cut: true };
}

export interface OutboundOptions {
  limits?: Partial<Limits>;
  /** Applied to error and warning annotations before they are written (links to failure-mode docs). */
  annotate?: (message: string) => string;
}

export class Outbound implements Logger {
  private readonly redactor = new Redactor();
  private readonly limits: Limits;
  private readonly annotate: (message: string) => string;
  /** Outputs written so far (name → value as written). */
  readonly outputs: Record<string, string> = {};

  constructor(
    private readonly sink: OutboundSink,
    opts: OutboundOptions = {},
  ) {
    this.limits = { ...GITHUB_LIMITS, ...opts.limits };
    this.annotate = opts.annotate ?? ((m) => m);
  }

  // ---- secrets -------------------------------------------------------------------------------------

  /**
   * Register a secret before anything can print it (C3): every form is redacted from everything we write,
   * and registered with the runner (`::add-mask::`) so later steps' logs mask it too.
   */
  addSecret(value: string | undefined): void {
    for (const form of this.redactor.add(value)) {
      // A form with a line break cannot be one add-mask command (the runner masks line by line).
      if (!/[\r\n]/.test(form)) this.sink.command('add-mask', form);
    }
  }

  /** The registered secret values. */
  secrets(): string[] {
    return this.redactor.list();
  }

  /** Text with every form of every registered secret replaced by `***`. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  // ---- log -----------------------------------------------------------------------------------------

  private safeLog(msg: string): string {
    const lines = neutraliseCommands(this.redact(String(msg))).split('\n');
    return lines
      .map((l) => capText(l, this.limits.logLineChars, CUT_NOTE.log, 'chars', this.redactor).text)
      .join('\n');
  }

  private safeAnnotation(msg: string): string {
    // The sink escapes the message for the command syntax (%, \r, \n), so it cannot break out of it.
    return capText(this.redact(String(msg)), this.limits.annotationChars, ' …', 'chars', this.redactor).text;
  }

  info(msg: string): void {
    for (const l of this.safeLog(msg).split('\n')) this.sink.line(l);
  }

  warning(msg: string): void {
    this.sink.command('warning', this.safeAnnotation(this.annotate(String(msg))));
  }

  error(msg: string): void {
    this.sink.command('error', this.safeAnnotation(this.annotate(String(msg))));
  }

  debug(msg: string): void {
    if (!this.sink.debugEnabled) return;
    this.sink.command('debug', this.safeAnnotation(msg));
  }

  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.sink.command('group', this.safeAnnotation(name).replace(/[\r\n]+/g, ' '));
    try {
      return await fn();
    } finally {
      this.sink.command('endgroup', '');
    }
  }

  // ---- outputs, summary, comment, reports ----------------------------------------------------------

  /** Set a step output: redacted, capped. */
  output(name: string, value: string | number | boolean | undefined): void {
    if (value === undefined) return;
    const text = capText(
      this.redact(typeof value === 'string' ? value : String(value)),
      this.limits.outputBytes,
      CUT_NOTE.output,
      'bytes',
      this.redactor,
    ).text;
    this.outputs[name] = text;
    this.sink.output(name, text);
  }

  /** Set several outputs. */
  setOutputs(outputs: Record<string, string | number | boolean | undefined>): void {
    for (const [k, v] of Object.entries(outputs)) this.output(k, v);
  }

  /** The job summary text exactly as it would be written (redacted, capped). */
  summaryText(markdown: string): string {
    return capText(
      this.redact(markdown),
      this.limits.summaryBytes - 1024,
      CUT_NOTE.summary,
      'bytes',
      this.redactor,
    ).text;
  }

  /** Write the job summary; a failure is a visible warning and never fails the step (L2). Returns what was written. */
  async summary(markdown: string): Promise<string> {
    const text = this.summaryText(markdown);
    try {
      await this.sink.summary(text);
    } catch (e) {
      this.warning(
        `Could not write the job summary: ${(e as Error).message}. The step result is unaffected.`,
      );
    }
    return text;
  }

  /**
   * A PR comment body as it may be posted: `prefix` (the sticky marker, trusted) + redacted body, cut to
   * GitHub's 65,536 characters.
   */
  comment(body: string, prefix = ''): string {
    const max = this.limits.commentChars - prefix.length;
    const text = capText(this.redact(body), max, CUT_NOTE.comment, 'chars', this.redactor).text;
    return prefix + text;
  }

  /** Write a JSON report file (redacted after JSON encoding). Returns false (with a warning) when it failed. */
  async report(path: string, value: unknown): Promise<boolean> {
    const text = this.redact(JSON.stringify(value, null, 2)) + '\n';
    try {
      await this.sink.file(path, text);
      return true;
    } catch (e) {
      this.warning(
        `Could not write the report ${path}: ${(e as Error).message}. The step result is unaffected.`,
      );
      return false;
    }
  }
}

export { REDACTED };
