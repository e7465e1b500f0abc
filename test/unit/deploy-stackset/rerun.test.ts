// H1 / K1 / T1: a re-run after a cancelled job follows and reports the operation the cancelled attempt started
// (no second operation); the cancellation says honestly what goes on; every wait's deadline holds.
import { afterEach, describe, expect, it } from '@jest/globals';
import { attemptOf, operationId, runIdentity } from '../../../actions/deploy-stackset/src/operation-id';
import { startStackSetStandIn, type StandIn } from '../../helpers/stackset-standin';
import { harness, MUTATING } from './harness';

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const TARGETS = { accounts: '111111111111', regions: 'us-east-1,eu-west-1,ap-southeast-2' };

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('operation ids (H1)', () => {
  it('H1: the same step of the same run has the same prefix in every attempt; attempts and phases differ', () => {
    const env = { GITHUB_RUN_ID: '42', GITHUB_JOB: 'rollout', GITHUB_ACTION: 'deploy' };
    const first = runIdentity({ ...env, GITHUB_RUN_ATTEMPT: '1' }, 0);
    const second = runIdentity({ ...env, GITHUB_RUN_ATTEMPT: '2' }, 0);
    expect(first.prefix).toBe(second.prefix);
    expect(operationId(first, 'update')).not.toBe(operationId(second, 'update'));
    expect(operationId(first, 'update')).toMatch(/^[a-zA-Z0-9][-a-zA-Z0-9]{0,127}$/);
    expect(attemptOf(second, operationId(first, 'update'))).toBe(1);
    // Another step, or another run, is not ours.
    const otherStep = runIdentity({ ...env, GITHUB_ACTION: 'deploy-2', GITHUB_RUN_ATTEMPT: '2' }, 0);
    expect(attemptOf(otherStep, operationId(first, 'update'))).toBeUndefined();
    expect(
      attemptOf(runIdentity({ ...env, GITHUB_RUN_ID: '43' }, 0), operationId(first, 'update')),
    ).toBeUndefined();
  });
});

describe('re-runs and cancellation (stand-in)', () => {
  it('H1/K1: a re-run after a cancelled job reports the same operation and starts none', async () => {
    standIn = await startStackSetStandIn({ hang: true });
    // The stack set exists (an earlier run); this run's attempt 1 updates a parameter, its operation hangs.
    const setup = harness(standIn, { 'parameter-overrides': 'Release=v1' }, { env: { GITHUB_RUN_ID: '7' } });
    expect((await setup.run()).outcome.result).toBe('created');

    const attempt1 = harness(standIn, { ...TARGETS });
    const running = attempt1.run();
    await until(() => standIn!.ops('CreateStackInstances').length > 0);
    const reports = await attempt1.rt.cancel.cancel('SIGINT');
    const first = await running;
    expect(first.outcome.result).toBe('failed');
    const started = standIn.ops('CreateStackInstances')[0]!.params.OperationId as string;
    expect(started).toMatch(/^gd-42-[0-9a-f]{8}-1-create-1$/);
    // K1: honest — the operation goes on in CloudFormation; nothing claims it was stopped.
    expect(reports).toEqual([
      expect.objectContaining({
        ok: false,
        detail: expect.stringContaining(`${started} on orders is RUNNING and goes on`),
      }),
    ]);

    const before = standIn.calls.length;
    const attempt2 = harness(standIn, { ...TARGETS }, { attempt: 2 });
    const rerun = attempt2.run();
    // The operation is still running when the re-run looks; it ends while the re-run follows it.
    await until(
      () =>
        standIn!.calls.slice(before).filter((call) => call.action === 'DescribeStackSetOperation').length >=
        2,
    );
    standIn.finish(started);
    const second = await rerun;
    expect(second.error).toBeUndefined();
    expect(standIn.calls.slice(before).filter((call) => MUTATING.test(call.action))).toEqual([]);
    expect(second.outcome.result).toBe('no-changes');
    expect(
      second.outcome.operations.map((operation) => [
        operation.operationId,
        operation.earlierAttempt,
        operation.operation.Status,
      ]),
    ).toEqual([[started, 1, 'SUCCEEDED']]);
    expect(attempt2.rt.sink.text()).toContain(
      `Operation ${started} (create-1) started by attempt 1 of this run is RUNNING: following it`,
    );
    expect(attempt2.rt.sink.outputs['operation-ids']).toBe(started);
    expect(second.outcome.instances.map((row) => row.operationId)).toEqual([started, started, started]);
    expect(
      standIn.sets.get('orders')?.operations.filter((operation) => operation.id.startsWith('gd-42-')),
    ).toHaveLength(1);
  });

  it('H1: a re-run after a FAILED operation starts a new one (its own id) for the instances left OUTDATED', async () => {
    let broken = true;
    standIn = await startStackSetStandIn({
      fail: (_account, region) => (broken && region === 'eu-west-1' ? 'bad' : undefined),
    });
    const attempt1 = await harness(standIn, TARGETS).run();
    expect(attempt1.outcome.result).toBe('failed');
    broken = false;
    const attempt2 = await harness(standIn, TARGETS, { attempt: 2 }).run();
    expect(attempt2.error).toBeUndefined();
    expect(attempt2.outcome.result).toBe('updated');
    const ids = standIn.sets.get('orders')!.operations.map((operation) => operation.id);
    expect(ids).toEqual([
      expect.stringMatching(/-1-create-1$/),
      expect.stringMatching(/-2-update-instances-1$/),
    ]);
    expect(standIn.ops('UpdateStackInstances')[0]?.params['Regions.member.1']).toBe('eu-west-1');
  });

  it('T1: waiting for an operation that never ends stops at wait-timeout-minutes', async () => {
    standIn = await startStackSetStandIn({ hang: true });
    const step = harness(standIn, { ...TARGETS, 'wait-timeout-minutes': '2' });
    const started = step.rt.clock.now();
    const run = await step.run();
    expect(run.outcome.result).toBe('failed');
    expect(run.outcome.error).toMatch(
      /Timed out after 120 s waiting for stack set operation gd-42-.*-1-create-1 on orders/,
    );
    expect(step.rt.clock.now() - started).toBeLessThanOrEqual(120_000 + 5_000);
  });

  it('T1: queued behind an operation that never ends stops at the deadline too, naming it', async () => {
    standIn = await startStackSetStandIn();
    await harness(standIn, TARGETS).run();
    standIn.busy('orders', 'stuck-op', 1_000_000);
    const step = harness(
      standIn,
      { ...TARGETS, 'parameter-overrides': 'Release=v9', 'wait-timeout-minutes': '1' },
      { env: { GITHUB_RUN_ID: '50' } },
    );
    const run = await step.run();
    expect(run.outcome.result).toBe('failed');
    expect(run.outcome.error).toMatch(/Timed out after 60 s/);
    expect(step.rt.sink.text()).toContain('stuck-op');
    expect(standIn.ops('UpdateStackSet')).toHaveLength(0);
  });
});
