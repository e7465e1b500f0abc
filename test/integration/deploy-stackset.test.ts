/**
 * deploy-stackset against the moto server (operations finish at once there; it ignores OperationId on
 * CreateStackInstances and has no StackSet drift: those are covered by the loopback stand-in in unit tests).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  CloudFormationClient,
  DescribeStackSetCommand,
  ListStackInstancesCommand,
  ListStackSetOperationsCommand,
} from '@aws-sdk/client-cloudformation';
import { realClock } from '../../src/clock';
import { awsFactory } from '../../src/runtime';
import { deployStackSet } from '../../actions/deploy-stackset/src/run';
import { fakeRuntime } from '../helpers/runtime';
import { MOTO_ACCOUNT, TEST_REGION, motoClientConfig, uniqueName } from '../helpers/moto';

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Release:
    Type: String
    Default: v1
Resources:
  Handle:
    Type: AWS::CloudFormation::WaitConditionHandle
  Marker:
    Type: AWS::CloudFormation::WaitConditionHandle
`;
const WITHOUT_MARKER = TEMPLATE.replace(/ {2}Marker:[\s\S]*$/, '');
const REGIONS = 'us-east-1,us-west-2,eu-west-1';

let cfn: CloudFormationClient;
beforeAll(() => {
  cfn = new CloudFormationClient(motoClientConfig());
});

function step(inputs: Record<string, string>, template = TEMPLATE, runId = '100') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-ss-int-'));
  fs.writeFileSync(path.join(dir, 'template.yaml'), template);
  const env = {
    GITHUB_WORKSPACE: dir,
    AWS_REGION: TEST_REGION,
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_ATTEMPT: '1',
  };
  const rt = fakeRuntime({
    action: 'deploy-stackset',
    env,
    inputs: {
      template: 'template.yaml',
      accounts: MOTO_ACCOUNT,
      regions: REGIONS,
      'wait-timeout-minutes': '2',
      'comment-on-pr': 'never',
      ...inputs,
    },
  });
  rt.clock = Object.assign({ slept: [] as number[] }, realClock);
  const factory = awsFactory(rt.cancel, env);
  rt.aws = (Client, region, extra = {}) => factory(Client, region, { ...motoClientConfig(), ...extra });
  return { rt, run: () => deployStackSet(rt) };
}

async function operations(name: string) {
  return (await cfn.send(new ListStackSetOperationsCommand({ StackSetName: name }))).Summaries ?? [];
}

async function instances(name: string) {
  return (await cfn.send(new ListStackInstancesCommand({ StackSetName: name }))).Summaries ?? [];
}

describe('deploy-stackset against moto', () => {
  it('S1 (H1): create 1 account × 3 regions → re-run (no operation, success) → a parameter update is one operation, all CURRENT', async () => {
    const name = uniqueName('it-ss');
    const first = await step({ name }).run();
    expect(first.error).toBeUndefined();
    expect(first.outcome.result).toBe('created');
    expect((await instances(name)).map((instance) => instance.Region).sort()).toEqual([
      'eu-west-1',
      'us-east-1',
      'us-west-2',
    ]);
    expect(first.outcome.instances.map((row) => row.status)).toEqual(['CURRENT', 'CURRENT', 'CURRENT']);
    expect(first.outcome.accountId).toBe(MOTO_ACCOUNT);
    const afterCreate = await operations(name);
    expect(afterCreate).toHaveLength(1);

    const again = step({ name }, TEMPLATE, '101');
    const second = await again.run();
    expect(second.error).toBeUndefined();
    expect(second.outcome.result).toBe('no-changes');
    expect(await operations(name)).toHaveLength(1);
    expect(again.rt.sink.outputs['has-changes']).toBe('false');

    const third = await step({ name, 'parameter-overrides': 'Release=v2' }, TEMPLATE, '102').run();
    expect(third.error).toBeUndefined();
    expect(third.outcome.result).toBe('updated');
    const afterUpdate = await operations(name);
    expect(afterUpdate).toHaveLength(2);
    // Our deterministic id (moto keeps UpdateStackSet's OperationId).
    expect(third.outcome.operations.map((operation) => operation.operationId)).toEqual([
      expect.stringMatching(/^gd-102-[0-9a-f]{8}-1-update$/),
    ]);
    expect(third.outcome.operations[0]?.operation.Status).toBe('SUCCEEDED');
    expect((await instances(name)).every((instance) => instance.Status === 'CURRENT')).toBe(true);
    const set = await cfn.send(new DescribeStackSetCommand({ StackSetName: name }));
    expect(
      set.StackSet?.Parameters?.find((parameter) => parameter.ParameterKey === 'Release')?.ParameterValue,
    ).toBe('v2');
  });

  it('H2: a resource removal is shown in the plan and refused on apply without the allow-list (no operation)', async () => {
    const name = uniqueName('it-ss-rm');
    expect((await step({ name }).run()).outcome.result).toBe('created');
    const plan = step({ name, mode: 'create-only' }, WITHOUT_MARKER, '201');
    const planned = await plan.run();
    expect(planned.outcome.result).toBe('planned');
    const summary = plan.rt.sink.summaries.join('\n');
    expect(summary).toContain('1 to remove');
    expect(summary).toMatch(/Marker/);
    expect(summary).toContain('needs review');
    expect(plan.rt.sink.outputs['destructive-changes']).toBe('1');

    const refused = await step({ name }, WITHOUT_MARKER, '202').run();
    expect(refused.outcome.result).toBe('refused');
    expect(refused.outcome.error).toContain('Marker (AWS::CloudFormation::WaitConditionHandle) Remove');
    expect(await operations(name)).toHaveLength(1);
  });
});
