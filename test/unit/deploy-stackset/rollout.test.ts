// S1 / H1 / M1 against the loopback stand-in: create, re-run with nothing to do, update, queue behind another
// operation, failure tolerance, and a create whose answer was lost.
import { afterEach, describe, expect, it } from '@jest/globals';
import { startStackSetStandIn, type StandIn } from '../../helpers/stackset-standin';
import { harness, MUTATING } from './harness';

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const TARGETS = { accounts: '111111111111', regions: 'us-east-1,eu-west-1,ap-southeast-2' };
const mutating = (s: StandIn) =>
  s.calls.filter((call) => MUTATING.test(call.action)).map((call) => call.action);

describe('deploy-stackset rollout (stand-in)', () => {
  it('S1 (H1): creates the stack set and 1 account × 3 regions; a re-run starts no operation and succeeds', async () => {
    standIn = await startStackSetStandIn();
    const first = await harness(standIn, TARGETS).run();
    expect(first.error).toBeUndefined();
    expect(first.outcome.result).toBe('created');
    expect(mutating(standIn)).toEqual(['CreateStackSet', 'CreateStackInstances']);
    expect(first.outcome.instances.map((row) => [row.region, row.status, row.result])).toEqual([
      ['ap-southeast-2', 'CURRENT', 'SUCCEEDED'],
      ['eu-west-1', 'CURRENT', 'SUCCEEDED'],
      ['us-east-1', 'CURRENT', 'SUCCEEDED'],
    ]);
    // The OperationId is ours: run 42, attempt 1, phase create-1.
    expect(first.outcome.operations[0]?.operationId).toMatch(/^gd-42-[0-9a-f]{8}-1-create-1$/);

    standIn.calls.length = 0;
    const again = harness(standIn, TARGETS, { env: { GITHUB_RUN_ID: '43' } });
    const second = await again.run();
    expect(second.error).toBeUndefined();
    expect(second.outcome.result).toBe('no-changes');
    expect(mutating(standIn)).toEqual([]);
    expect(again.rt.sink.outputs['operation-ids']).toBe('');
    expect(again.rt.sink.outputs.result).toBe('no-changes');
  });

  it('S1: a parameter change is one UpdateStackSet operation and every instance ends CURRENT', async () => {
    standIn = await startStackSetStandIn({ pollsToFinish: 3 });
    await harness(standIn, TARGETS).run();
    standIn.calls.length = 0;
    const update = harness(
      standIn,
      { ...TARGETS, 'parameter-overrides': 'Release=v2' },
      { env: { GITHUB_RUN_ID: '43' } },
    );
    const run = await update.run();
    expect(run.error).toBeUndefined();
    expect(run.outcome.result).toBe('updated');
    expect(mutating(standIn)).toEqual(['UpdateStackSet']);
    expect(run.outcome.instances.every((row) => row.status === 'CURRENT')).toBe(true);
    expect(standIn.sets.get('orders')?.parameters.get('Release')).toBe('v2');
    // Polled until done, with the shared backoff (each sleep ≥ 1 s, growing).
    expect(update.rt.clock.slept.length).toBeGreaterThanOrEqual(2);
    expect(update.rt.sink.summaries.join('\n')).toContain('Parameters');
  });

  it('S1: queued behind another party’s running operation — waits, names it, then rolls out', async () => {
    standIn = await startStackSetStandIn();
    await harness(standIn, TARGETS).run();
    standIn.busy('orders', 'someone-elses-op', 3);
    standIn.calls.length = 0;
    const queued = harness(
      standIn,
      { ...TARGETS, 'parameter-overrides': 'Release=v3' },
      { env: { GITHUB_RUN_ID: '44' } },
    );
    const run = await queued.run();
    expect(run.error).toBeUndefined();
    expect(run.outcome.result).toBe('updated');
    const log = queued.rt.sink.text();
    expect(log).toMatch(/busy: waiting for another operation someone-elses-op \(UPDATE, RUNNING/);
    // The update was sent only once the other operation had ended: never an OperationInProgressException.
    const firstUpdate = standIn.calls.findIndex((call) => call.action === 'UpdateStackSet');
    const listsBefore = standIn.calls
      .slice(0, firstUpdate)
      .filter((call) => call.action === 'ListStackSetOperations');
    expect(listsBefore.length).toBeGreaterThanOrEqual(3);
    expect(mutating(standIn)).toEqual(['UpdateStackSet']);
  });

  it('S1: an OperationInProgressException at the call (a race) waits and sends again', async () => {
    standIn = await startStackSetStandIn({ raceBefore: { action: 'UpdateStackSet', polls: 2 } });
    await harness(standIn, TARGETS).run();
    const step = harness(
      standIn,
      { ...TARGETS, 'parameter-overrides': 'Release=v4' },
      { env: { GITHUB_RUN_ID: '45' } },
    );
    const run = await step.run();
    expect(run.error).toBeUndefined();
    expect(run.outcome.result).toBe('updated');
    expect(step.rt.sink.text()).toContain('is busy (OperationInProgressException');
    expect(step.rt.sink.text()).toContain('waiting for another operation racing-op');
    expect(standIn.ops('UpdateStackSet')).toHaveLength(2);
    const set = standIn.sets.get('orders')!;
    expect(set.operations.filter((operation) => operation.id.startsWith('gd-45-'))).toHaveLength(1);
  });

  it('S1: a partial failure within failure-tolerance passes, naming the failed instance', async () => {
    standIn = await startStackSetStandIn({
      fail: (_account, region) =>
        region === 'eu-west-1' ? 'Resource handler returned message: "quota exceeded"' : undefined,
    });
    const step = harness(standIn, { ...TARGETS, 'failure-tolerance': '1' });
    const run = await step.run();
    expect(run.error).toBeUndefined();
    expect(run.outcome.result).toBe('created');
    expect(step.rt.sink.outputs['failed-instances']).toBe('1');
    expect(step.rt.sink.text()).toContain(
      '1 of 3 instance(s) failed, within failure-tolerance: 111111111111/eu-west-1',
    );
    expect(step.rt.sink.summaries.join('\n')).toContain('quota exceeded');
  });

  it('S1: failures beyond failure-tolerance fail the step, naming every failed instance and why', async () => {
    standIn = await startStackSetStandIn({
      fail: (_account, region) => (region !== 'us-east-1' ? `limit reached in ${region}` : undefined),
    });
    const step = harness(standIn, { ...TARGETS, 'failure-tolerance': '1' });
    const run = await step.run();
    expect(run.outcome.result).toBe('failed');
    expect(run.outcome.error).toContain('2 of 3 stack instance(s) failed');
    expect(run.outcome.error).toContain('111111111111/eu-west-1 (limit reached in eu-west-1)');
    expect(run.outcome.error).toContain('111111111111/ap-southeast-2 (limit reached in ap-southeast-2)');
    expect(step.rt.sink.outputs['failed-instances']).toBe('2');
    expect(step.rt.sink.summaries.join('\n')).toMatch(
      /ap-southeast-2 \| FAILED \| OUTDATED \| FAILED \| limit reached/,
    );
  });

  it('S1: a percentage tolerance counts against the instances the rollout touched', async () => {
    standIn = await startStackSetStandIn({
      fail: (_account, region) => (region === 'eu-west-1' ? 'boom' : undefined),
    });
    const within = await harness(standIn, {
      ...TARGETS,
      'failure-tolerance': '34%',
      'max-concurrent': '1',
    }).run();
    expect(within.outcome.result).toBe('created');
    await standIn.close();
    standIn = await startStackSetStandIn({
      fail: (_account, region) => (region === 'eu-west-1' ? 'boom' : undefined),
    });
    const beyond = await harness(standIn, { ...TARGETS, 'failure-tolerance': '33%' }).run();
    expect(beyond.outcome.result).toBe('failed');
  });

  it('H1: a CreateStackInstances whose answer was lost is retried with the same OperationId — one operation, followed', async () => {
    standIn = await startStackSetStandIn({ loseFirstAnswer: ['CreateStackInstances'] });
    const run = await harness(standIn, TARGETS).run();
    expect(run.error).toBeUndefined();
    expect(run.outcome.result).toBe('created');
    const sends = standIn.ops('CreateStackInstances');
    expect(sends.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sends.map((call) => call.params.OperationId)).size).toBe(1);
    expect(standIn.sets.get('orders')?.operations).toHaveLength(1);
    expect(run.outcome.instances).toHaveLength(3);
  });

  it('H1: a CreateStackSet whose answer was lost goes on with the stack set it created', async () => {
    standIn = await startStackSetStandIn({ loseFirstAnswer: ['CreateStackSet'] });
    const run = await harness(standIn, TARGETS).run();
    expect(run.error).toBeUndefined();
    expect(run.outcome.result).toBe('created');
    expect(standIn.ops('CreateStackSet').length).toBeGreaterThanOrEqual(2);
    expect(standIn.sets.size).toBe(1);
    expect(run.outcome.instances).toHaveLength(3);
  });

  it('S1: a stack set someone else created between our look and our create is not rolled out over', async () => {
    standIn = await startStackSetStandIn({
      onCall: (action) => {
        if (action !== 'CreateStackSet' || standIn!.sets.has('orders')) return;
        standIn!.sets.set('orders', {
          name: 'orders',
          id: 'orders:theirs',
          template: 'Resources:\n  Theirs:\n    Type: AWS::SNS::Topic\n',
          parameters: new Map(),
          tags: [],
          instances: new Map(),
          operations: [],
        });
      },
    });
    const run = await harness(standIn, TARGETS).run();
    expect(run.outcome.result).toBe('failed');
    expect(run.outcome.error).toContain('was created by someone else while this step ran');
    expect(standIn.ops('CreateStackInstances')).toEqual([]);
  });
});
