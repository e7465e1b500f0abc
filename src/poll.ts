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

/** Delay before poll number `attempt` (0-based): fast start, geometric growth, capped, with jitter. */
export function backoffDelay(attempt: number, o: BackoffOptions = {}): number {
  const initial = o.initialMs ?? 500;
  const max = o.maxMs ?? 10_000;
  const factor = o.factor ?? 1.6;
  const jitter = o.jitter ?? 0.2;
  const rnd = o.random ?? Math.random;
  const base = Math.min(max, initial * Math.pow(factor, attempt));
  const jittered = base * (1 - jitter + jitter * rnd());
  return Math.max(1, Math.round(Math.min(max, jittered)));
}

export interface PollOptions<T> extends BackoffOptions {
  /** What we are waiting for, used in the timeout message ("stack my-stack to finish UPDATE_IN_PROGRESS"). */
  what: string;
  timeoutMs: number;
  clock: Clock;
  /** Poll once; return a value when done, undefined to keep waiting. */
  check: () => Promise<T | undefined>;
  /** Called between polls (e.g. to stream stack events). */
  onTick?: () => Promise<void>;
  /** Poll immediately before the first sleep. Default true. */
  checkFirst?: boolean;
}

/**
 * Poll `check` with fast-start jittered backoff until it returns a value, or throw TimeoutError.
 * Throttling errors from `check` are retried (they count against the same deadline).
 */
export async function pollUntil<T>(o: PollOptions<T>): Promise<T> {
  const start = o.clock.now();
  let attempt = 0;
  if (o.checkFirst !== false) {
    const first = await tryCheck(o);
    if (first !== undefined) return first;
  }
  for (;;) {
    const elapsed = o.clock.now() - start;
    if (elapsed >= o.timeoutMs) {
      throw new TimeoutError(
        `Timed out after ${Math.round(o.timeoutMs / 1000)} s waiting for ${o.what}; raise wait-timeout-minutes if this is expected.`,
      );
    }
    const delay = Math.min(backoffDelay(attempt++, o), Math.max(1, o.timeoutMs - elapsed));
    await o.clock.sleep(delay);
    if (o.onTick) await o.onTick();
    const v = await tryCheck(o);
    if (v !== undefined) return v;
  }
}

async function tryCheck<T>(o: PollOptions<T>): Promise<T | undefined> {
  try {
    return await o.check();
  } catch (e) {
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
export async function retry<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const retries = o.retries ?? 5;
  const base = o.baseMs ?? 300;
  const max = o.maxMs ?? 10_000;
  const rnd = o.random ?? Math.random;
  const retryable = o.isRetryable ?? isThrottle;
  for (let n = 0; ; n++) {
    try {
      return await fn();
    } catch (e) {
      if (n >= retries || !retryable(e)) throw e;
      await o.clock.sleep(Math.round(rnd() * Math.min(max, base * 2 ** n)));
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
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i] as I, i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  });
  await Promise.all(workers);
  return results;
}
