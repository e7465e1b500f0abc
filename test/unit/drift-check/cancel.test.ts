// K1: cancellation while drift-aware change sets exist. Each change set is registered for cleanup before
// CreateChangeSet is sent; on cancel the cleanup deletes it (by id, or by our name when the create answer was
// lost) and reports only what it verified. After cancellation no mutating call is sent.
import { describe, expect, it } from '@jest/globals';
import { describeCleanups, type CleanupReport } from '../../../src/cancel';
import { CancelledError } from '../../../src/errors';
import { d1, d2, noDrift } from '../../fixtures/drift';
import { harness, install, runAction, type Call, type FakeOptions, type Harness } from './harness';

const READ_ONLY = /^(Describe|Get|List)/;

/** Cancel the job (as a SIGINT would) the first time `when` matches a call, before it is answered. */
function cancelOn(
  h: Harness,
  when: (op: string, input: Record<string, unknown>) => boolean,
): { options: FakeOptions; reports: () => Promise<CleanupReport[]>; at: () => number } {
  let cancelled: Promise<CleanupReport[]> | undefined;
  let calls = 0;
  let at = -1;
  return {
    options: {
      onCall: (op, input) => {
        calls++;
        if (!cancelled && when(op, input)) {
          at = calls;
          cancelled = h.rt.cancel.cancel('SIGINT');
        }
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

describe('K1: cancellation cleans up drift-aware change sets and says only what it verified', () => {
  it('K1: cancelled while the change set exists → it is deleted, reported as cleaned up, nothing else is claimed', async () => {
    const h = harness({ stacks: 'web-prod' });
    const cancel = cancelOn(h, (op) => op === 'DescribeChangeSet');
    const fake = install([d2()], cancel.options);
    const { error } = await runAction(h);
    const reports = await cancel.reports();
    expect(reports).toEqual([
      { name: 'change set drift-web-prod-4242-1 of stack web-prod', ok: true, detail: 'deleted' },
    ]);
    expect(describeCleanups('drift-check', 'SIGINT', reports)).toBe(
      'drift-check: cancelled (SIGINT). Cleaned up: change set drift-web-prod-4242-1 of stack web-prod (deleted).',
    );
    // Deleted once (the run's own cleanup shares the cancellation's), and really gone.
    expect(fake.ops('DeleteChangeSet')).toHaveLength(1);
    expect(fake.existing.size).toBe(0);
    expect(error).toBeInstanceOf(CancelledError);
    // Nothing published after cancellation: the cancellation note is the one report.
    expect(h.summary).toHaveLength(0);
    expect(h.outputs).toEqual({});
    for (const call of after(fake.calls, cancel.at()))
      expect(call.op).toMatch(/^(Describe|Get|List)|^DeleteChangeSet$/);
  });

  it('K1: a DeleteChangeSet that fails is reported as NOT cleaned up, with what may remain', async () => {
    const h = harness({ stacks: 'web-prod' });
    const cancel = cancelOn(h, (op) => op === 'DescribeChangeSet');
    const fake = install([d2()], {
      ...cancel.options,
      deleteFails: {
        name: 'AccessDenied',
        message: 'User is not authorized to perform: cloudformation:DeleteChangeSet',
      },
    });
    await runAction(h);
    const reports = await cancel.reports();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      name: 'change set drift-web-prod-4242-1 of stack web-prod',
      ok: false,
    });
    expect(reports[0]!.detail).toMatch(
      /^DeleteChangeSet failed \(AccessDenied: User is not authorized to perform: cloudformation:DeleteChangeSet\); it may still exist — delete it by hand$/,
    );
    const line = describeCleanups('drift-check', 'SIGINT', reports);
    expect(line).toContain(
      'Could NOT clean up — check by hand: change set drift-web-prod-4242-1 of stack web-prod',
    );
    expect(line).not.toContain('Cleaned up');
    expect(fake.existing.has('drift-web-prod-4242-1')).toBe(true);
  });

  it('K1: cancelled while CreateChangeSet is in flight → the cleanup waits for its answer, then deletes the change set', async () => {
    const h = harness({ stacks: 'web-prod' });
    const cancel = cancelOn(h, (op) => op === 'CreateChangeSet');
    const fake = install([d2()], cancel.options);
    await runAction(h);
    expect(await cancel.reports()).toEqual([
      { name: 'change set drift-web-prod-4242-1 of stack web-prod', ok: true, detail: 'deleted' },
    ]);
    expect(fake.existing.size).toBe(0);
    expect(fake.ops('DeleteChangeSet')).toHaveLength(1);
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
    expect(h.log.text()).toContain('Change set drift-web-prod-4242-1 of stack web-prod: deleted.');
  });

  it('K1: after cancellation no mutating call is sent — no ExecuteChangeSet for a revert, no work on the next stacks', async () => {
    const h = harness({
      stacks: 'web-prod\norders-prod\napi-prod',
      revert: 'true',
      'fail-on': 'never',
      concurrency: '1',
    });
    const cancel = cancelOn(h, (op) => op === 'DescribeChangeSet');
    const fake = install([d2(), d1(), noDrift()], cancel.options);
    const { error } = await runAction(h);
    expect(error).toBeInstanceOf(CancelledError);
    const late = after(fake.calls, cancel.at());
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((call) => !READ_ONLY.test(call.op)).map((call) => call.op)).toEqual([
      'DeleteChangeSet',
    ]);
    expect(fake.ops('ExecuteChangeSet')).toHaveLength(0);
    expect(fake.ops('DescribeStacks', 'orders-prod')).toHaveLength(0);
    expect(fake.ops('CreateChangeSet')).toHaveLength(1);
    expect((await cancel.reports()).map((report) => report.ok)).toEqual([true]);
  });

  it('K1: cancelled after ExecuteChangeSet was sent → reported as not cleaned up (the update keeps running)', async () => {
    const h = harness({ stacks: 'web-prod', revert: 'true' });
    const cancel = cancelOn(h, (op) => op === 'ExecuteChangeSet');
    const fake = install([d2()], cancel.options);
    await runAction(h);
    const reports = await cancel.reports();
    expect(reports).toEqual([
      {
        name: 'change set drift-web-prod-4242-1 of stack web-prod',
        ok: false,
        detail:
          'ExecuteChangeSet was sent; the stack update may be running in CloudFormation — check the stack',
      },
    ]);
    expect(fake.ops('DeleteChangeSet')).toHaveLength(0);
  });
});
