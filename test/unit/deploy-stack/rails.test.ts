/**
 * Safety rails: stack-policy (validated before any call; SetStackPolicy after a create and before executing an
 * update when it differs; the plan warns about denied changes), rollback-alarms + rollback-monitoring-minutes
 * (the change set's RollbackConfiguration — moto drops it, so it is asserted on the request here), termination
 * protection in the summary; and L1 for every new input of the deploy-order guard and the rails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, beforeEach } from '@jest/globals';
import {
  CreateChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetStackPolicyCommand,
  SetStackPolicyCommand,
  type Change,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { SSMClient } from '@aws-sdk/client-ssm';
import { actionDefaults } from '../../helpers/dist';
import { GUARD_INPUTS } from '../../../actions/deploy-stack/src/inputs-guards';
import { policyDenials } from '../../../actions/deploy-stack/src/rails';
import {
  CS_ID,
  STACK_ID,
  addQueue,
  cfnMock,
  changeSetMocks,
  entryErrors,
  executionMocks,
  freshMocksEachTest,
  notFound,
  setup,
  stack,
  updateFlow,
} from './harness';
import { mutatingCalls } from './mutating';

const ssmMock = mockClient(SSMClient);
freshMocksEachTest();
beforeEach(() => {
  ssmMock.reset();
});

const ALARM = (name: string) => `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${name}`;
const DENY_DB_REPLACE = JSON.stringify({
  Statement: [
    { Effect: 'Allow', Principal: '*', Action: 'Update:*', Resource: '*' },
    {
      Effect: 'Deny',
      Principal: '*',
      Action: ['Update:Replace', 'Update:Delete'],
      Resource: 'LogicalResourceId/Db',
    },
  ],
});
const ALLOW_ALL = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"Update:*","Resource":"*"}]}';

const change = (
  logicalId: string,
  action: 'Modify' | 'Remove',
  replacement?: 'True' | 'False' | 'Conditional',
  type = 'AWS::RDS::DBInstance',
): Change => ({
  Type: 'Resource',
  ResourceChange: {
    Action: action,
    LogicalResourceId: logicalId,
    ResourceType: type,
    Replacement: replacement,
  },
});

describe('L1: the guard and rail inputs are validated before any call', () => {
  it.each([
    [
      'L1: stack-policy that is not JSON',
      { 'stack-policy': '{"Statement": [' },
      /'stack-policy': the inline policy is not valid JSON/,
    ],
    [
      'L1: stack-policy without Statement',
      { 'stack-policy': '{"Version":"x"}' },
      /non-empty "Statement" list/,
    ],
    [
      'L1: stack-policy statement without Effect',
      { 'stack-policy': '{"Statement":[{"Principal":"*","Action":"Update:*","Resource":"*"}]}' },
      /statement 1 needs "Effect"/,
    ],
    [
      'L1: stack-policy statement with Action and NotAction',
      {
        'stack-policy':
          '{"Statement":[{"Effect":"Deny","Principal":"*","Action":"Update:*","NotAction":"Update:Modify","Resource":"*"}]}',
      },
      /exactly one of "Action" or "NotAction"/,
    ],
    [
      'L1: stack-policy over 16,384 bytes',
      {
        'stack-policy': `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"Update:*","Resource":["${'x'.repeat(17_000)}"]}]}`,
      },
      /larger than 16384 bytes/,
    ],
    [
      'L1: stack-policy file that does not exist',
      { 'stack-policy': 'missing.json' },
      /cannot read missing.json \(ENOENT\)/,
    ],
    [
      'L1: stack-policy path outside the workspace',
      { 'stack-policy': '../../etc/passwd' },
      /must be a path inside the workspace/,
    ],
    [
      'L1: six rollback alarms',
      { 'rollback-alarms': [1, 2, 3, 4, 5, 6].map((n) => ALARM(`a${n}`)).join(',') },
      /at most 5 CloudWatch alarm ARNs, got 6/,
    ],
    [
      'L1: a rollback alarm that is an SNS topic',
      { 'rollback-alarms': 'arn:aws:sns:us-east-1:111122223333:topic' },
      /not a valid CloudWatch alarm ARN/,
    ],
    [
      'L1: a rollback alarm with a newline and a workflow command',
      { 'rollback-alarms': `${ALARM('a')} ::warning::x` },
      /not a valid CloudWatch alarm ARN/,
    ],
    [
      'L1: rollback-monitoring-minutes 181',
      { 'rollback-alarms': ALARM('a'), 'rollback-monitoring-minutes': '181' },
      /between 0 and 180, got 181/,
    ],
    [
      'L1: rollback-monitoring-minutes -1',
      { 'rollback-alarms': ALARM('a'), 'rollback-monitoring-minutes': '-1' },
      /whole number/,
    ],
    [
      'L1: rollback-monitoring-minutes without alarms',
      { 'rollback-monitoring-minutes': '10' },
      /only used with rollback-alarms/,
    ],
    [
      'L1: deploy-record-prefix without a leading slash',
      { 'deploy-record-prefix': 'guarded' },
      /deploy-record-prefix/,
    ],
    [
      'L1: deploy-record-prefix under /aws',
      { 'deploy-record-prefix': '/aws/reserved' },
      /not under \/aws or \/ssm/,
    ],
    ['L1: deploy-record-prefix with ..', { 'deploy-record-prefix': '/a/../b' }, /deploy-record-prefix/],
    [
      'L1: an unknown deploy-order',
      { 'deploy-order': 'strict' },
      /'deploy-order' must be one of enforce \| warn \| off/,
    ],
    [
      'L1: an unknown deploy-record',
      { 'deploy-record': 'tags' },
      /'deploy-record' must be one of ssm \| off/,
    ],
    [
      'L1: deploy-order enforce with deploy-record off',
      { 'deploy-order': 'enforce', 'deploy-record': 'off' },
      /contradict each other/,
    ],
    [
      'L1: allow-older-commit that is not a boolean',
      { 'allow-older-commit': 'maybe' },
      /must be true or false/,
    ],
    ['L1: an unknown comment-on-pr', { 'comment-on-pr': 'quiet' }, /auto \| always \| never \| changes-only/],
  ])('%s → one error line, exit 1, no call at all', async (_title, inputs, message) => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    const errors = await entryErrors(setup(inputs as Record<string, string>, undefined));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(process.exitCode).toBe(1);
    expect(mutatingCalls()).toEqual([]);
    expect(cfnMock.calls()).toHaveLength(0);
    expect(ssmMock.calls()).toHaveLength(0);
  });

  it('X1: a stack-policy file that is a symbolic link to outside the workspace is refused', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-outside-'));
    fs.writeFileSync(path.join(outside, 'policy.json'), ALLOW_ALL);
    const s = setup({ 'stack-policy': 'policy.json' });
    fs.symlinkSync(path.join(outside, 'policy.json'), path.join(s.dir, 'policy.json'));
    const errors = await entryErrors(s);
    expect(errors[0]).toMatch(/symbolic link.*leads outside it/);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it("L1: none of the new inputs has a default in action.yml (the runner's defaults must not decide for the user)", () => {
    const defaults = actionDefaults('deploy-stack');
    for (const name of GUARD_INPUTS)
      expect({ name, default: defaults[name] }).toEqual({ name, default: undefined });
  });
});

describe('rollback triggers', () => {
  it('rollback-alarms + rollback-monitoring-minutes → the change set request carries RollbackConfiguration; the plan shows it', async () => {
    updateFlow();
    const s = setup({
      'rollback-alarms': `${ALARM('errors')}\n${ALARM('latency')}`,
      'rollback-monitoring-minutes': '15',
    });
    const { published } = await s.deploy();
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.RollbackConfiguration).toEqual({
      RollbackTriggers: [
        { Arn: ALARM('errors'), Type: 'AWS::CloudWatch::Alarm' },
        { Arn: ALARM('latency'), Type: 'AWS::CloudWatch::Alarm' },
      ],
      MonitoringTimeInMinutes: 15,
    });
    expect(published.summary).toContain(
      'Rollback triggers: 2 CloudWatch alarm(s) (`errors`, `latency`); monitoring for 15 minute(s)',
    );
    expect(published.comment).toContain('Rollback triggers: 2');
  });

  it('without rollback-alarms the request has no RollbackConfiguration (CloudFormation keeps the stack’s own)', async () => {
    updateFlow();
    await setup().run();
    expect(
      cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.RollbackConfiguration,
    ).toBeUndefined();
  });
});

describe('stack policy', () => {
  it('an update: GetStackPolicy, then SetStackPolicy (it differs) before ExecuteChangeSet', async () => {
    updateFlow();
    cfnMock.on(GetStackPolicyCommand).resolves({ StackPolicyBody: ALLOW_ALL });
    cfnMock.on(SetStackPolicyCommand).resolves({});
    await expect(setup({ 'stack-policy': DENY_DB_REPLACE }).run()).resolves.toMatchObject({
      result: 'updated',
    });
    const names = cfnMock.calls().map((call) => call.args[0].constructor.name);
    expect(names.indexOf('SetStackPolicyCommand')).toBeGreaterThan(-1);
    expect(names.indexOf('SetStackPolicyCommand')).toBeLessThan(names.indexOf('ExecuteChangeSetCommand'));
    expect(cfnMock.commandCalls(SetStackPolicyCommand)[0]!.args[0].input).toEqual({
      StackName: STACK_ID,
      StackPolicyBody: JSON.stringify(JSON.parse(DENY_DB_REPLACE)),
    });
  });

  it('an update whose stack already has the same policy: no SetStackPolicy (read from a file in the workspace)', async () => {
    updateFlow();
    cfnMock
      .on(GetStackPolicyCommand)
      .resolves({ StackPolicyBody: JSON.stringify(JSON.parse(ALLOW_ALL), null, 2) });
    const s = setup({ 'stack-policy': 'file://policy.json' });
    fs.writeFileSync(path.join(s.dir, 'policy.json'), ALLOW_ALL);
    await expect(s.run()).resolves.toMatchObject({ result: 'updated' });
    expect(cfnMock.commandCalls(SetStackPolicyCommand)).toHaveLength(0);
  });

  it('a create: SetStackPolicy once the stack exists (after the execution)', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(notFound())
      .resolves({ Stacks: [stack('CREATE_COMPLETE')] });
    changeSetMocks(undefined, { Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    cfnMock.on(SetStackPolicyCommand).resolves({});
    await expect(setup({ 'stack-policy': ALLOW_ALL }).run()).resolves.toMatchObject({ result: 'created' });
    const names = cfnMock.calls().map((call) => call.args[0].constructor.name);
    expect(names.indexOf('SetStackPolicyCommand')).toBeGreaterThan(names.indexOf('ExecuteChangeSetCommand'));
    expect(cfnMock.commandCalls(GetStackPolicyCommand)).toHaveLength(0);
  });

  it('the plan warns when an update touches a resource the policy denies (stack-policy, else the stack’s own)', async () => {
    const replaceDb = change('Db', 'Modify', 'True');
    updateFlow([addQueue, replaceDb]);
    cfnMock.on(GetStackPolicyCommand).resolves({});
    const s = setup({ mode: 'create-only', 'stack-policy': DENY_DB_REPLACE });
    const { published } = await s.deploy();
    expect(s.warnings().join('\n')).toMatch(
      /Stack policy \(stack-policy\) denies 1 change\(s\) in this plan of stack app-stack: Db \(Update:Replace\)/,
    );
    expect(published.summary).toContain('Stack policy \\(stack-policy\\) denies 1 change');
    // Without stack-policy, the stack's current policy is what CloudFormation enforces.
    cfnMock.reset();
    updateFlow([replaceDb]);
    cfnMock.on(GetStackPolicyCommand).resolves({ StackPolicyBody: DENY_DB_REPLACE });
    const own = setup({ mode: 'create-only' });
    await own.run();
    expect(own.warnings().join('\n')).toMatch(/Stack policy \(the stack's current policy\) denies 1 change/);
  });

  it('without cloudformation:GetStackPolicy an update still deploys (the plan cannot check the policy; a given one is set)', async () => {
    const denied = Object.assign(new Error('not authorized to perform: cloudformation:GetStackPolicy'), {
      name: 'AccessDenied',
    });
    updateFlow([change('Db', 'Modify', 'True')]);
    cfnMock.on(GetStackPolicyCommand).rejects(denied);
    const plain = setup({ 'allow-destructive': 'true' });
    await expect(plain.run()).resolves.toMatchObject({ result: 'updated' });
    expect(plain.warnings()).toEqual([]);
    cfnMock.reset();
    updateFlow([change('Db', 'Modify', 'True')]);
    cfnMock.on(GetStackPolicyCommand).rejects(denied);
    cfnMock.on(SetStackPolicyCommand).resolves({});
    const given = setup({ 'allow-destructive': 'true', 'stack-policy': ALLOW_ALL });
    await expect(given.run()).resolves.toMatchObject({ result: 'updated' });
    expect(given.warnings().join('\n')).toMatch(/Could not read the stack policy.*set without comparing/);
    expect(cfnMock.commandCalls(SetStackPolicyCommand)).toHaveLength(1);
  });

  it('policyDenials: explicit Deny, implicit deny (nothing allows it), wildcards, NotResource and ResourceType conditions', () => {
    expect(
      policyDenials(DENY_DB_REPLACE, [
        change('Db', 'Modify', 'False'),
        change('Db', 'Remove'),
        change('Web', 'Modify', 'True'),
      ]),
    ).toEqual([{ logicalId: 'Db', action: 'Update:Delete', explicit: true }]);
    expect(policyDenials(DENY_DB_REPLACE, [change('Db', 'Modify', 'Conditional')])).toEqual([
      { logicalId: 'Db', action: 'Update:Replace', explicit: true },
    ]);
    const onlyModify =
      '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"Update:Modify","Resource":"*"}]}';
    expect(policyDenials(onlyModify, [change('Queue', 'Remove', undefined, 'AWS::SQS::Queue')])).toEqual([
      { logicalId: 'Queue', action: 'Update:Delete', explicit: false },
    ]);
    const prodWildcard = JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'Update:*', NotResource: 'LogicalResourceId/Prod*' },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'Update:*',
          Resource: '*',
          Condition: { StringEquals: { ResourceType: ['AWS::RDS::DBInstance'] } },
        },
      ],
    });
    expect(
      policyDenials(prodWildcard, [
        change('ProdQueue', 'Modify', 'False', 'AWS::SQS::Queue'),
        change('Cache', 'Modify', 'False', 'AWS::SQS::Queue'),
        change('Db', 'Modify', 'False'),
      ]).map((denial) => denial.logicalId),
    ).toEqual(['ProdQueue', 'Db']);
    // Adds are not governed by stack policies.
    expect(policyDenials(DENY_DB_REPLACE, [addQueue])).toEqual([]);
  });
});

describe('termination protection', () => {
  it('the summary shows it (on, from the stack)', async () => {
    executionMocks([stack('UPDATE_COMPLETE', { EnableTerminationProtection: true })]);
    changeSetMocks();
    const { published } = await setup().deploy();
    expect(published.summary).toContain('Termination protection: on.');
  });

  it('the summary shows it (off, with how to enable it), also when nothing changed', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock
      .on(CreateChangeSetCommand)
      .rejects(Object.assign(new Error('No updates are to be performed.'), { name: 'ValidationError' }));
    const { published } = await setup().deploy();
    expect(published.summary).toContain('Termination protection: off (set termination-protection: true');
  });
});
