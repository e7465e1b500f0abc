// drift-check `stack-sets:` (S1) against the loopback StackSet stand-in: DetectStackSetDrift, the operation
// waited for, every instance listed with its drift status; fail-on: drift names the drifted instances; L1.
import { afterEach, describe, expect, it } from '@jest/globals';
import { runWith } from '../../../actions/drift-check/src/run';
import { InputError } from '../../../src/errors';
import { awsFactory } from '../../../src/runtime';
import { fakeRuntime } from '../../helpers/runtime';
import { startStackSetStandIn, type StandIn } from '../../helpers/stackset-standin';
import { harness } from '../deploy-stackset/harness';

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const TARGETS = { accounts: '111111111111', regions: 'us-east-1,eu-west-1,ap-southeast-2' };

function driftCheck(inputs: Record<string, string>) {
  const env = { AWS_REGION: 'us-east-1', GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: '1' };
  const rt = fakeRuntime({ action: 'drift-check', env, inputs: { 'comment-on-pr': 'never', ...inputs } });
  const factory = awsFactory(rt.cancel, env);
  rt.aws = (Client, region, extra = {}) =>
    factory(Client, region, {
      endpoint: standIn!.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      ...extra,
    });
  return { rt, run: () => runWith(rt) };
}

/** deploy-stackset creates the stack set `orders` with 1 account × 3 regions on the stand-in. */
async function stackSetWithInstances(): Promise<void> {
  expect((await harness(standIn!, TARGETS).run()).outcome.result).toBe('created');
}

describe('drift-check stack-sets (stand-in)', () => {
  it('S1: detects stack set drift, waits for the operation and lists every instance with its drift status', async () => {
    standIn = await startStackSetStandIn({
      pollsToFinish: 2,
      drift: (_account, region) => (region === 'eu-west-1' ? 'DRIFTED' : 'IN_SYNC'),
    });
    await stackSetWithInstances();
    const check = driftCheck({ 'stack-sets': 'orders' });
    const outcome = await check.run();
    expect(standIn.ops('DetectStackSetDrift').map((call) => call.params.OperationId)).toEqual([
      'gd-drift-77-1',
    ]);
    expect(outcome.outputs).toMatchObject({ drifted: 'true', 'drifted-stack-sets': '["orders"]' });
    const summary = check.rt.sink.summaries.join('\n');
    expect(summary).toContain('1 of 3 instance(s) drifted');
    expect(summary).toMatch(/111111111111 \| eu-west-1 \| ⚠️ DRIFTED \| CURRENT/);
    expect(summary).toMatch(/111111111111 \| us-east-1 \| IN\\_SYNC/);
    // The default fail-on (overwrite) cannot be decided for stack sets: reported, not failed, and said so.
    expect(summary).toContain('fail-on: overwrite cannot be decided for stack sets');
  });

  it('S1: fail-on: drift fails the step naming the drifted instances', async () => {
    standIn = await startStackSetStandIn({
      drift: (_account, region) => (region === 'us-east-1' ? 'IN_SYNC' : 'DRIFTED'),
    });
    await stackSetWithInstances();
    const check = driftCheck({ 'stack-sets': 'orders', 'fail-on': 'drift' });
    await expect(check.run()).rejects.toThrow(
      /drift found \(fail-on: drift\) in 1 stack set\(s\): orders \(111111111111\/(eu-west-1|ap-southeast-2), 111111111111\/(eu-west-1|ap-southeast-2)\)/,
    );
  });

  it('S1: an in-sync stack set passes with fail-on: drift; a missing one fails (errors always do)', async () => {
    standIn = await startStackSetStandIn();
    await stackSetWithInstances();
    const ok = await driftCheck({ 'stack-sets': 'orders', 'fail-on': 'drift' }).run();
    expect(ok.outputs.drifted).toBe('false');
    await expect(driftCheck({ 'stack-sets': 'nope' }).run()).rejects.toThrow(/stack set nope does not exist/);
  });

  it('T1: a detection that never ends stops at wait-timeout-minutes', async () => {
    standIn = await startStackSetStandIn();
    await stackSetWithInstances();
    await standIn.close();
    const sets = standIn.sets;
    standIn = await startStackSetStandIn({ hang: true });
    for (const [name, set] of sets) standIn.sets.set(name, { ...set, operations: [] });
    await expect(driftCheck({ 'stack-sets': 'orders', 'wait-timeout-minutes': '1' }).run()).rejects.toThrow(
      /Timed out after 60 s/,
    );
  });

  it.each([
    ['with stacks', { stacks: 'app' }],
    ['with a template', { template: 'template.yaml' }],
    ['with revert', { revert: 'true', mode: 'change-set' }],
    ['with a bad name', { 'stack-sets': '../x' }],
  ])('L1: stack-sets %s is refused before any call', async (_what, inputs) => {
    standIn = await startStackSetStandIn();
    await expect(driftCheck({ 'stack-sets': 'orders', ...inputs }).run()).rejects.toThrow(InputError);
    expect(standIn.calls).toEqual([]);
  });
});
