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
  DRAFT_ID,
  SECRET,
  STACK,
  STACK_ID,
  addQueue,
  cfnMock,
  changeSetMocks,
  executionMocks,
  readyChangeSet as changeSetFixture,
  notFound,
  resetMocks,
  s3Mock,
  setup,
  stack,
  stackEvent,
  stsMock,
  updateFlow,
} from './harness';
import { mutatingCalls } from './mutating';

function readyChangeSet(changes: Change[] = [addQueue]) {
  return changeSetFixture(changes);
}

/** A change set that FAILED (`reason`), shaped like DescribeChangeSet output. */
function failedChangeSet(reason: string) {
  return { ...readyChangeSet([]), Status: 'FAILED' as const, StatusReason: reason };
}

const NO_CHANGES = "The submitted information didn't contain changes.";

/** The StackName every call of one command was sent with. */
function stackArgs(command: Parameters<typeof cfnMock.commandCalls>[0]): (string | undefined)[] {
  return cfnMock
    .commandCalls(command)
    .map((call) => (call.args[0].input as { StackName?: string }).StackName);
}

const networkError = () =>
  Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
const changeSetNotFound = () =>
  Object.assign(new Error('ChangeSet [x] does not exist'), { name: 'ChangeSetNotFoundException' });
const objectNotFound = () =>
  Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
const noUpdates = () =>
  Object.assign(new Error('No updates are to be performed.'), { name: 'ValidationError' });

/**
 * DescribeStacks answers `before` until ExecuteChangeSet is called, then `afterExecute(n)` for the n-th call
 * after it. The returned counter says how many calls came after the execution.
 */
function aroundExecution(
  before: () => object,
  afterExecute: (n: number) => object,
): { readonly executed: boolean; readonly after: number } {
  const seen = { executed: false, after: 0 };
  cfnMock.on(ExecuteChangeSetCommand).callsFake(() => {
    seen.executed = true;
    return {};
  });
  cfnMock.on(DescribeStacksCommand).callsFake(() => (seen.executed ? afterExecute(++seen.after) : before()));
  return seen;
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
  changeSetMocks(undefined, { Id: CS_ID, StackId: STACK_ID });
  cfnMock.on(ExecuteChangeSetCommand).resolves({});
}

beforeEach(() => resetMocks());

describe('M1: an empty change set is success', () => {
  it('M1: FAILED change set "didn\'t contain changes" → has-changes false, change set deleted (awaited), no execute', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({
      ...failedChangeSet(`${NO_CHANGES} Submit different information to create a change set.`),
      ExecutionStatus: 'UNAVAILABLE',
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
    cfnMock.on(CreateChangeSetCommand).rejects(noUpdates());
    const { run } = setup();
    const r = await run();
    expect(r.hasChanges).toBe(false);
    expect(r.outputs).toEqual({ Url: 'u' });
    expect(cfnMock).not.toHaveReceivedCommand(DeleteChangeSetCommand);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('M1: fail-on-empty-changeset: true makes emptiness fail', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).rejects(noUpdates());
    const { run } = setup({ 'fail-on-empty-changeset': 'true' });
    await expect(run()).rejects.toThrow(/contains no changes/);
  });

  it('M1: no-delete-failed-changeset keeps the empty change set', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves(failedChangeSet(NO_CHANGES));
    const { run } = setup({ 'no-delete-failed-changeset': 'true' });
    await run();
    expect(cfnMock).not.toHaveReceivedCommand(DeleteChangeSetCommand);
  });

  it('a change set that FAILED for another reason fails the step and is deleted', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves(failedChangeSet('Template format error: Unresolved resource dependencies [X]'));
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
    updateFlow();
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
    changeSetMocks();
    const queueFailed = stackEvent('e2', 'UPDATE_FAILED', {
      logicalId: 'Queue',
      type: 'AWS::SQS::Queue',
      reason: 'Queue name already exists',
    });
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [stackEvent('old', 'UPDATE_COMPLETE')] })
      .resolves({
        StackEvents: [
          stackEvent('e3', 'UPDATE_ROLLBACK_COMPLETE'),
          queueFailed,
          stackEvent('old', 'UPDATE_COMPLETE'),
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

  it.each<{ what: string; inputs: Record<string, string>; check: () => void }>([
    {
      what: 'termination-protection is enabled after a successful create',
      inputs: { 'termination-protection': 'true' },
      check: () =>
        expect(cfnMock).toHaveReceivedCommandWith(UpdateTerminationProtectionCommand, {
          EnableTerminationProtection: true,
          StackName: STACK,
        }),
    },
    {
      what: 'disable-rollback on create maps to OnStackFailure DO_NOTHING',
      inputs: { 'disable-rollback': 'true' },
      check: () =>
        expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.OnStackFailure).toBe(
          'DO_NOTHING',
        ),
    },
  ])('$what', async ({ inputs, check }) => {
    happyCreate();
    cfnMock.on(UpdateTerminationProtectionCommand).resolves({});
    await setup(inputs).run();
    check();
  });

  it('create-only keeps the change set for review and never executes', async () => {
    happyCreate();
    const { run } = setup({ mode: 'create-only' });
    const r = await run();
    expect(r.result).toBe('planned');
    expect(r.changeSetId).toBe(CS_ID);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    // Only the plan's draft is deleted (P1: it gave the digest the plan records); the plan is kept.
    expect(cfnMock.commandCalls(DeleteChangeSetCommand).map((c) => c.args[0].input.ChangeSetName)).toEqual([
      DRAFT_ID,
    ]);
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
    expect(mutatingCalls()).toEqual([]);
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

  it.each([
    ...createRows.map((status) => [status, 'CREATE'] as const),
    ...updateRows.map((status) => [status, 'UPDATE'] as const),
  ])('R2: %s → a %s change set', async (status, type) => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack(status)] });
    changeSetMocks();
    const { run } = setup({ mode: 'create-only' });
    await run();
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.ChangeSetType).toBe(type);
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
    changeSetMocks();
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

  it.each([
    {
      status: 'ROLLBACK_COMPLETE',
      failed: stackEvent('1', 'CREATE_FAILED', {
        logicalId: 'Queue',
        type: 'AWS::SQS::Queue',
        reason: 'Access denied',
      }),
      error:
        /ROLLBACK_COMPLETE.*on-rollback-complete: delete.*Queue \(AWS::SQS::Queue\) CREATE_FAILED: Access denied/,
      never: DeleteStackCommand,
    },
    {
      status: 'UPDATE_ROLLBACK_FAILED',
      failed: stackEvent('1', 'UPDATE_FAILED', {
        logicalId: 'Fn',
        type: 'AWS::Lambda::Function',
        reason: 'S3 Error Code: NoSuchKey',
      }),
      error:
        /UPDATE_ROLLBACK_FAILED.*continue.*Fn \(AWS::Lambda::Function\) UPDATE_FAILED: S3 Error Code: NoSuchKey/,
      never: ContinueUpdateRollbackCommand,
    },
  ])(
    'R1/R2: $status → fails by default with the fix and the failed resources, nothing sent to repair it',
    async ({ status, failed, error, never }) => {
      cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack(status)] });
      cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [failed] });
      const { run } = setup();
      await expect(run()).rejects.toThrow(error);
      expect(cfnMock).not.toHaveReceivedCommand(never);
    },
  );

  it.each([
    { answers: ['ROLLBACK_COMPLETE', 'DELETE_IN_PROGRESS'], asynchronously: 'at once' },
    // DeleteStack is asynchronous: the stack may still show ROLLBACK_COMPLETE; keep waiting for the deletion.
    { answers: ['ROLLBACK_COMPLETE', 'ROLLBACK_COMPLETE', 'DELETE_IN_PROGRESS'], asynchronously: 'late' },
  ])(
    'R2: ROLLBACK_COMPLETE + on-rollback-complete: delete → delete, wait (deletion seen $asynchronously), create',
    async ({ answers }) => {
      const describe = cfnMock.on(DescribeStacksCommand);
      for (const status of answers) describe.resolvesOnce({ Stacks: [stack(status)] });
      describe.rejectsOnce(notFound()).resolves({ Stacks: [stack('CREATE_COMPLETE')] });
      cfnMock.on(DeleteStackCommand).resolves({});
      changeSetMocks();
      cfnMock.on(ExecuteChangeSetCommand).resolves({});
      const { run } = setup({ 'on-rollback-complete': 'delete' });
      await expect(run()).resolves.toMatchObject({ result: 'created' });
      expect(cfnMock).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
      expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.ChangeSetType).toBe('CREATE');
    },
  );

  it('R2: ROLLBACK_COMPLETE in create-only never deletes the stack', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('ROLLBACK_COMPLETE')] });
    const { run } = setup({ 'on-rollback-complete': 'delete', mode: 'create-only' });
    await expect(run()).rejects.toThrow(/create-only never deletes/);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it.each([
    { answers: ['UPDATE_ROLLBACK_FAILED'], asynchronously: 'at once' },
    // ContinueUpdateRollback is asynchronous: the stack may still show UPDATE_ROLLBACK_FAILED; keep waiting.
    { answers: ['UPDATE_ROLLBACK_FAILED', 'UPDATE_ROLLBACK_FAILED'], asynchronously: 'late' },
  ])(
    'R1/R2: UPDATE_ROLLBACK_FAILED + continue → ContinueUpdateRollback with resources-to-skip (progress seen $asynchronously), then update',
    async ({ answers }) => {
      executionMocks([
        ...answers.map((status) => stack(status)),
        stack('UPDATE_ROLLBACK_IN_PROGRESS'),
        stack('UPDATE_ROLLBACK_COMPLETE'),
      ]);
      cfnMock.on(ContinueUpdateRollbackCommand).resolves({});
      changeSetMocks();
      const { run } = setup({
        'on-update-rollback-failed': 'continue',
        'resources-to-skip': 'Fn,Nested.Inner',
      });
      await expect(run()).resolves.toMatchObject({ result: 'updated' });
      expect(cfnMock).toHaveReceivedCommandWith(ContinueUpdateRollbackCommand, {
        StackName: STACK,
        ResourcesToSkip: ['Fn', 'Nested.Inner'],
      });
    },
  );

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
    changeSetMocks();
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: deployed });
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
    s3Mock.on(HeadObjectCommand, { Bucket: 'artifacts' }).rejects(objectNotFound());
    s3Mock.on(HeadObjectCommand, { Bucket: 'layers' }).resolves({});
    const { run, warnings } = setup({ 'parameter-overrides': 'Name=app' });
    await run();
    expect(warnings().join('\n')).toMatch(/s3:\/\/artifacts\/fn\/1\.2\.3\.zip/);
    expect(cfnMock).toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('R1: a missing artifact with rollback-preflight: fail → refuses, deletes the change set, no execute', async () => {
    updateWithPreflight();
    s3Mock.on(HeadObjectCommand).rejects(objectNotFound());
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

describe('cancellation and cleanup: the change set is tracked before CreateChangeSet is sent', () => {
  it('a cancel while waiting for the change set deletes it by id; after the cancel nothing is executed', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    changeSetMocks(undefined, { Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
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
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).rejects(networkError());
    cfnMock.on(DeleteChangeSetCommand).rejects(changeSetNotFound());
    cfnMock.on(DescribeChangeSetCommand).rejects(changeSetNotFound());
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
    cfnMock.on(DeleteChangeSetCommand).rejects(changeSetNotFound());
    cfnMock.on(DescribeChangeSetCommand).rejects(changeSetNotFound());
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
    let holdStatus: (status: string) => void = () => undefined;
    const execution = aroundExecution(
      () => ({ Stacks: [stack('UPDATE_COMPLETE')] }),
      () =>
        new Promise((resolve) => {
          holdStatus = (status) => resolve({ Stacks: [stack(status)] });
        }),
    );
    changeSetMocks(undefined, { Id: CS_ID, StackId: STACK_ID });
    const { deploy, rt } = setup();
    const running = deploy();
    await until(() => execution.executed && cfnMock.commandCalls(DescribeStacksCommand).length > 1);
    const reports = await rt.cancel.cancel('SIGTERM');
    expect(reports).toEqual([
      expect.objectContaining({
        ok: false,
        // The status read is held too: the report still says what it knows, and that it could not read more.
        detail: expect.stringMatching(
          /already executing: nothing to delete.*continues on AWS.*stack app-stack is in a state we could not read/,
        ),
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
    // Only the first read (before the stack exists) is by name.
    expect(stackArgs(DescribeStacksCommand)[0]).toBe(STACK);
    expect(stackArgs(DescribeStacksCommand).slice(1).length).toBeGreaterThan(0);
    expect(new Set(stackArgs(DescribeStacksCommand).slice(1))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(DescribeChangeSetCommand))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(DescribeStackEventsCommand))).toEqual(new Set([STACK_ID]));
  });

  it('update: after DescribeStacks returned the id, every poll and the rollback preflight use it', async () => {
    updateFlow();
    const { run } = setup();
    await run();
    expect(stackArgs(DescribeStacksCommand)[0]).toBe(STACK);
    expect(new Set(stackArgs(DescribeStacksCommand).slice(1))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(DescribeChangeSetCommand))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(DescribeStackEventsCommand))).toEqual(new Set([STACK_ID]));
    expect(new Set(stackArgs(GetTemplateCommand))).toEqual(new Set([STACK_ID]));
  });
});

describe('execute-only', () => {
  const csArn = CS_ID;
  const executeOnly = { mode: 'execute-only', 'execute-change-set-id': csArn, template: '' };
  it('executes exactly the reviewed change set when it is AVAILABLE and the stack has not changed', async () => {
    changeSetMocks();
    executionMocks([stack('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-05-01T00:00:00Z') })]);
    const { run } = setup(executeOnly);
    const r = await run();
    expect(r.result).toBe('updated');
    expect(cfnMock).toHaveReceivedCommandWith(ExecuteChangeSetCommand, { ChangeSetName: csArn });
    expect(cfnMock).not.toHaveReceivedCommand(CreateChangeSetCommand);
  });

  it('refuses a change set that is no longer AVAILABLE', async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ ...readyChangeSet(), ExecutionStatus: 'EXECUTE_COMPLETE' });
    const { run } = setup(executeOnly);
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
    const { run } = setup(executeOnly);
    await expect(run()).rejects.toThrow(/stale/);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });
});

describe('H1: plan change sets do not pile up', () => {
  const prEnv = {
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_SHA: 'abcdef1234567890',
    GITHUB_REPOSITORY: 'acme/infra',
  };
  const summary = (id: string, description: string, extra: object = {}) => ({
    ChangeSetId: `arn:aws:cloudformation:us-east-1:111122223333:changeSet/${id}/1`,
    ChangeSetName: id,
    StackName: STACK,
    ExecutionStatus: 'AVAILABLE' as const,
    Status: 'CREATE_COMPLETE' as const,
    Description: description,
    ...extra,
  });
  const deletedIds = () =>
    cfnMock
      .commandCalls(DeleteChangeSetCommand)
      .map((c) => c.args[0].input.ChangeSetName)
      .filter((id) => id !== DRAFT_ID);

  it('a new create-only plan deletes the earlier AVAILABLE plans of the same repository and PR, and nothing else', async () => {
    updateFlow();
    cfnMock
      .on(ListChangeSetsCommand)
      .resolvesOnce({
        Summaries: [
          { ...summary('ours', 'guarded-deploy plan acme/infra:pr-7 abcdef123456'), ChangeSetId: CS_ID },
          summary(
            'old-pr7',
            'guarded-deploy plan acme/infra:pr-7 0123456789ab plan-digest=sha256:' + 'a'.repeat(64),
          ),
          summary('other-pr', 'guarded-deploy plan acme/infra:pr-8 0123456789ab'),
        ],
        NextToken: 'p2',
      })
      .resolves({
        Summaries: [
          summary('older-pr7', 'guarded-deploy plan acme/infra:pr-7 fedcba987654'),
          summary('executed-pr7', 'guarded-deploy plan acme/infra:pr-7 fedcba987654', {
            ExecutionStatus: 'EXECUTE_COMPLETE',
          }),
          summary('someone-else', 'manual change set'),
          summary('other-stack-pr7', 'guarded-deploy plan acme/infra:pr-7 fedcba987654', {
            StackName: 'another-stack',
          }),
        ],
      });
    const { run } = setup({ mode: 'create-only' }, undefined, { env: prEnv });
    const r = await run();
    const sealed = cfnMock.commandCalls(CreateChangeSetCommand)[1]!.args[0].input.Description;
    expect(sealed).toMatch(
      /^guarded-deploy plan acme\/infra:pr-7 abcdef123456 plan-digest=sha256:[0-9a-f]{64}$/,
    );
    expect(deletedIds()).toEqual([
      'arn:aws:cloudformation:us-east-1:111122223333:changeSet/old-pr7/1',
      'arn:aws:cloudformation:us-east-1:111122223333:changeSet/older-pr7/1',
    ]);
    expect(r.notes.join('\n')).toMatch(/Deleted 2 earlier plan change set\(s\) of acme\/infra:pr-7/);
  });

  it("H1: another repository's plan for the same PR number, another environment's, and an old-format plan survive", async () => {
    updateFlow();
    cfnMock.on(ListChangeSetsCommand).resolves({
      Summaries: [
        summary('other-repo-pr7', 'guarded-deploy plan other/repo:pr-7:staging 0123456789ab'),
        summary('other-env-pr7', 'guarded-deploy plan acme/infra:pr-7:prod 0123456789ab'),
        summary('no-env-pr7', 'guarded-deploy plan acme/infra:pr-7 0123456789ab'),
        summary('old-format-pr7', 'guarded-deploy plan pr-7 0123456789ab'),
        summary('same-scope', 'guarded-deploy plan acme/infra:pr-7:staging 0123456789ab'),
      ],
    });
    const { run } = setup({ mode: 'create-only', environment: 'staging' }, undefined, { env: prEnv });
    await run();
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[1]!.args[0].input.Description).toMatch(
      /^guarded-deploy plan acme\/infra:pr-7:staging abcdef123456 plan-digest=/,
    );
    expect(deletedIds()).toEqual(['arn:aws:cloudformation:us-east-1:111122223333:changeSet/same-scope/1']);
  });

  it('a failing cleanup is a warning; the plan still succeeds', async () => {
    updateFlow();
    cfnMock
      .on(ListChangeSetsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const { run, warnings } = setup({ mode: 'create-only' }, undefined, { env: prEnv });
    await expect(run()).resolves.toMatchObject({ result: 'planned' });
    expect(warnings().join('\n')).toMatch(/Could not clean up earlier plan change sets/);
  });
});

describe('R2: waiting for our own execution, not the previous state', () => {
  it("an UPDATE whose DescribeStacks still shows the last deploy's UPDATE_COMPLETE keeps waiting until the update ran", async () => {
    const before = stack('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-05-01T00:00:00Z') });
    // ExecuteChangeSet is asynchronous: the old state first, then the update, then its new final state.
    const execution = aroundExecution(
      () => ({ Stacks: [before] }),
      (after) => ({
        Stacks: [
          after <= 2
            ? before
            : after === 3
              ? { ...before, StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' }
              : {
                  ...before,
                  StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
                  LastUpdatedTime: new Date('2026-06-01T00:01:00Z'),
                },
        ],
      }),
    );
    changeSetMocks();
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const { run } = setup();
    // Without the guard the first post-execute answer (the old UPDATE_COMPLETE) would pass as success.
    await expect(run()).rejects.toThrow(/ended in UPDATE_ROLLBACK_COMPLETE/);
    expect(execution.after).toBe(4);
  });

  it('a CREATE whose stack still shows REVIEW_IN_PROGRESS right after ExecuteChangeSet keeps waiting', async () => {
    const execution = aroundExecution(
      () => ({ Stacks: [stack('REVIEW_IN_PROGRESS')] }),
      (after) => ({
        Stacks: [
          stack(after === 1 ? 'REVIEW_IN_PROGRESS' : after === 2 ? 'CREATE_IN_PROGRESS' : 'CREATE_COMPLETE'),
        ],
      }),
    );
    changeSetMocks();
    const { run } = setup();
    await expect(run()).resolves.toMatchObject({
      result: 'created',
      stackStatus: 'CREATE_COMPLETE',
    });
    expect(execution.after).toBe(3);
  });

  it("an UPDATE that finishes between two polls is recognised by the stack's own event", async () => {
    // No LastUpdatedTime (as in moto), never seen in progress.
    const unchanged = () => ({ Stacks: [stack('UPDATE_COMPLETE')] });
    const execution = aroundExecution(unchanged, unchanged);
    changeSetMocks();
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [stackEvent('old', 'UPDATE_COMPLETE')] })
      .resolves({
        StackEvents: [
          stackEvent('new2', 'UPDATE_COMPLETE'),
          stackEvent('new1', 'UPDATE_IN_PROGRESS'),
          stackEvent('old', 'UPDATE_COMPLETE'),
        ],
      });
    const { run } = setup();
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
    // The immediate status check cannot prove it alone: the events are read at once (no sleep first) and
    // prove it, so one DescribeStacks suffices (it took two, a backoff step apart, before issue #12).
    expect(execution.after).toBe(1);
    // prime + the proof; the stack's own final event is already in the log, so no further events call
    expect(cfnMock.commandCalls(DescribeStackEventsCommand)).toHaveLength(2);
  });

  it('R2: Stack.ChangeSetId naming our change set is not taken as proof on its own (undocumented timing): the events decide', async () => {
    const before = stack('UPDATE_COMPLETE', { ChangeSetId: 'arn:previous-change-set' });
    const execution = aroundExecution(
      () => ({ Stacks: [before] }),
      () => ({ Stacks: [{ ...before, ChangeSetId: CS_ID }] }),
    );
    changeSetMocks();
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [stackEvent('old', 'UPDATE_COMPLETE')] });
    const { run, rt } = setup();
    // Status unchanged, LastUpdatedTime unchanged, only an old event: nothing proves our execution ran.
    await expect(run()).rejects.toThrow(/Timed out/);
    expect(execution.after).toBeGreaterThan(3);
    expect(rt.sink.text()).not.toMatch(/Stack app-stack is UPDATE_COMPLETE\./);
  });

  it('an UPDATE whose stack still names the previous change set is not taken for ours', async () => {
    const before = stack('UPDATE_COMPLETE', { ChangeSetId: 'arn:previous-change-set' });
    const execution = aroundExecution(
      () => ({ Stacks: [before] }),
      (after) => ({
        Stacks: [
          after <= 3 ? before : { ...before, StackStatus: 'UPDATE_ROLLBACK_COMPLETE', ChangeSetId: CS_ID },
        ],
      }),
    );
    changeSetMocks();
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [stackEvent('old', 'UPDATE_COMPLETE')] });
    const { run } = setup();
    await expect(run()).rejects.toThrow(/ended in UPDATE_ROLLBACK_COMPLETE/);
    expect(execution.after).toBe(4);
  });
});

describe('R2: operations we start are asynchronous', () => {
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
