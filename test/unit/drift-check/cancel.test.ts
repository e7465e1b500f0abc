// K1: cancellation while drift-aware change sets exist. Each change set is registered for cleanup before
// CreateChangeSet is sent; on cancel the cleanup deletes it (by id, or by our name when the create answer was
// lost) and reports only what it verified. After cancellation no mutating call is sent.
import { describe, expect, it } from '@jest/globals';
import { describeCleanups, type CleanupReport } from '../../../src/cancel';
import { CancelledError } from '../../../src/errors';
import { d1, d2, noDrift, type DriftScenario } from '../../fixtures/drift';
import { harness, install, runAction, type Call, type Fake, type FakeOptions, type Harness } from './harness';

const READ_ONLY = /^(Describe|Get|List)/;
/** The cleanup's name: the change set of the one stack these tests run. */
const LABEL = 'change set drift-web-prod-4242-1 of stack web-prod';

/**
 * When the signal arrives. 'inside-call': synchronously, inside the matched call, before it is answered.
 * A real signal arrives between event-loop turns: 'answer-in-grace' delivers it on the next turn while the
 * matched call waits, and answers the call as soon as the cancellation has started (within the lifecycle's
 * grace); 'answer-after-cleanup' answers it only once the cleanups have reported.
 */
type SignalTiming = 'inside-call' | 'answer-in-grace' | 'answer-after-cleanup';

/** Cancel the job (as a SIGINT would) the first time `when` matches a call, before it is answered. */
function cancelOn(
  h: Harness,
  when: (op: string, input: Record<string, unknown>) => boolean,
  timing: SignalTiming = 'inside-call',
): { options: FakeOptions; reports: () => Promise<CleanupReport[]>; at: () => number } {
  let cancelled: Promise<CleanupReport[]> | undefined;
  let calls = 0;
  let at = -1;
  return {
    options: {
      onCall: (op, input) => {
        calls++;
        if (at >= 0 || !when(op, input)) return undefined;
        at = calls;
        if (timing === 'inside-call') {
          cancelled = h.rt.cancel.cancel('SIGINT');
          return undefined;
        }
        return new Promise<void>((answer) =>
          setImmediate(() => {
            cancelled = h.rt.cancel.cancel('SIGINT');
            if (timing === 'answer-in-grace') answer();
            else void cancelled.then(() => answer());
          }),
        );
      },
    },
    reports: async () => {
      if (!cancelled) throw new Error('the job was never cancelled');
      return cancelled;
    },
    at: () => at,
  };
}

/** Calls sent after the cancellation (the call that triggered it excluded). */
const after = (calls: Call[], at: number) => calls.slice(at);

interface CancelledRun {
  h: Harness;
  fake: Fake;
  error?: Error;
  /** What the cancellation's cleanups reported. */
  reports: CleanupReport[];
  /** Calls sent after the cancellation (the call that triggered it excluded). */
  late: Call[];
}

/** Run drift-check on web-prod (d2) and cancel it the first time `op` is called. */
async function cancelledRun(
  op: string,
  o: {
    inputs?: Record<string, string>;
    timing?: SignalTiming;
    scenarios?: DriftScenario[];
    fake?: FakeOptions;
  } = {},
): Promise<CancelledRun> {
  const timing = o.timing ?? 'inside-call';
  const h = harness({ stacks: 'web-prod', ...o.inputs }, {}, { clockYields: timing !== 'inside-call' });
  const cancel = cancelOn(h, (called) => called === op, timing);
  const fake = install(o.scenarios ?? [d2()], { ...cancel.options, ...o.fake });
  const { error } = await runAction(h);
  return { h, fake, error, reports: await cancel.reports(), late: after(fake.calls, cancel.at()) };
}

/** The one report says the change set was NOT cleaned up, and exactly why; nothing claims a cleanup. */
function expectNotCleanedUp(reports: CleanupReport[], detail: string): void {
  expect(reports).toEqual([{ name: LABEL, ok: false, detail }]);
  const line = describeCleanups('drift-check', 'SIGINT', reports);
  expect(line).toContain(`Could NOT clean up — check by hand: ${LABEL}`);
  expect(line).not.toContain('Cleaned up');
}

describe('K1: cancellation cleans up drift-aware change sets and says only what it verified', () => {
  it('K1: cancelled while the change set exists → it is deleted, reported as cleaned up, nothing else is claimed', async () => {
    const { h, fake, error, reports, late } = await cancelledRun('DescribeChangeSet');
    expect(reports).toEqual([{ name: LABEL, ok: true, detail: `deleted ${LABEL} (by id)` }]);
    expect(describeCleanups('drift-check', 'SIGINT', reports)).toBe(
      `drift-check: cancelled (SIGINT). Cleaned up: ${LABEL} (deleted ${LABEL} (by id)).`,
    );
    // Deleted once (the run's own cleanup shares the cancellation's), and really gone.
    expect(fake.ops('DeleteChangeSet')).toHaveLength(1);
    expect(fake.existing.size).toBe(0);
    expect(error).toBeInstanceOf(CancelledError);
    // Nothing published after cancellation: the cancellation note is the one report.
    expect(h.summary).toHaveLength(0);
    expect(h.outputs).toEqual({});
    for (const call of late) expect(call.op).toMatch(/^(Describe|Get|List)|^DeleteChangeSet$/);
  });

  it('K1: a DeleteChangeSet that fails is reported as NOT cleaned up, with what may remain', async () => {
    const denied = 'User is not authorized to perform: cloudformation:DeleteChangeSet';
    const { fake, reports } = await cancelledRun('DescribeChangeSet', {
      fake: { deleteFails: { name: 'AccessDenied', message: denied } },
    });
    expectNotCleanedUp(reports, `${LABEL} may remain (AccessDenied: ${denied}); delete it by hand`);
    expect(fake.existing.has('drift-web-prod-4242-1')).toBe(true);
  });

  it('K1: cancelled while CreateChangeSet is in flight → the cleanup waits for its answer, then deletes the change set', async () => {
    const { fake, reports } = await cancelledRun('CreateChangeSet', { timing: 'answer-in-grace' });
    expect(reports).toEqual([{ name: LABEL, ok: true, detail: `deleted ${LABEL} (by id)` }]);
    expect(fake.existing.size).toBe(0);
    expect(fake.ops('DeleteChangeSet')).toHaveLength(1);
  });

  it('K1: cancelled while CreateChangeSet is in flight and its answer does not come in time → reported as NOT cleaned up', async () => {
    const { fake, reports } = await cancelledRun('CreateChangeSet', { timing: 'answer-after-cleanup' });
    expectNotCleanedUp(
      reports,
      `${LABEL} may remain (CreateChangeSet was still in flight); delete it by hand`,
    );
    // It looked for the change set by our name (it did not exist yet).
    expect(fake.ops('DeleteChangeSet').map((call) => call.input)[0]).toEqual({
      ChangeSetName: 'drift-web-prod-4242-1',
      StackName: 'web-prod',
    });
  });

  it('K1: a lost CreateChangeSet answer → the change set is found and deleted by stack and our name', async () => {
    const fake = install([d2()], { createAnswerLost: ['web-prod'] });
    const h = harness({ stacks: 'web-prod' });
    const { error, result } = await runAction(h);
    expect(fake.existing.size).toBe(0);
    expect(fake.ops('DeleteChangeSet').map((call) => call.input)).toEqual([
      { ChangeSetName: 'drift-web-prod-4242-1', StackName: 'web-prod' },
    ]);
    expect(result!.results[0]!.verdict).toBe('error');
    expect(error?.message).toContain('web-prod: TimeoutError: socket hang up');
    expect(h.log.text()).toContain(`Deleted ${LABEL} (the drift check is done).`);
  });

  it('K1: after cancellation no mutating call is sent — no ExecuteChangeSet for a revert, no work on the next stacks', async () => {
    const { fake, error, reports, late } = await cancelledRun('DescribeChangeSet', {
      inputs: {
        stacks: 'web-prod\norders-prod\napi-prod',
        revert: 'true',
        'fail-on': 'never',
        concurrency: '1',
      },
      scenarios: [d2(), d1(), noDrift()],
    });
    expect(error).toBeInstanceOf(CancelledError);
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((call) => !READ_ONLY.test(call.op)).map((call) => call.op)).toEqual([
      'DeleteChangeSet',
    ]);
    expect(fake.ops('ExecuteChangeSet')).toHaveLength(0);
    expect(fake.ops('DescribeStacks', 'orders-prod')).toHaveLength(0);
    expect(fake.ops('CreateChangeSet')).toHaveLength(1);
    expect(reports.map((report) => report.ok)).toEqual([true]);
  });

  it('K1: cancelled after ExecuteChangeSet was sent → reported as not cleaned up (the update keeps running)', async () => {
    const { fake, reports } = await cancelledRun('ExecuteChangeSet', { inputs: { revert: 'true' } });
    expectNotCleanedUp(
      reports,
      `${LABEL} was already executing: nothing to delete, and the stack operation continues on AWS (cancelling the job does not stop it); stack web-prod is UPDATE_COMPLETE`,
    );
    expect(fake.ops('DeleteChangeSet')).toHaveLength(0);
  });
});
