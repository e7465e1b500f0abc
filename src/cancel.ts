/**
 * One cancellation helper for every action. GitHub cancels a job with SIGINT, then SIGTERM 7.5 s later, then
 * SIGKILL. On the first signal we run the action's registered cleanups once (each bounded, all under one
 * deadline), remove our listeners, and say exactly what was cleaned up and what could not be — never more
 * than was verified.
 */
import type { Clock } from './clock';
import { CancelledError, errorMessage } from './errors';
import type { Logger } from './log';

/** What one cleanup did. `ok` only when the cleanup verified its result (e.g. the delete call succeeded). */
export interface CleanupReport {
  name: string;
  ok: boolean;
  detail: string;
}

export type Cleanup = () => Promise<{ ok: boolean; detail: string }>;

export interface Cancellation {
  readonly cancelled: boolean;
  /** Why (e.g. `SIGINT`). */
  readonly reason: string | undefined;
  /** Aborted when the job is cancelled; pass it to waits so they stop at once. */
  readonly signal: AbortSignal;
  /** The overall deadline for all cleanups (real milliseconds): a cleanup's own waits must fit inside it. */
  readonly deadlineMs: number;
  /** Register a cleanup to run once if the job is cancelled; the returned function unregisters it. */
  onCancel(name: string, cleanup: Cleanup): () => void;
  /** Throw CancelledError when cancelled (call before every mutating step). */
  throwIfCancelled(): void;
}

export interface CancellationController extends Cancellation {
  /** Cancel now (what a signal does): run the cleanups once and report them. */
  cancel(reason: string): Promise<CleanupReport[]>;
  /** Remove the signal listeners. */
  dispose(): void;
}

export interface CancellationOptions {
  clock: Clock;
  /** Overall deadline for all cleanups (default 6 s: inside the runner's 7.5 s before SIGTERM). */
  deadlineMs?: number;
}

/** A cancellation controller without signal handling (tests drive `cancel` themselves). */
export function createCancellation(o: CancellationOptions): CancellationController {
  const cleanups = new Map<number, { name: string; fn: Cleanup }>();
  const abort = new AbortController();
  let next = 0;
  let running: Promise<CleanupReport[]> | undefined;
  let reason: string | undefined;

  const bounded = (name: string, fn: Cleanup, deadline: Promise<'deadline'>): Promise<CleanupReport> =>
    Promise.race([
      fn().then(
        (r) => ({ name, ok: r.ok, detail: r.detail }),
        (e: unknown) => ({ name, ok: false, detail: `failed: ${errorMessage(e)}` }),
      ),
      deadline.then(() => ({
        name,
        ok: false,
        detail: `not confirmed within ${Math.round((o.deadlineMs ?? 6000) / 1000)} s`,
      })),
    ]);

  const self: CancellationController = {
    get cancelled() {
      return reason !== undefined;
    },
    get reason() {
      return reason;
    },
    signal: abort.signal,
    deadlineMs: o.deadlineMs ?? 6000,
    onCancel(name, fn) {
      const id = next++;
      cleanups.set(id, { name, fn });
      return () => void cleanups.delete(id);
    },
    throwIfCancelled() {
      if (reason !== undefined) throw new CancelledError(`cancelled (${reason})`);
    },
    cancel(why) {
      if (running) return running;
      reason = why;
      abort.abort(new CancelledError(`cancelled (${why})`));
      const list = [...cleanups.values()];
      cleanups.clear();
      const deadline = o.clock.sleep(o.deadlineMs ?? 6000).then(() => 'deadline' as const);
      running = Promise.all(list.map((c) => bounded(c.name, c.fn, deadline)));
      return running;
    },
    dispose() {
      /* no listeners in this variant */
    },
  };
  return self;
}

/** One readable line: what was cleaned up and what could not be. */
export function describeCleanups(action: string, why: string, reports: readonly CleanupReport[]): string {
  if (reports.length === 0) return `${action}: cancelled (${why}); there was nothing to clean up.`;
  const done = reports.filter((r) => r.ok);
  const left = reports.filter((r) => !r.ok);
  const parts = [`${action}: cancelled (${why}).`];
  if (done.length) parts.push(`Cleaned up: ${done.map((r) => `${r.name} (${r.detail})`).join('; ')}.`);
  if (left.length)
    parts.push(
      `Could NOT clean up — check by hand: ${left.map((r) => `${r.name} (${r.detail})`).join('; ')}.`,
    );
  return parts.join(' ');
}

export interface SignalProcess {
  on(event: 'SIGINT' | 'SIGTERM', fn: (sig: NodeJS.Signals) => void): unknown;
  removeListener(event: 'SIGINT' | 'SIGTERM', fn: (sig: NodeJS.Signals) => void): unknown;
}

export interface SignalOptions extends CancellationOptions {
  action: string;
  proc: SignalProcess;
  log: Logger;
  /** Append the cancellation note to the job summary (a failure is ignored: we are exiting). */
  summary: (markdown: string) => Promise<unknown>;
  exit: (code: number) => void;
}

/**
 * Install SIGINT/SIGTERM handling: the first signal cancels (cleanups once), a second one while cleanups run
 * is ignored (they are already bounded), then the step fails with one line and the process exits 1.
 */
export function installCancellation(o: SignalOptions): CancellationController {
  const ctl = createCancellation(o);
  let handling = false;
  // Listeners stay installed until the cleanups are done: a second signal (the runner's SIGTERM after
  // SIGINT) is absorbed instead of killing the process mid-cleanup.
  const onSignal = (sig: NodeJS.Signals): void => {
    if (handling) return;
    handling = true;
    void ctl
      .cancel(sig)
      .then(async (reports) => {
        const line = describeCleanups(o.action, sig, reports);
        o.log.error(line);
        await o.summary(`\n> [!WARNING]\n> ${line}\n`).catch(() => undefined);
      })
      .finally(() => {
        remove();
        o.exit(1);
      });
  };
  const remove = (): void => {
    o.proc.removeListener('SIGINT', onSignal);
    o.proc.removeListener('SIGTERM', onSignal);
  };
  o.proc.on('SIGINT', onSignal);
  o.proc.on('SIGTERM', onSignal);
  return {
    ...ctl,
    get cancelled() {
      return ctl.cancelled;
    },
    get reason() {
      return ctl.reason;
    },
    dispose: remove,
  };
}
