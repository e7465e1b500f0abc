/**
 * Running the helm CLI: argument arrays, never a shell; output collected and, when asked, handed over line
 * by line (the caller logs it through the outbound channel: helm's output is untrusted, W1). Every helm
 * process has a deadline (T1): past it, it is stopped (SIGTERM, then SIGKILL after a grace) and the call
 * fails with a TimeoutError naming the helm command. A helm process still running when the job is cancelled
 * is stopped the same way and the cancellation note says whether it exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Cancellation } from '../../../src/cancel';
import { TimeoutError } from '../../../src/errors';

export interface HelmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface HelmRunOptions {
  /** Called for each output line as it arrives (used to stream `helm upgrade`). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Runs helm with an argument array. Rejects only when helm cannot be started at all (or the job is cancelled). */
export type HelmRunner = (args: string[], options?: HelmRunOptions) => Promise<HelmResult>;

export interface ExecHelmOptions {
  /** The environment helm runs with (the runtime's; default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Stop a running helm on cancellation and report it. */
  cancel?: Cancellation;
  /** How long helm gets to exit after SIGTERM before SIGKILL (default 3 s, inside the cleanup deadline). */
  killGraceMs?: number;
  /** Every helm process is stopped after this many milliseconds (T1; run.ts passes helm-timeout-minutes). */
  deadlineMs?: number;
  /** How the deadline is named in the timeout message (default: "<n> s"). */
  deadlineLabel?: string;
}

/** The helm command a process runs, for messages: `helm upgrade`, `helm get metadata`, `helm version`. */
export function helmCommandName(args: readonly string[]): string {
  const words = args.filter((arg) => !arg.startsWith('-')).slice(0, args[0] === 'get' ? 2 : 1);
  return ['helm', ...words].join(' ');
}

const KILL_GRACE_MS = 3000;

/** Collects a stream's text and, with `onLine`, emits each complete line (without its line break). */
function lineCollector(onLine?: (line: string) => void): { push(chunk: string): void; end(): string } {
  let text = '';
  let pending = '';
  return {
    push(chunk) {
      text += chunk;
      if (!onLine) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line.replace(/\r$/, ''));
    },
    end() {
      if (onLine && pending !== '') onLine(pending.replace(/\r$/, ''));
      pending = '';
      return text;
    },
  };
}

function cannotRun(helmPath: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such executable'
      : code === 'EACCES'
        ? 'not executable'
        : ((error as Error).message ?? String(error)).split('\n')[0];
  return new Error(
    `Could not run helm ('${helmPath}'): ${why}. Install Helm 3.13+ (for example with azure/setup-helm) or set helm-path.`,
  );
}

/** Resolves true when `exited` settles within `ms`, false otherwise (the timer never keeps the process alive). */
function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
    void exited.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL; `ok` only when the process was seen to exit. */
async function stopProcess(
  child: ChildProcess,
  exited: Promise<void>,
  graceMs: number,
): Promise<{ ok: boolean; detail: string }> {
  const pid = child.pid ?? '?';
  if (child.exitCode !== null || child.signalCode !== null)
    return { ok: true, detail: `pid ${pid} had already exited` };
  child.kill('SIGTERM');
  if (await exitsWithin(exited, graceMs)) return { ok: true, detail: `stopped pid ${pid} (SIGTERM)` };
  child.kill('SIGKILL');
  if (await exitsWithin(exited, 1000))
    return { ok: true, detail: `killed pid ${pid} (SIGKILL after ${graceMs / 1000} s)` };
  return { ok: false, detail: `pid ${pid} did not exit after SIGTERM and SIGKILL` };
}

/** The real runner: exit code returned, never thrown; output not printed here (the caller decides). */
export function execHelmRunner(helmPath: string, options: ExecHelmOptions = {}): HelmRunner {
  return async (args, runOptions = {}) => {
    options.cancel?.throwIfCancelled();
    const onLine = runOptions.onLine;
    return new Promise<HelmResult>((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(helmPath, args, {
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
          ...(options.env ? { env: options.env } : {}),
        });
      } catch (e) {
        reject(cannotRun(helmPath, e));
        return;
      }
      const stdout = lineCollector(onLine && ((line) => onLine(line, 'stdout')));
      const stderr = lineCollector(onLine && ((line) => onLine(line, 'stderr')));
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      const graceMs = options.killGraceMs ?? KILL_GRACE_MS;
      const forget = options.cancel?.onCancel(`${helmCommandName(args)} (pid ${child.pid ?? '?'})`, () =>
        stopProcess(child, exited, graceMs),
      );
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(deadline);
        forget?.();
        return true;
      };
      // T1: past the deadline the process is stopped and the call fails, naming the command.
      const deadline =
        options.deadlineMs === undefined
          ? undefined
          : setTimeout(() => {
              if (settled) return;
              settled = true;
              forget?.();
              void stopProcess(child, exited, graceMs).then((stopped) =>
                reject(
                  new TimeoutError(
                    `${helmCommandName(args)} did not finish within ${options.deadlineLabel ?? `${options.deadlineMs! / 1000} s`} and was stopped: ${stopped.detail}.`,
                  ),
                ),
              );
            }, options.deadlineMs);
      deadline?.unref?.();
      child.once('error', (e) => {
        if (settle()) reject(cannotRun(helmPath, e));
      });
      child.once('close', (code, signal) => {
        if (!settle()) return;
        resolve({
          exitCode: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0),
          stdout: stdout.end(),
          stderr: stderr.end(),
        });
      });
    });
  };
}
