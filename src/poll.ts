import type { Clock } from './clock';
import { TimeoutError, isThrottle } from './errors';

export interface BackoffOptions {
  /** First delay (fast start). Default 500 ms. */
  initialMs?: number;
  /** Largest delay. Default 10 s. */
  maxMs?: number;
  /** Growth factor. Default 1.6. */
  factor?: number;
  /** 0..1 share of the delay that is randomised (jitter). Default 0.2. */
  jitter?: number;
  random?: () => number;
}

/**
 * Named backoff presets: every wait in the project uses one of these instead of its own numbers.
 * AWS calls themselves are retried by the SDK (adaptive mode, `src/aws.ts`); `pollUntil` only re-polls
 * on throttling, so there is one retry layer per call.
 *
 * Why these numbers (issue #12): the end of a wait is noticed at most one delay late, so the delay near the
 * expected finish is what a user waits for in vain. Change sets and stack operations mostly end within seconds
 * to a few minutes, so the delay grows slowly (×1.2) from 1 s and stops at 5 s: a 3 s change set is noticed
 * ≤ 0.7 s late, a 15 s execution ≤ ~2 s, anything long ≤ 5 s — never more than one status call per second.
 * Long jobs (an Amplify build, a drift revert of a big stack) cap at 5–10 s: ≤ 1 call / 5 s once they are long.
 * Jitter 10 % (delays shortened by up to a tenth) still spreads parallel waits apart, and keeps every delay
 * longer than the one before it (a factor of 1.2 with 20 % jitter could shrink a step).
 */
export const BACKOFF = {
  /** A change set being created: one immediate poll, then 1 s ×1.2 ≤ 5 s (1, 1.2, 1.44, 1.73, 2.07 … 5 s). */
  changeSet: { initialMs: 1000, factor: 1.2, maxMs: 5_000, jitter: 0.1 },
  /** A stack operation (execute, delete, continue-update-rollback, another deploy): 1 s ×1.2 ≤ 5 s. */
  stackOperation: { initialMs: 1000, factor: 1.2, maxMs: 5_000, jitter: 0.1 },
  /** Drift detection of a stack (seconds, for a big stack a minute): 1 s ×1.2 ≤ 5 s. */
  driftDetection: { initialMs: 1000, factor: 1.2, maxMs: 5_000, jitter: 0.1 },
  /** Reverting drift (a drift-aware change set executing): 1 s ×1.2 ≤ 5 s, like any stack operation. */
  driftRevert: { initialMs: 1000, factor: 1.2, maxMs: 5_000, jitter: 0.1 },
  /** An Amplify job (a release: tens of seconds to minutes): 1 s ×1.25 ≤ 10 s (≤ 1 call / 5 s after ~25 s). */
  amplifyJob: { initialMs: 1000, factor: 1.25, maxMs: 10_000, jitter: 0.1 },
} as const satisfies Record<string, BackoffOptions>;

export type BackoffPreset = (typeof BACKOFF)[keyof typeof BACKOFF];

/** Delay before poll number `attempt` (0-based): fast start, geometric growth, capped, with jitter. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 10_000;
  const factor = options.factor ?? 1.6;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * Math.pow(factor, attempt));
  const jittered = base * (1 - jitter + jitter * random());
  return Math.max(1, Math.round(Math.min(max, jittered)));
}

export interface PollOptions<T> extends BackoffOptions {
  /** What we are waiting for, used in the timeout message ("stack my-stack to finish UPDATE_IN_PROGRESS"). */
  what: string;
  timeoutMs: number;
  clock: Clock;
  /** Poll once; return a value when done, undefined to keep waiting. */
  check: () => Promise<T | undefined>;
  /**
   * Called between polls, right after each poll that did not finish (so the first one runs before the first
   * sleep), with the number of earlier ticks — e.g. to stream stack events at a lower cadence than the status.
   */
  onTick?: (tick: number) => Promise<void>;
  /** Poll immediately before the first sleep. Default true. */
  checkFirst?: boolean;
  /** Stop waiting (throw its reason) as soon as this is aborted, e.g. the job's cancellation signal. */
  signal?: AbortSignal;
}

function timeoutError(options: PollOptions<unknown>, hung: boolean): TimeoutError {
  return new TimeoutError(
    `Timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}${hung ? ' (the last call did not answer in time)' : ''}; raise wait-timeout-minutes if this is expected.`,
  );
}

/**
 * `work`, unless `ms` of real time pass first (TimeoutError) or `signal` is aborted (its reason): a call that
 * hangs — a connection accepted and never answered, retried by the SDK — cannot outlive the deadline (T1).
 * The timer is real and unref'd: with a test's instant clock it simply never fires.
 */
export function beforeDeadline<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms));
    timer.unref();
    const onAbort = (): void => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(work)
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
  });
}

/**
 * Poll `check` with fast-start jittered backoff until it returns a value, or throw TimeoutError. The deadline
 * holds whatever the network does: every check and tick is bounded by the time left. Throttling errors from
 * `check` are retried (they count against the same deadline). Cancellation (`signal`) stops the wait at once.
 */
export async function pollUntil<T>(options: PollOptions<T>): Promise<T> {
  const start = options.clock.now();
  // The last look at the deadline gets a short grace (≤ 5 s, ≤ 10 % of the wait) to answer.
  const grace = Math.min(5_000, options.timeoutMs / 10);
  const left = (): number => Math.max(grace, options.timeoutMs - (options.clock.now() - start));
  const bounded = <V>(work: () => Promise<V>): Promise<V> =>
    beforeDeadline(work(), left(), () => timeoutError(options, true), options.signal);
  let attempt = 0;
  let ticks = 0;
  const tick = async (): Promise<void> => {
    const onTick = options.onTick;
    if (!onTick) return;
    const index = ticks++;
    await bounded(() => onTick(index));
  };
  options.signal?.throwIfAborted();
  if (options.checkFirst !== false) {
    const first = await bounded(() => tryCheck(options));
    if (first !== undefined) return first;
    await tick();
  }
  for (;;) {
    const elapsed = options.clock.now() - start;
    if (elapsed >= options.timeoutMs) throw timeoutError(options, false);
    const delay = Math.min(backoffDelay(attempt++, options), Math.max(1, options.timeoutMs - elapsed));
    await options.clock.sleep(delay);
    options.signal?.throwIfAborted();
    const polled = await bounded(() => tryCheck(options));
    if (polled !== undefined) return polled;
    await tick();
  }
}

async function tryCheck<T>(options: PollOptions<T>): Promise<T | undefined> {
  try {
    const value = await options.check();
    // A check that was in flight when the job was cancelled does not count.
    options.signal?.throwIfAborted();
    return value;
  } catch (e) {
    options.signal?.throwIfAborted();
    if (isThrottle(e)) return undefined;
    throw e;
  }
}

export interface RetryOptions {
  clock: Clock;
  retries?: number;
  baseMs?: number;
  maxMs?: number;
  random?: () => number;
  isRetryable?: (e: unknown) => boolean;
}

/** Retry with full jitter (delay = random(0, min(max, base*2^n))), for throttling by default. */
export async function retry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const retries = options.retries ?? 5;
  const base = options.baseMs ?? 300;
  const max = options.maxMs ?? 10_000;
  const random = options.random ?? Math.random;
  const retryable = options.isRetryable ?? isThrottle;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= retries || !retryable(e)) throw e;
      await options.clock.sleep(Math.round(random() * Math.min(max, base * 2 ** attempt)));
    }
  }
}

/** Run tasks with at most `limit` in flight; results keep input order; a rejection never loses other results. */
export async function mapLimit<I, O>(
  items: readonly I[],
  limit: number,
  fn: (item: I, index: number) => Promise<O>,
): Promise<PromiseSettledResult<O>[]> {
  const results: PromiseSettledResult<O>[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await fn(items[index] as I, index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  });
  await Promise.all(workers);
  return results;
}
