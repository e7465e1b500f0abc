/**
 * A fake Runtime for unit tests: inputs from a map, a fake clock, and a memory sink that records every byte
 * the action would have written (stdout lines, workflow commands, outputs, summary, files), so tests can
 * assert on it and scan all of it for secrets.
 */
import { createCancellation, type CancellationController } from '../../src/cancel';
import { fakeClock, type Clock } from '../../src/clock';
import { mapInputs } from '../../src/inputs';
import { Outbound, type OutboundSink } from '../../src/outbound';
import type { Octokit } from '../../src/pr-comment';
import { awsFactory, type Runtime } from '../../src/runtime';

export interface MemorySink extends OutboundSink {
  lines: string[];
  commands: Array<{ name: string; message: string }>;
  outputs: Record<string, string>;
  summaries: string[];
  files: Record<string, string>;
  masks: string[];
  /** Everything written, as the runner's log would show it (commands in `::name::message` form). */
  all(): string;
  /** The log as text (stdout lines and annotations, no masks). */
  text(): string;
}

export function memorySink(
  opts: { debug?: boolean; failSummary?: boolean; failFiles?: boolean } = {},
): MemorySink {
  const lines: string[] = [];
  const commands: Array<{ name: string; message: string }> = [];
  const outputs: Record<string, string> = {};
  const summaries: string[] = [];
  const files: Record<string, string> = {};
  const masks: string[] = [];
  const log: string[] = [];
  return {
    debugEnabled: opts.debug ?? false,
    lines,
    commands,
    outputs,
    summaries,
    files,
    masks,
    line(text) {
      lines.push(text);
      log.push(text);
    },
    command(name, message) {
      commands.push({ name, message });
      if (name === 'add-mask') masks.push(message);
      else log.push(`::${name}::${message}`);
    },
    output(name, value) {
      outputs[name] = value;
    },
    async summary(md) {
      if (opts.failSummary) throw new Error('EACCES: summary file is read-only');
      summaries.push(md);
    },
    async file(path, content) {
      if (opts.failFiles) throw new Error(`EACCES: ${path}`);
      files[path] = content;
    },
    all() {
      return [
        ...log,
        ...Object.entries(outputs).map(([k, v]) => `${k}=${v}`),
        ...summaries,
        ...Object.values(files),
      ].join('\n');
    },
    text() {
      return log.join('\n');
    },
  };
}

export interface FakeRuntime extends Runtime {
  sink: MemorySink;
  /** What runAction asked the process to end with (also set as process.exitCode, as the real one does). */
  exitCode?: number;
  exit(code: number): void;
  clock: Clock & { slept: number[] };
  cancel: CancellationController;
}

export interface FakeRuntimeOptions {
  action?: string;
  inputs?: Record<string, string | undefined>;
  env?: NodeJS.ProcessEnv;
  start?: number;
  debug?: boolean;
  failSummary?: boolean;
  failFiles?: boolean;
  octokit?: Octokit;
  /** The cancellation cleanup deadline in real milliseconds (default 2 s). */
  cancelDeadlineMs?: number;
}

export function fakeRuntime(o: FakeRuntimeOptions = {}): FakeRuntime {
  const sink = memorySink({ debug: o.debug, failSummary: o.failSummary, failFiles: o.failFiles });
  const out = new Outbound(sink);
  const clock = fakeClock(o.start ?? Date.parse('2026-06-01T00:00:00Z'));
  // The cleanup deadline runs on real time (an unref'd timer): with the instant fake clock every cleanup that
  // awaits a (mocked) AWS call would lose the race against its own deadline.
  const cancel = createCancellation({
    clock: {
      now: () => Date.now(),
      sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()),
    },
    deadlineMs: o.cancelDeadlineMs ?? 2_000,
  });
  const env = o.env ?? {};
  return {
    action: o.action ?? 'test-action',
    inputs: mapInputs(o.inputs ?? {}),
    env,
    out,
    log: out,
    clock,
    aws: awsFactory(cancel, env),
    github: async () => {
      if (!o.octokit) throw new Error('no Octokit in this test');
      return o.octokit;
    },
    cancel,
    sink,
    exit(code) {
      this.exitCode = code;
      process.exitCode = code;
    },
  };
}
