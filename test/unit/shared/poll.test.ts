import { describe, expect, it } from '@jest/globals';
import { fakeClock } from '../../../src/clock';
import { BACKOFF, backoffDelay, mapLimit, pollUntil, retry } from '../../../src/poll';
import { TimeoutError } from '../../../src/errors';

const throttle = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

describe('backoffDelay', () => {
  it('starts fast (≤ 1 s) and grows to at most 10 s', () => {
    const mid = () => 0.5;
    expect(backoffDelay(0, { random: mid })).toBeLessThanOrEqual(1000);
    const delays = Array.from({ length: 20 }, (_, i) => backoffDelay(i, { random: mid }));
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
    expect(delays[19]).toBeGreaterThan(8_000);
  });
});

describe('pollUntil', () => {
  it('returns the first defined value, retrying throttles', async () => {
    const clock = fakeClock();
    let n = 0;
    const v = await pollUntil({
      what: 'x',
      timeoutMs: 60_000,
      clock,
      check: async () => {
        n++;
        if (n === 2) throw throttle();
        return n >= 4 ? 'done' : undefined;
      },
    });
    expect(v).toBe('done');
    expect(clock.slept).toHaveLength(3);
  });

  it('throws TimeoutError when the deadline passes (a timeout never passes silently)', async () => {
    const clock = fakeClock();
    await expect(
      pollUntil({ what: 'stack s', timeoutMs: 30_000, clock, check: async () => undefined }),
    ).rejects.toBeInstanceOf(TimeoutError);
    expect(clock.now()).toBeGreaterThanOrEqual(30_000);
    expect(clock.now()).toBeLessThan(31_000);
  });

  it('a named preset sets the delays (BACKOFF.changeSet: 1 s ×1.2 ≤ 5 s — the end is noticed ≤ 1 delay late)', async () => {
    const clock = fakeClock();
    let n = 0;
    await pollUntil({
      what: 'x',
      timeoutMs: 600_000,
      clock,
      ...BACKOFF.changeSet,
      jitter: 0,
      check: async () => (++n > 12 ? 'done' : undefined),
    });
    expect(clock.slept).toEqual([1000, 1200, 1440, 1728, 2074, 2488, 2986, 3583, 4300, 5000, 5000, 5000]);
    expect(BACKOFF.stackOperation).toEqual({ initialMs: 1000, factor: 1.2, maxMs: 5_000, jitter: 0.1 });
    expect(BACKOFF.driftRevert).toEqual({ initialMs: 1000, factor: 1.2, maxMs: 5_000, jitter: 0.1 });
  });

  it.each(Object.entries(BACKOFF))(
    'preset %s: never more than 1 poll/s, each delay ≥ the one before whatever the jitter, ≥ 4.5 s once long',
    (_name, preset) => {
      const delays = (random: () => number) =>
        Array.from({ length: 40 }, (_, i) => backoffDelay(i, { ...preset, random }));
      const shortest = delays(() => 0);
      const longest = delays(() => 1);
      expect(shortest[0]).toBeGreaterThanOrEqual(900);
      // the shortest next delay is never shorter than the longest previous one, until both reach the cap
      for (let i = 1; i < 40; i++)
        expect(shortest[i]!).toBeGreaterThanOrEqual(Math.min(longest[i - 1]!, shortest[39]!));
      // long waits: at most one call per 4.5 s (5 s less the jitter), never beyond the cap
      expect(shortest[39]).toBeGreaterThanOrEqual(4_500);
      expect(Math.max(...longest)).toBeLessThanOrEqual(preset.maxMs);
    },
  );

  it('the end of a 3 s wait is noticed < 1 s late, of a 15 s one < 2.5 s late (BACKOFF.stackOperation, no jitter)', async () => {
    for (const [durationMs, lateMs] of [
      [3_000, 1_000],
      [15_000, 2_500],
    ] as const) {
      const clock = fakeClock();
      await pollUntil({
        what: 'x',
        timeoutMs: 600_000,
        clock,
        ...BACKOFF.stackOperation,
        jitter: 0,
        check: async () => (clock.now() >= durationMs ? 'done' : undefined),
      });
      expect(clock.now() - durationMs).toBeLessThan(lateMs);
    }
  });

  it('onTick runs right after each poll that did not finish (the first before any sleep), with its index', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    let n = 0;
    await pollUntil({
      what: 'x',
      timeoutMs: 60_000,
      clock,
      check: async () => {
        seen.push(`check@${clock.now()}`);
        return ++n > 2 ? 'done' : undefined;
      },
      onTick: async (tick) => {
        seen.push(`tick${tick}@${clock.now()}`);
      },
      initialMs: 1000,
      factor: 1,
      jitter: 0,
    });
    expect(seen).toEqual(['check@0', 'tick0@0', 'check@1000', 'tick1@1000', 'check@2000']);
  });

  it('stops at once when the signal is aborted (cancellation), even between polls', async () => {
    const clock = fakeClock();
    const abort = new AbortController();
    let n = 0;
    await expect(
      pollUntil({
        what: 'x',
        timeoutMs: 600_000,
        clock,
        signal: abort.signal,
        check: async () => {
          if (++n === 3) abort.abort(new Error('cancelled (SIGINT)'));
          return undefined;
        },
      }),
    ).rejects.toThrow('cancelled (SIGINT)');
    expect(n).toBe(3);
  });

  it('rethrows non-throttling errors', async () => {
    await expect(
      pollUntil({
        what: 'x',
        timeoutMs: 1000,
        clock: fakeClock(),
        check: async () => {
          throw new Error('boom');
        },
      }),
    ).rejects.toThrow('boom');
  });
});

describe('retry', () => {
  it('retries throttling with full jitter, then succeeds', async () => {
    const clock = fakeClock();
    let n = 0;
    const v = await retry(async () => (++n < 3 ? Promise.reject(throttle()) : 'ok'), {
      clock,
      random: () => 1,
    });
    expect(v).toBe('ok');
    expect(clock.slept).toEqual([300, 600]);
  });
  it('does not retry other errors', async () => {
    let n = 0;
    await expect(
      retry(
        async () => {
          n++;
          throw new Error('no');
        },
        { clock: fakeClock() },
      ),
    ).rejects.toThrow('no');
    expect(n).toBe(1);
  });
});

describe('mapLimit', () => {
  it('bounds concurrency and keeps every result even when one rejects', async () => {
    let inFlight = 0;
    let peak = 0;
    const res = await mapLimit([1, 2, 3, 4, 5, 6], 2, async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (x === 3) throw new Error('three');
      return x * 10;
    });
    expect(peak).toBe(2);
    expect(res.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(res[5]).toEqual({ status: 'fulfilled', value: 60 });
  });
});

describe('T1: the deadline holds whatever the network does', () => {
  it.each([
    [
      'T1: a check that never answers ends at the deadline (real time), not when the call gives up',
      { timeoutMs: 200, check: () => new Promise<undefined>(() => undefined) },
      /Timed out after 0 s waiting for stack app to finish \(the last call did not answer in time\)/,
    ],
    [
      'T1: a tick (event streaming) that hangs cannot hold the wait either',
      {
        timeoutMs: 300,
        initialMs: 10,
        check: async () => undefined,
        onTick: () => new Promise<void>(() => undefined),
      },
      /Timed out/,
    ],
  ] as const)('%s', async (_name, hanging, expected) => {
    const { realClock } = await import('../../../src/clock');
    const { pollUntil } = await import('../../../src/poll');
    const started = Date.now();
    await expect(
      pollUntil<undefined>({ what: 'stack app to finish', clock: realClock, ...hanging }),
    ).rejects.toThrow(expected);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('K1: cancellation stops a wait whose call is hanging, at once', async () => {
    const { realClock } = await import('../../../src/clock');
    const { pollUntil } = await import('../../../src/poll');
    const abort = new AbortController();
    const waiting = pollUntil({
      what: 'x',
      timeoutMs: 60_000,
      clock: realClock,
      check: () => new Promise<undefined>(() => undefined),
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(new Error('cancelled (SIGINT)')), 20);
    await expect(waiting).rejects.toThrow('cancelled (SIGINT)');
  });
});
