import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  StackStatus,
  type Change,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { STATUS_TABLE, decisionForStatus } from '../../../actions/deploy-stack/src/status';
import { CancelledError, TimeoutError } from '../../../src/errors';
import {
  ACCOUNT,
  CS_ID,
  SECRET,
  STACK,
  STACK_ID,
  cfnMock,
  executionMocks,
  readyChangeSet as changeSetFixture,
  notFound,
  resetMocks,
  s3Mock,
  setup,
  stack,
  stsMock,
} from './harness';

const MUTATING = [
  CreateChangeSetCommand,
  ExecuteChangeSetCommand,
  DeleteStackCommand,
  DeleteChangeSetCommand,
  ContinueUpdateRollbackCommand,
];

function readyChangeSet(
  changes: Change[] = [
    {
      Type: 'Resource' as const,
      ResourceChange: { Action: 'Add' as const, LogicalResourceId: 'Queue', ResourceType: 'AWS::SQS::Queue' },
    },
  ],
) {
  return changeSetFixture(changes);
}

function happyCreate() {
  cfnMock
    .on(DescribeStacksCommand)
    .rejectsOnce(notFound())
    .resolves({
      Stacks: [
        stack('CREATE_COMPLETE', { Outputs: [{ OutputKey: 'QueueUrl', OutputValue: 'https://sqs/q' }] }),
      ],
    });
  cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
  cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
  cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
  cfnMock.on(ExecuteChangeSetCommand).resolves({});
}

beforeEach(() => resetMocks());

describe('M1: an empty change set is success', () => {
  it('M1: FAILED change set "didn\'t contain changes" → has-changes false, change set deleted (awaited), no execute', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({
      ...readyChangeSet([]),
      Status: 'FAILED',
      ExecutionStatus: 'UNAVAILABLE',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
    });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const { run } = setup();
    const r = await run();
    expect(r.hasChanges).toBe(false);
    expect(r.result).toBe('no-changes');
    expect(cfnMock).toHaveReceivedCommandWith(DeleteChangeSetCommand, {
      ChangeSetName: CS_ID,
      StackName: STACK,
    });
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    // the no-op budget: DescribeStacks, CreateChangeSet, DescribeChangeSet, DeleteChangeSet
    expect(cfnMock.calls().length).toBeLessThanOrEqual(5);
  });

  it('M1: ValidationError "No updates are to be performed." at CreateChangeSet (moto shape) → success, nothing to delete', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [stack('UPDATE_COMPLETE', { Outputs: [{ OutputKey: 'Url', OutputValue: 'u' }] })],
    });
    cfnMock
      .on(CreateChangeSetCommand)
      .rejects(Object.assign(new Error('No updates are to be performed.'), { name: 'ValidationError' }));
    const { run } = setup();
    const r = await run();
    expect(r.hasChanges).toBe(false);
    expect(r.outputs).toEqual({ Url: 'u' });
    expect(cfnMock).not.toHaveReceivedCommand(DeleteChangeSetCommand);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('M1: fail-on-empty-changeset: true makes emptiness fail', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock
      .on(CreateChangeSetCommand)
      .rejects(Object.assign(new Error('No updates are to be performed.'), { name: 'ValidationError' }));
    const { run } = setup({ 'fail-on-empty-changeset': 'true' });
    await expect(run()).rejects.toThrow(/contains no changes/);
  });

  it('M1: no-delete-failed-changeset keeps the empty change set', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({
      ...readyChangeSet([]),
      Status: 'FAILED',
      StatusReason: "The submitted information didn't contain changes.",
    });
    const { run } = setup({ 'no-delete-failed-changeset': 'true' });
    await run();
    expect(cfnMock).not.toHaveReceivedCommand(DeleteChangeSetCommand);
  });

  it('a change set that FAILED for another reason fails the step and is deleted', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({
      ...readyChangeSet([]),
      Status: 'FAILED',
      StatusReason: 'Template format error: Unresolved resource dependencies [X]',
    });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const { run } = setup();
    await expect(run()).rejects.toThrow(/Unresolved resource dependencies/);
    expect(cfnMock).toHaveReceivedCommandTimes(DeleteChangeSetCommand, 1);
  });
});

describe('create and update', () => {
  it('creates through a CREATE change set, streams events, returns outputs; ClientToken is the unique change set name', async () => {
    happyCreate();
    const { run } = setup();
    const r = await run();
    expect(r.result).toBe('created');
    expect(r.outputs).toEqual({ QueueUrl: 'https://sqs/q' });
    expect(r.accountId).toBe(ACCOUNT);
    const create = cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input;
    expect(create.ChangeSetType).toBe('CREATE');
    expect(create.ChangeSetName).toBe(`${STACK}-42-1`);
    expect(create.ClientToken).toBe(`${STACK}-42-1`);
    expect(create.Capabilities).toEqual(['CAPABILITY_IAM']);
    // no UsePreviousValue on create
    expect(create.Parameters).toEqual([
      { ParameterKey: 'DbPassword', ParameterValue: SECRET },
      { ParameterKey: 'Name', ParameterValue: 'app' },
    ]);
    expect(cfnMock).toHaveReceivedCommandWith(ExecuteChangeSetCommand, {
      ChangeSetName: CS_ID,
      StackName: STACK,
    });
  });

  it('update: parameters the stack has but the overrides omit are sent as UsePreviousValue', async () => {
    executionMocks([stack('UPDATE_COMPLETE')]);
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{"Resources":{}}' });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const { run } = setup({ 'parameter-overrides': 'Name=app2' });
    const r = await run();
    expect(r.result).toBe('updated');
    const params = cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.Parameters;
    expect(params).toEqual([
      { ParameterKey: 'Name', ParameterValue: 'app2' },
      { ParameterKey: 'DbPassword', UsePreviousValue: true },
      { ParameterKey: 'Size', UsePreviousValue: true },
    ]);
  });

  it('an execution that ends in UPDATE_ROLLBACK_COMPLETE fails with the first failed resources and their reasons', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('UPDATE_COMPLETE')] })
      .resolves({ Stacks: [stack('UPDATE_ROLLBACK_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{"Resources":{}}' });
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({
        StackEvents: [
          {
            EventId: 'old',
            StackId: STACK_ID,
            StackName: STACK,
            Timestamp: new Date(),
            ResourceStatus: 'UPDATE_COMPLETE',
          },
        ],
      })
      .resolves({
        StackEvents: [
          {
            EventId: 'e3',
            StackId: STACK_ID,
            StackName: STACK,
            Timestamp: new Date(),
            LogicalResourceId: STACK,
            ResourceType: 'AWS::CloudFormation::Stack',
            ResourceStatus: 'UPDATE_ROLLBACK_COMPLETE',
          },
          {
            EventId: 'e2',
            StackId: STACK_ID,
            StackName: STACK,
            Timestamp: new Date(),
            LogicalResourceId: 'Queue',
            ResourceType: 'AWS::SQS::Queue',
            ResourceStatus: 'UPDATE_FAILED',
            ResourceStatusReason: 'Queue name already exists',
          },
          {
            EventId: 'old',
            StackId: STACK_ID,
            StackName: STACK,
            Timestamp: new Date(),
            ResourceStatus: 'UPDATE_COMPLETE',
          },
        ],
      });
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    const { run, rt } = setup();
    await expect(run()).rejects.toThrow(
      /UPDATE_ROLLBACK_COMPLETE.*Queue \(AWS::SQS::Queue\) UPDATE_FAILED: Queue name already exists/,
    );
    // each event printed once
    expect(rt.sink.lines.filter((l) => l.includes('Queue name already exists')).length).toBe(1);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteChangeSetCommand); // executed change sets are not ours to delete
  });

  it('termination-protection is enabled after a successful create', async () => {
    happyCreate();
    cfnMock.on(UpdateTerminationProtectionCommand).resolves({});
    const { run } = setup({ 'termination-protection': 'true' });
    await run();
    expect(cfnMock).toHaveReceivedCommandWith(UpdateTerminationProtectionCommand, {
      EnableTerminationProtection: true,
      StackName: STACK,
    });
  });

  it('disable-rollback on create maps to OnStackFailure DO_NOTHING', async () => {
    happyCreate();
    const { run } = setup({ 'disable-rollback': 'true' });
    await run();
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.OnStackFailure).toBe('DO_NOTHING');
  });

  it('create-only keeps the change set for review and never executes', async () => {
    happyCreate();
    const { run } = setup({ mode: 'create-only' });
    const r = await run();
    expect(r.result).toBe('planned');
    expect(r.changeSetId).toBe(CS_ID);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteChangeSetCommand);
  });

  it('a template over 51,200 bytes is uploaded to s3-bucket and passed by URL', async () => {
    happyCreate();
    s3Mock.on(PutObjectCommand).resolves({});
    const big = `${'# padding\n'.repeat(6000)}Resources:\n  Q:\n    Type: AWS::SQS::Queue\n`;
    const { run } = setup(
      { 's3-bucket': 'my-artifacts', 's3-prefix': 'cfn', 'parameter-overrides': '' },
      { 'template.yaml': big },
    );
    await run();
    const input = cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input;
    expect(input.TemplateBody).toBeUndefined();
    expect(input.TemplateURL).toMatch(
      /^https:\/\/my-artifacts\.s3\.us-east-1\.amazonaws\.com\/cfn\/app-stack\/[0-9a-f]{32}\.template$/,
    );
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'my-artifacts' });
  });

  it('a template over 51,200 bytes without s3-bucket fails before any AWS call', async () => {
    const big = `${'# padding\n'.repeat(6000)}Resources:\n  Q:\n    Type: AWS::SQS::Queue\n`;
    cfnMock.on(DescribeStacksCommand).rejects(notFound());
    const { run } = setup({ 'parameter-overrides': '' }, { 'template.yaml': big });
    await expect(run()).rejects.toThrow(/51200-byte limit.*s3-bucket/);
    expect(cfnMock.calls().filter((c) => MUTATING.some((m) => c.args[0] instanceof m))).toHaveLength(0);
  });
});

describe('C3: masking', () => {
  it('C3: NoEcho values are masked before the first log line', async () => {
    happyCreate();
    const { run, order, masked } = setup();
    await run();
    expect(masked).toContain(SECRET);
    expect(order[0]).toBe(`::add-mask::${SECRET}`);
    expect(
      order
        .slice(1)
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
    ).not.toContain(SECRET);
  });

  it('C3: values of non-NoEcho parameters are not masked', async () => {
    happyCreate();
    const { run, masked } = setup();
    await run();
    expect(masked).not.toContain('app');
  });
});

describe('C2: account guard', () => {
  it('C2: a different account is refused before any mutating call', async () => {
    stsMock
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '999999999999', Arn: 'arn:aws:sts::999999999999:assumed-role/x/y', UserId: 'x' });
    cfnMock.on(DescribeStacksCommand).rejects(notFound());
    const { run } = setup({ 'expected-account-id': ACCOUNT });
    await expect(run()).rejects.toThrow(/account 999999999999, but expected-account-id is 111122223333/);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('C2: the expected account proceeds', async () => {
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    happyCreate();
    const { run } = setup({ 'expected-account-id': ACCOUNT });
    await expect(run()).resolves.toMatchObject({ result: 'created', accountId: ACCOUNT });
  });
});

describe('R2: every stack status has a decision', () => {
  it('R2: the table covers every StackStatus the SDK knows (plus an absent stack)', () => {
    for (const s of Object.values(StackStatus)) expect(STATUS_TABLE).toHaveProperty(s);
    expect(decisionForStatus(undefined).action).toBe('create');
    expect(decisionForStatus('SOMETHING_NEW').action).toBe('fail');
  });

  const createRows = ['DELETE_COMPLETE', 'REVIEW_IN_PROGRESS'];
  const updateRows = [
    'CREATE_COMPLETE',
    'UPDATE_COMPLETE',
    'UPDATE_ROLLBACK_COMPLETE',
    'IMPORT_COMPLETE',
    'IMPORT_ROLLBACK_COMPLETE',
  ];
  const waitRows = Object.values(StackStatus).filter(
    (s) => s.endsWith('_IN_PROGRESS') && s !== 'REVIEW_IN_PROGRESS',
  );
  const failRows = [
    'CREATE_FAILED',
    'ROLLBACK_FAILED',
    'DELETE_FAILED',
    'UPDATE_FAILED',
    'IMPORT_ROLLBACK_FAILED',
  ];

  it.each(createRows)('R2: %s → a CREATE change set', async (status) => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack(status)] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    const { run } = setup({ mode: 'create-only' });
    await run();
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.ChangeSetType).toBe('CREATE');
  });

  it.each(updateRows)('R2: %s → an UPDATE change set', async (status) => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack(status)] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    const { run } = setup({ mode: 'create-only' });
    await run();
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.ChangeSetType).toBe('UPDATE');
  });

  it.each(waitRows)('R2: %s → wait (bounded), then decide', async (status) => {
    const after = status.startsWith('DELETE')
      ? 'DELETE_COMPLETE'
      : status.startsWith('ROLLBACK')
        ? 'ROLLBACK_COMPLETE'
        : 'UPDATE_COMPLETE';
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack(status)] })
      .resolvesOnce({ Stacks: [stack(status)] })
      .resolves({ Stacks: [stack(after)] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    const { run, clock } = setup({ mode: 'create-only' });
    const running = run();
    if (after === 'ROLLBACK_COMPLETE') await expect(running).rejects.toThrow(/ROLLBACK_COMPLETE/);
    else await running;
    expect(clock.slept.length).toBeGreaterThan(0);
    expect(cfnMock.commandCalls(DescribeStacksCommand).length).toBeGreaterThanOrEqual(3);
  });

  it('R2: an in-progress stack that never settles times out and fails (never passes silently)', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_IN_PROGRESS')] });
    const { run, clock } = setup({ 'wait-timeout-minutes': '2' });
    const start = clock.now();
    await expect(run()).rejects.toBeInstanceOf(TimeoutError);
    expect(clock.now() - start).toBeGreaterThanOrEqual(120_000);
    expect(cfnMock).not.toHaveReceivedCommand(CreateChangeSetCommand);
  });

  it('R2: ROLLBACK_COMPLETE → fails with the fix by default, no delete', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('ROLLBACK_COMPLETE')] });
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          EventId: '1',
          StackId: STACK_ID,
          StackName: STACK,
          Timestamp: new Date(),
          LogicalResourceId: 'Queue',
          ResourceType: 'AWS::SQS::Queue',
          ResourceStatus: 'CREATE_FAILED',
          ResourceStatusReason: 'Access denied',
        },
      ],
    });
    const { run } = setup();
    await expect(run()).rejects.toThrow(
      /ROLLBACK_COMPLETE.*on-rollback-complete: delete.*Queue \(AWS::SQS::Queue\) CREATE_FAILED: Access denied/,
    );
    expect(cfnMock).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it('R2: ROLLBACK_COMPLETE + on-rollback-complete: delete → delete, wait, create', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('ROLLBACK_COMPLETE')] })
      .resolvesOnce({ Stacks: [stack('DELETE_IN_PROGRESS')] })
      .rejectsOnce(notFound())
      .resolves({ Stacks: [stack('CREATE_COMPLETE')] });
    cfnMock.on(DeleteStackCommand).resolves({});
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    const { run } = setup({ 'on-rollback-complete': 'delete' });
    const r = await run();
    expect(r.result).toBe('created');
    expect(cfnMock).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.ChangeSetType).toBe('CREATE');
  });

  it('R2: ROLLBACK_COMPLETE in create-only never deletes the stack', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('ROLLBACK_COMPLETE')] });
    const { run } = setup({ 'on-rollback-complete': 'delete', mode: 'create-only' });
    await expect(run()).rejects.toThrow(/create-only never deletes/);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it('R1/R2: UPDATE_ROLLBACK_FAILED → fails with an explanation naming the failed resources', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_ROLLBACK_FAILED')] });
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          EventId: '1',
          StackId: STACK_ID,
          StackName: STACK,
          Timestamp: new Date(),
          LogicalResourceId: 'Fn',
          ResourceType: 'AWS::Lambda::Function',
          ResourceStatus: 'UPDATE_FAILED',
          ResourceStatusReason: 'S3 Error Code: NoSuchKey',
        },
      ],
    });
    const { run } = setup();
    await expect(run()).rejects.toThrow(
      /UPDATE_ROLLBACK_FAILED.*continue.*Fn \(AWS::Lambda::Function\) UPDATE_FAILED: S3 Error Code: NoSuchKey/,
    );
    expect(cfnMock).not.toHaveReceivedCommand(ContinueUpdateRollbackCommand);
  });

  it('R1/R2: UPDATE_ROLLBACK_FAILED + continue → ContinueUpdateRollback with resources-to-skip, then update', async () => {
    executionMocks([
      stack('UPDATE_ROLLBACK_FAILED'),
      stack('UPDATE_ROLLBACK_IN_PROGRESS'),
      stack('UPDATE_ROLLBACK_COMPLETE'),
    ]);
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(ContinueUpdateRollbackCommand).resolves({});
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    const { run } = setup({
      'on-update-rollback-failed': 'continue',
      'resources-to-skip': 'Fn,Nested.Inner',
    });
    const r = await run();
    expect(r.result).toBe('updated');
    expect(cfnMock).toHaveReceivedCommandWith(ContinueUpdateRollbackCommand, {
      StackName: STACK,
      ResourcesToSkip: ['Fn', 'Nested.Inner'],
    });
  });

  it.each(failRows)('R2: %s → fails clearly, no change set', async (status) => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack(status, { StackStatusReason: 'because' })] });
    const { run } = setup();
    await expect(run()).rejects.toThrow(new RegExp(`is in ${status}: .+\\(reason: because\\)`));
    expect(cfnMock).not.toHaveReceivedCommand(CreateChangeSetCommand);
  });
});

describe('R1: rollback preflight', () => {
  const deployed = JSON.stringify({
    Parameters: { ArtifactBucket: { Type: 'String' }, Version: { Type: 'String' } },
    Resources: {
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Bucket: { Ref: 'ArtifactBucket' }, S3Key: { 'Fn::Sub': 'fn/${Version}.zip' } },
        },
      },
      Layer: {
        Type: 'AWS::Lambda::LayerVersion',
        Properties: { Content: { S3Bucket: 'layers', S3Key: 'l.zip', S3ObjectVersion: 'v7' } },
      },
      Dyn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Code: { S3Bucket: { 'Fn::ImportValue': 'bucket' }, S3Key: 'k' } },
      },
      Inline: { Type: 'AWS::Lambda::Function', Properties: { Code: { ZipFile: 'exports.handler=()=>1' } } },
    },
  });

  function updateWithPreflight() {
    executionMocks([
      stack('UPDATE_COMPLETE', {
        Parameters: [
          { ParameterKey: 'DbPassword', ParameterValue: '****' },
          { ParameterKey: 'ArtifactBucket', ParameterValue: 'artifacts' },
          { ParameterKey: 'Version', ParameterValue: '1.2.3' },
          { ParameterKey: 'Name', ParameterValue: 'app' },
        ],
      }),
    ]);
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: deployed });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });

    cfnMock.on(DeleteChangeSetCommand).resolves({});
  }

  it('R1: all artifacts present → executes; Ref and Fn::Sub resolved from the stack parameters; unresolvable reported "not checked"', async () => {
    updateWithPreflight();
    s3Mock.on(HeadObjectCommand).resolves({});
    const { run, rt } = setup({ 'parameter-overrides': 'Name=app' });
    const r = await run();
    expect(r.result).toBe('updated');
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'artifacts', Key: 'fn/1.2.3.zip' });
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, {
      Bucket: 'layers',
      Key: 'l.zip',
      VersionId: 'v7',
    });
    expect(r.preflight?.notChecked.map((n) => n.logicalId)).toEqual(['Dyn']);
    expect(rt.sink.text()).toMatch(/not checked: Dyn/);
  });

  it('R1: a missing artifact → warning naming the object (default warn), still executes', async () => {
    updateWithPreflight();
    s3Mock
      .on(HeadObjectCommand, { Bucket: 'artifacts' })
      .rejects(
        Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
      );
    s3Mock.on(HeadObjectCommand, { Bucket: 'layers' }).resolves({});
    const { run, warnings } = setup({ 'parameter-overrides': 'Name=app' });
    await run();
    expect(warnings().join('\n')).toMatch(/s3:\/\/artifacts\/fn\/1\.2\.3\.zip/);
    expect(cfnMock).toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('R1: a missing artifact with rollback-preflight: fail → refuses, deletes the change set, no execute', async () => {
    updateWithPreflight();
    s3Mock
      .on(HeadObjectCommand)
      .rejects(
        Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
      );
    const { run } = setup({ 'parameter-overrides': 'Name=app', 'rollback-preflight': 'fail' });
    await expect(run()).rejects.toThrow(/Rollback preflight \(R1\).*s3:\/\/artifacts\/fn\/1\.2\.3\.zip/);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    expect(cfnMock).toHaveReceivedCommandWith(DeleteChangeSetCommand, { ChangeSetName: CS_ID });
  });

  it('R1: rollback-preflight: off makes no S3 or GetTemplate call', async () => {
    updateWithPreflight();
    const { run } = setup({ 'parameter-overrides': 'Name=app', 'rollback-preflight': 'off' });
    await run();
    expect(cfnMock).not.toHaveReceivedCommand(GetTemplateCommand);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

/** Wait (real time, bounded) until the pipeline reached a point. */
async function until(reached: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !reached(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!reached()) throw new Error('the pipeline never reached the expected call');
}

const networkError = () =>
  Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });

describe('cancellation and cleanup: the change set is tracked before CreateChangeSet is sent', () => {
  it('a cancel while waiting for the change set deletes it by id; after the cancel nothing is executed', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    let release: () => void = () => undefined;
    const { deploy, rt } = setup();
    cfnMock.on(DescribeChangeSetCommand).callsFake(
      () =>
        new Promise((resolve) => {
          release = () => resolve(readyChangeSet());
        }),
    );
    const running = deploy();
    await until(() => cfnMock.commandCalls(DescribeChangeSetCommand).length > 0);
    const reports = await rt.cancel.cancel('SIGTERM');
    expect(cfnMock).toHaveReceivedCommandWith(DeleteChangeSetCommand, {
      ChangeSetName: CS_ID,
      StackName: STACK,
    });
    expect(reports).toEqual([
      expect.objectContaining({ ok: true, detail: expect.stringMatching(/deleted change set .* \(by id\)/) }),
    ]);
    // The change set turns out ready after the cancel: it must not be executed.
    release();
    const { error, outcome } = await running;
    expect(error).toBeInstanceOf(CancelledError);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    expect(cfnMock).toHaveReceivedCommandTimes(DeleteChangeSetCommand, 1);
    expect(outcome.cleanup?.ok).toBe(true);
  });

  it('the CreateChangeSet answer is lost (network error): the failure path deletes it by name and stack', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).rejects(networkError());
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const { deploy } = setup();
    const { error, outcome } = await deploy();
    expect(String(error)).toMatch(/socket hang up/);
    expect(cfnMock).toHaveReceivedCommandWith(DeleteChangeSetCommand, {
      ChangeSetName: `${STACK}-42-1`,
      StackName: STACK,
    });
    expect(outcome.cleanup).toEqual({ ok: true, detail: expect.stringMatching(/\(by name\)/) });
  });

  it('answer lost and the delete cannot be confirmed → ok: false, saying what may remain', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).rejects(networkError());
    cfnMock.on(DeleteChangeSetCommand).rejects(networkError());
    cfnMock.on(DescribeChangeSetCommand).rejects(networkError());
    const { deploy, warnings } = setup();
    const { outcome, published } = await deploy();
    expect(outcome.cleanup?.ok).toBe(false);
    expect(outcome.cleanup?.detail).toMatch(
      new RegExp(`change set ${STACK}-42-1 of stack ${STACK} may remain .*delete it by hand`),
    );
    expect(warnings().join('\n')).toMatch(/Delete it by hand/);
    expect(published.summary).toMatch(/may remain/);
  });

  it('a change set that is already gone counts as cleaned up only when DescribeChangeSet confirms it', async () => {
    const notFoundCs = () =>
      Object.assign(new Error('ChangeSet [x] does not exist'), { name: 'ChangeSetNotFoundException' });
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).rejects(networkError());
    cfnMock.on(DeleteChangeSetCommand).rejects(notFoundCs());
    cfnMock.on(DescribeChangeSetCommand).rejects(notFoundCs());
    const { deploy } = setup();
    const { outcome } = await deploy();
    expect(outcome.cleanup).toEqual({
      ok: true,
      detail: expect.stringMatching(/does not exist \(verified\)/),
    });
    expect(cfnMock).toHaveReceivedCommandWith(DescribeChangeSetCommand, { ChangeSetName: `${STACK}-42-1` });
  });

  it('a cancel while CreateChangeSet is in flight deletes by name and stack; nothing is sent after the create answers', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    let answer: () => void = () => undefined;
    cfnMock.on(CreateChangeSetCommand).callsFake(
      () =>
        new Promise((resolve) => {
          answer = () => resolve({ Id: CS_ID, StackId: STACK_ID });
        }),
    );
    const { deploy, rt } = setup();
    const running = deploy();
    await until(() => cfnMock.commandCalls(CreateChangeSetCommand).length > 0);
    const reports = await rt.cancel.cancel('SIGINT');
    expect(cfnMock).toHaveReceivedCommandWith(DeleteChangeSetCommand, {
      ChangeSetName: `${STACK}-42-1`,
      StackName: STACK,
    });
    expect(reports[0]?.ok).toBe(true);
    answer();
    const { error } = await running;
    expect(error).toBeInstanceOf(CancelledError);
    expect(cfnMock).not.toHaveReceivedCommand(DescribeChangeSetCommand);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('a cancel while CreateChangeSet is in flight and the name is not found yet → ok: false (it may still appear)', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    const notFoundCs = () =>
      Object.assign(new Error('ChangeSet [x] does not exist'), { name: 'ChangeSetNotFoundException' });
    cfnMock.on(DeleteChangeSetCommand).rejects(notFoundCs());
    cfnMock.on(DescribeChangeSetCommand).rejects(notFoundCs());
    cfnMock.on(CreateChangeSetCommand).callsFake(() => new Promise(() => undefined));
    const { deploy, rt } = setup();
    void deploy();
    await until(() => cfnMock.commandCalls(CreateChangeSetCommand).length > 0);
    const reports = await rt.cancel.cancel('SIGINT');
    expect(reports).toEqual([
      expect.objectContaining({
        ok: false,
        detail: expect.stringMatching(
          /may remain \(CreateChangeSet was still in flight\); delete it by hand/,
        ),
      }),
    ]);
  });

  it('a cancel during execution deletes nothing and says the stack operation continues on AWS', async () => {
    let executed = false;
    let holdStatus: (status: string) => void = () => undefined;
    cfnMock.on(ExecuteChangeSetCommand).callsFake(() => {
      executed = true;
      return {};
    });
    cfnMock.on(DescribeStacksCommand).callsFake(() =>
      executed
        ? new Promise((resolve) => {
            holdStatus = (status) => resolve({ Stacks: [stack(status)] });
          })
        : { Stacks: [stack('UPDATE_COMPLETE')] },
    );
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const { deploy, rt } = setup();
    const running = deploy();
    await until(() => executed && cfnMock.commandCalls(DescribeStacksCommand).length > 1);
    const reports = await rt.cancel.cancel('SIGTERM');
    expect(reports).toEqual([
      expect.objectContaining({
        ok: false,
        detail: expect.stringMatching(/already executing: nothing to delete.*continues on AWS/),
      }),
    ]);
    holdStatus('UPDATE_IN_PROGRESS');
    const { error } = await running;
    expect(error).toBeInstanceOf(CancelledError);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteChangeSetCommand);
  });

  it('a cancel after the run is over has nothing to clean up', async () => {
    happyCreate();
    const { run, rt } = setup();
    await run();
    expect(await rt.cancel.cancel('SIGTERM')).toEqual([]);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteChangeSetCommand);
  });

  it('a change set stuck in CREATE_IN_PROGRESS times out, fails, and is deleted', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({ ...readyChangeSet(), Status: 'CREATE_IN_PROGRESS' });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const { run } = setup({ 'wait-timeout-minutes': '1' });
    await expect(run()).rejects.toBeInstanceOf(TimeoutError);
    expect(cfnMock).toHaveReceivedCommandTimes(DeleteChangeSetCommand, 1);
  });
});

describe('polling follows the stack id once it is known, never the name', () => {
  it('create: DescribeChangeSet, DescribeStackEvents and DescribeStacks use the id CreateChangeSet returned', async () => {
    happyCreate();
    const { run } = setup();
    await run();
    const stackArgs = (command: Parameters<typeof cfnMock.commandCalls>[0]) =>
      cfnMock.commandCalls(command).map((c) => (c.args[0].input as { StackName?: string }).StackName);
    // Only the first read (before the stack exists) is by name.
    expect(stackArgs(DescribeStacksCommand)[0]).toBe(STACK);
    expect(stackArgs(DescribeStacksCommand).slice(1).length).toBeGreaterThan(0);
    expect(new Set(stackArgs(DescribeStacksCommand).slice(1))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(DescribeChangeSetCommand))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(DescribeStackEventsCommand))).toEqual(new Set([STACK_ID]));
  });

  it('update: after DescribeStacks returned the id, every poll and the rollback preflight use it', async () => {
    executionMocks([stack('UPDATE_COMPLETE')]);
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const { run } = setup();
    await run();
    const stackArgs = (command: Parameters<typeof cfnMock.commandCalls>[0]) =>
      cfnMock.commandCalls(command).map((c) => (c.args[0].input as { StackName?: string }).StackName);
    expect(stackArgs(DescribeStacksCommand)[0]).toBe(STACK);
    expect(new Set(stackArgs(DescribeStacksCommand).slice(1))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(DescribeChangeSetCommand))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(DescribeStackEventsCommand))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(GetTemplateCommand))).toEqual(new Set([STACK_ID]));
  });
});

describe('execute-only', () => {
  const csArn = CS_ID;
  it('executes exactly the reviewed change set when it is AVAILABLE and the stack has not changed', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    executionMocks([stack('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-05-01T00:00:00Z') })]);
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const { run } = setup({ mode: 'execute-only', 'execute-change-set-id': csArn, template: '' });
    const r = await run();
    expect(r.result).toBe('updated');
    expect(cfnMock).toHaveReceivedCommandWith(ExecuteChangeSetCommand, { ChangeSetName: csArn });
    expect(cfnMock).not.toHaveReceivedCommand(CreateChangeSetCommand);
  });

  it('refuses a change set that is no longer AVAILABLE', async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ ...readyChangeSet(), ExecutionStatus: 'EXECUTE_COMPLETE' });
    const { run } = setup({ mode: 'execute-only', 'execute-change-set-id': csArn, template: '' });
    await expect(run()).rejects.toThrow(
      /cannot be executed: its status is CREATE_COMPLETE\/EXECUTE_COMPLETE/,
    );
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('refuses a stale change set (the stack changed after it was created)', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [stack('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-06-02T00:00:00Z') })],
    });
    const { run } = setup({ mode: 'execute-only', 'execute-change-set-id': csArn, template: '' });
    await expect(run()).rejects.toThrow(/stale/);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });
});

describe('H1: plan change sets do not pile up', () => {
  it('a new create-only plan deletes the earlier AVAILABLE plans of the same PR, and nothing else', async () => {
    const env = { GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: 'abcdef1234567890' };
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const summary = (id: string, description: string, extra: object = {}) => ({
      ChangeSetId: `arn:aws:cloudformation:us-east-1:111122223333:changeSet/${id}/1`,
      ChangeSetName: id,
      StackName: STACK,
      ExecutionStatus: 'AVAILABLE' as const,
      Status: 'CREATE_COMPLETE' as const,
      Description: description,
      ...extra,
    });
    cfnMock
      .on(ListChangeSetsCommand)
      .resolvesOnce({
        Summaries: [
          { ...summary('ours', 'guarded-deploy plan pr-7 abcdef123456'), ChangeSetId: CS_ID },
          summary('old-pr7', 'guarded-deploy plan pr-7 0123456789ab'),
          summary('other-pr', 'guarded-deploy plan pr-8 0123456789ab'),
        ],
        NextToken: 'p2',
      })
      .resolves({
        Summaries: [
          summary('older-pr7', 'guarded-deploy plan pr-7 fedcba987654'),
          summary('executed-pr7', 'guarded-deploy plan pr-7 fedcba987654', {
            ExecutionStatus: 'EXECUTE_COMPLETE',
          }),
          summary('someone-else', 'manual change set'),
          summary('other-stack-pr7', 'guarded-deploy plan pr-7 fedcba987654', { StackName: 'another-stack' }),
        ],
      });
    const { run } = setup({ mode: 'create-only' }, undefined, { env });
    const r = await run();
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.Description).toBe(
      'guarded-deploy plan pr-7 abcdef123456',
    );
    const deleted = cfnMock.commandCalls(DeleteChangeSetCommand).map((c) => c.args[0].input.ChangeSetName);
    expect(deleted).toEqual([
      'arn:aws:cloudformation:us-east-1:111122223333:changeSet/old-pr7/1',
      'arn:aws:cloudformation:us-east-1:111122223333:changeSet/older-pr7/1',
    ]);
    expect(r.notes.join('\n')).toMatch(/Deleted 2 earlier plan change set\(s\) of pr-7/);
  });

  it('a failing cleanup is a warning; the plan still succeeds', async () => {
    const env = { GITHUB_REF: 'refs/pull/7/merge' };
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    cfnMock
      .on(ListChangeSetsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const { run, warnings } = setup({ mode: 'create-only' }, undefined, { env });
    await expect(run()).resolves.toMatchObject({ result: 'planned' });
    expect(warnings().join('\n')).toMatch(/Could not clean up earlier plan change sets/);
  });
});

describe('R2: waiting for our own execution, not the previous state', () => {
  it("an UPDATE whose DescribeStacks still shows the last deploy's UPDATE_COMPLETE keeps waiting until the update ran", async () => {
    const before = stack('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-05-01T00:00:00Z') });
    let executed = false;
    let after = 0;
    cfnMock.on(ExecuteChangeSetCommand).callsFake(() => {
      executed = true;
      return {};
    });
    cfnMock.on(DescribeStacksCommand).callsFake(() => {
      if (!executed) return { Stacks: [before] };
      after++;
      // ExecuteChangeSet is asynchronous: the old state first, then the update, then its new final state.
      if (after <= 2) return { Stacks: [before] };
      if (after === 3) return { Stacks: [{ ...before, StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' }] };
      return {
        Stacks: [
          {
            ...before,
            StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
            LastUpdatedTime: new Date('2026-06-01T00:01:00Z'),
          },
        ],
      };
    });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const { run } = setup();
    // Without the guard the first post-execute answer (the old UPDATE_COMPLETE) would pass as success.
    await expect(run()).rejects.toThrow(/ended in UPDATE_ROLLBACK_COMPLETE/);
    expect(after).toBe(4);
  });

  it('a CREATE whose stack still shows REVIEW_IN_PROGRESS right after ExecuteChangeSet keeps waiting', async () => {
    let executed = false;
    let after = 0;
    cfnMock.on(ExecuteChangeSetCommand).callsFake(() => {
      executed = true;
      return {};
    });
    cfnMock.on(DescribeStacksCommand).callsFake(() => {
      if (!executed) return { Stacks: [stack('REVIEW_IN_PROGRESS')] };
      after++;
      return {
        Stacks: [
          stack(after === 1 ? 'REVIEW_IN_PROGRESS' : after === 2 ? 'CREATE_IN_PROGRESS' : 'CREATE_COMPLETE'),
        ],
      };
    });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const { run } = setup();
    await expect(run()).resolves.toMatchObject({
      result: 'created',
      stackStatus: 'CREATE_COMPLETE',
    });
    expect(after).toBe(3);
  });

  it("an UPDATE that finishes between two polls is recognised by the stack's own event", async () => {
    const before = stack('UPDATE_COMPLETE');
    let executed = false;
    let after = 0;
    cfnMock.on(ExecuteChangeSetCommand).callsFake(() => {
      executed = true;
      return {};
    });
    cfnMock.on(DescribeStacksCommand).callsFake(() => {
      if (executed) after++;
      return { Stacks: [before] }; // no LastUpdatedTime (as in moto), never seen in progress
    });
    const ev = (id: string, status: string) => ({
      EventId: id,
      StackId: STACK_ID,
      StackName: STACK,
      Timestamp: new Date(),
      LogicalResourceId: STACK,
      ResourceType: 'AWS::CloudFormation::Stack',
      ResourceStatus: status as 'UPDATE_COMPLETE',
    });
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [ev('old', 'UPDATE_COMPLETE')] })
      .resolves({
        StackEvents: [
          ev('new2', 'UPDATE_COMPLETE'),
          ev('new1', 'UPDATE_IN_PROGRESS'),
          ev('old', 'UPDATE_COMPLETE'),
        ],
      });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    const { run } = setup();
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
    expect(after).toBe(2); // the immediate check is not enough; the one after the events arrived is
  });
});

describe('R2: operations we start are asynchronous', () => {
  it('after DeleteStack the stack may still show ROLLBACK_COMPLETE: keep waiting for the deletion', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('ROLLBACK_COMPLETE')] })
      .resolvesOnce({ Stacks: [stack('ROLLBACK_COMPLETE')] })
      .resolvesOnce({ Stacks: [stack('DELETE_IN_PROGRESS')] })
      .rejectsOnce(notFound())
      .resolves({ Stacks: [stack('CREATE_COMPLETE')] });
    cfnMock.on(DeleteStackCommand).resolves({});
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    const { run } = setup({ 'on-rollback-complete': 'delete' });
    await expect(run()).resolves.toMatchObject({ result: 'created' });
  });

  it('after ContinueUpdateRollback the stack may still show UPDATE_ROLLBACK_FAILED: keep waiting', async () => {
    executionMocks([
      stack('UPDATE_ROLLBACK_FAILED'),
      stack('UPDATE_ROLLBACK_FAILED'),
      stack('UPDATE_ROLLBACK_IN_PROGRESS'),
      stack('UPDATE_ROLLBACK_COMPLETE'),
    ]);
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(ContinueUpdateRollbackCommand).resolves({});
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet());
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    const { run } = setup({ 'on-update-rollback-failed': 'continue' });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
  });

  it('a continued rollback that fails again is reported, not retried forever', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('UPDATE_ROLLBACK_FAILED')] })
      .resolvesOnce({ Stacks: [stack('UPDATE_ROLLBACK_IN_PROGRESS')] })
      .resolves({ Stacks: [stack('UPDATE_ROLLBACK_FAILED')] });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(ContinueUpdateRollbackCommand).resolves({});
    const { run } = setup({ 'on-update-rollback-failed': 'continue' });
    await expect(run()).rejects.toThrow(
      /ContinueUpdateRollback on app-stack ended in UPDATE_ROLLBACK_FAILED/,
    );
    expect(cfnMock).toHaveReceivedCommandTimes(ContinueUpdateRollbackCommand, 1);
    expect(cfnMock).not.toHaveReceivedCommand(CreateChangeSetCommand);
  });
});
