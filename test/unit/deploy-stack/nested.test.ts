/**
 * N1 through the whole action (runWith on mocked clients): the rollback preflight walks deployed nested
 * stacks; nested stacks' events stream with their path and the root cause leads the error, the job summary
 * and the PR comment; UPDATE_ROLLBACK_FAILED names the nested resources that block and resources-to-skip takes
 * them; destructive changes inside nested stacks count for the gate. Shapes are CloudFormation's documented
 * ones (a nested stack's PhysicalResourceId is its ARN; its name is Parent-LogicalId-RANDOM).
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  CloudFormationClient,
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type Change,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { declaresNestedStacks, findArtifacts } from '../../../src/cfn/artifacts';
import type { Logger } from '../../../src/log';
import { EventStreamer, NESTED_STREAMS } from '../../../actions/deploy-stack/src/events';
import {
  ACCOUNT,
  STACK,
  STACK_ID,
  cfnMock,
  changeSetMocks,
  executionMocks,
  parsedInputs,
  resetMocks,
  s3Mock,
  setup,
  stack,
  updateFlow,
} from './harness';

const NESTED_NAME = `${STACK}-Network-1R2B3C4D5E6F`;
const NESTED_ID = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${NESTED_NAME}/6c1a9f40-0000-4000-8000-00000000000a`;

const ROOT_TEMPLATE = JSON.stringify({
  Resources: {
    Network: {
      Type: 'AWS::CloudFormation::Stack',
      Properties: { TemplateURL: 'https://templates.s3.us-east-1.amazonaws.com/network/1.0.0.yaml' },
    },
    Queue: { Type: 'AWS::SQS::Queue' },
  },
});

const NESTED_TEMPLATE = JSON.stringify({
  Parameters: { ArtifactBucket: { Type: 'String' } },
  Resources: {
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: { Ref: 'ArtifactBucket' }, S3Key: { 'Fn::Sub': 'fn/${AWS::StackName}.zip' } },
      },
    },
  },
});

const notFound = () =>
  Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
const forbidden = () =>
  Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } });

/** An update of STACK whose deployed version has nested stack Network (logical id `logicalId`). */
function nestedUpdate(logicalId = 'Network'): void {
  updateFlow();
  cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: ROOT_TEMPLATE });
  cfnMock.on(GetTemplateCommand, { StackName: NESTED_ID }).resolves({ TemplateBody: NESTED_TEMPLATE });
  cfnMock.on(ListStackResourcesCommand, { StackName: STACK_ID }).resolves({
    StackResourceSummaries: [
      {
        LogicalResourceId: logicalId,
        PhysicalResourceId: NESTED_ID,
        ResourceType: 'AWS::CloudFormation::Stack',
        ResourceStatus: 'UPDATE_COMPLETE',
        LastUpdatedTimestamp: new Date('2026-01-01T00:00:00Z'),
      },
      {
        LogicalResourceId: 'Queue',
        PhysicalResourceId: 'https://sqs/q',
        ResourceType: 'AWS::SQS::Queue',
        ResourceStatus: 'UPDATE_COMPLETE',
        LastUpdatedTimestamp: new Date('2026-01-01T00:00:00Z'),
      },
    ],
  });
  cfnMock.on(DescribeStacksCommand, { StackName: NESTED_ID }).resolves({
    Stacks: [
      {
        StackName: NESTED_NAME,
        StackId: NESTED_ID,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-01-01T00:00:00Z'),
        Parameters: [{ ParameterKey: 'ArtifactBucket', ParameterValue: 'artifacts' }],
        ParentId: STACK_ID,
        RootId: STACK_ID,
      },
    ],
  });
  s3Mock.on(HeadObjectCommand).resolves({});
}

const MISSING_KEY = `fn/${NESTED_NAME}.zip`;

beforeEach(() => resetMocks());

describe('N1: the rollback preflight walks deployed nested stacks', () => {
  it('N1: a nested stack whose Lambda artifact is gone → a warning naming the nested path and the key; the nested TemplateURL is checked too', async () => {
    nestedUpdate();
    s3Mock.on(HeadObjectCommand, { Bucket: 'artifacts', Key: MISSING_KEY }).rejects(notFound());
    const { run, warnings } = setup();
    const outcome = await run();
    expect(outcome.result).toBe('updated');
    expect(warnings().join('\n')).toContain(
      `nested stack Network: Fn (AWS::Lambda::Function) Code → s3://artifacts/${MISSING_KEY}`,
    );
    expect(outcome.preflight?.present.map((ref) => `${ref.bucket}/${ref.key}`)).toEqual([
      'templates/network/1.0.0.yaml',
    ]);
    expect(outcome.preflight?.missing.map((ref) => ref.stackPath)).toEqual([['Network']]);
    expect(outcome.preflight?.nestedStacks).toEqual(['Network']);
  });

  it('N1: rollback-preflight: fail refuses before executing, naming the nested path and the key', async () => {
    nestedUpdate();
    s3Mock.on(HeadObjectCommand, { Bucket: 'artifacts', Key: MISSING_KEY }).rejects(notFound());
    const { run } = setup({ 'rollback-preflight': 'fail' });
    await expect(run()).rejects.toThrow(
      new RegExp(
        `Rollback preflight \\(R1\\).*nested stack Network: Fn .*s3://artifacts/${MISSING_KEY.replace(/[.]/g, '\\.')}`,
      ),
    );
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('N1: the nested TemplateURL itself missing → refused with rollback-preflight: fail', async () => {
    nestedUpdate();
    s3Mock.on(HeadObjectCommand, { Bucket: 'templates' }).rejects(notFound());
    const { run } = setup({ 'rollback-preflight': 'fail' });
    await expect(run()).rejects.toThrow(
      /Network \(AWS::CloudFormation::Stack\) TemplateURL → s3:\/\/templates\/network\/1\.0\.0\.yaml/,
    );
  });

  it('N1: HeadObject 403 → cannot check: a warning (what to grant), not a refusal, even with rollback-preflight: fail', async () => {
    nestedUpdate();
    s3Mock.on(HeadObjectCommand, { Bucket: 'artifacts' }).rejects(forbidden());
    const { run, warnings } = setup({ 'rollback-preflight': 'fail' });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
    expect(warnings().join('\n')).toMatch(
      /not checked: nested stack Network: Fn .*HeadObject was denied \(403\).*s3:ListBucket/,
    );
  });

  it('N1: an object referenced by the root and a nested stack is asked for once (HeadObject calls are a cost)', async () => {
    nestedUpdate();
    cfnMock.on(GetTemplateCommand).resolves({
      TemplateBody: JSON.stringify({
        Resources: {
          ...(JSON.parse(ROOT_TEMPLATE) as { Resources: object }).Resources,
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: { Code: { S3Bucket: 'artifacts', S3Key: MISSING_KEY } },
          },
        },
      }),
    });
    cfnMock.on(GetTemplateCommand, { StackName: NESTED_ID }).resolves({ TemplateBody: NESTED_TEMPLATE });
    s3Mock.on(HeadObjectCommand, { Bucket: 'artifacts', Key: MISSING_KEY }).rejects(notFound());
    const outcome = await setup().run();
    expect(outcome.preflight?.missing.map((ref) => ref.stackPath?.join('/') ?? '(root)')).toEqual([
      '(root)',
      'Network',
    ]);
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(2);
  });

  it('N1: a deployed template that declares no nested stack costs no ListStackResources call', async () => {
    updateFlow();
    cfnMock
      .on(GetTemplateCommand)
      .resolves({ TemplateBody: JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue' } } }) });
    await setup().run();
    expect(cfnMock).not.toHaveReceivedCommand(ListStackResourcesCommand);
  });

  it('N1: a nested stack deleted mid-walk → a warning naming it; the deploy goes on', async () => {
    nestedUpdate();
    cfnMock
      .on(DescribeStacksCommand, { StackName: NESTED_ID })
      .rejects(
        Object.assign(new Error(`Stack with id ${NESTED_ID} does not exist`), { name: 'ValidationError' }),
      );
    const { run, warnings } = setup({ 'rollback-preflight': 'fail' });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
    expect(warnings().join('\n')).toMatch(/Rollback preflight \(N1\): Nested stack Network no longer exists/);
  });

  it('N1/W1: a hostile nested logical id (workflow command, Markdown) reaches the log only neutralised', async () => {
    nestedUpdate('Net\n::error::pwned');
    s3Mock.on(HeadObjectCommand, { Bucket: 'artifacts', Key: MISSING_KEY }).rejects(notFound());
    const { run, rt } = setup();
    await run();
    expect(rt.sink.commands.filter((command) => command.name === 'error')).toEqual([]);
    expect(rt.sink.lines.some((line) => line.startsWith('::error::pwned'))).toBe(false);
  });
});

/** DescribeStackEvents answers for `stackRef`, newest first: `before` until ExecuteChangeSet was sent, then `after` too. */
function eventMocks(stackRef: string, before: StackEvent[], after: StackEvent[]): void {
  cfnMock.on(DescribeStackEventsCommand, { StackName: stackRef }).callsFake(() => ({
    StackEvents: [...(cfnMock.commandCalls(ExecuteChangeSetCommand).length ? after : []), ...before],
  }));
}

/** The two stacks events come from: STACK and its nested stack Network. */
const IN = {
  root: { StackId: STACK_ID, StackName: STACK },
  nested: { StackId: NESTED_ID, StackName: NESTED_NAME },
} as const;
let tick = 0;
/** An event of the root or the nested stack, one second after the one made before it. */
const at = (where: keyof typeof IN, fields: Partial<StackEvent>): StackEvent => ({
  ...IN[where],
  EventId: `${where}-${++tick}`,
  ResourceType: 'AWS::Lambda::Function',
  Timestamp: new Date(Date.UTC(2026, 5, 1, 12) + tick * 1000),
  ...fields,
});

const REASON =
  'Resource handler returned message: "S3 Error Code: NoSuchKey." (HandlerErrorCode: InvalidRequest)';

describe('N1: nested stacks stream their events; the root cause leads the error, summary and comment', () => {
  function failingNestedUpdate(reason = REASON) {
    // The nested stack's own history: an event of an earlier operation that must not be printed.
    const oldNested = at('nested', {
      LogicalResourceId: 'Fn',
      ResourceStatus: 'UPDATE_FAILED',
      ResourceStatusReason: 'an old failure',
      Timestamp: new Date('2026-01-01T00:00:00Z'),
    });
    const oldRoot = at('root', {
      LogicalResourceId: STACK,
      ResourceStatus: 'UPDATE_COMPLETE',
      ResourceType: 'AWS::CloudFormation::Stack',
      PhysicalResourceId: STACK_ID,
      Timestamp: new Date('2026-01-01T00:00:00Z'),
    });
    const stackEvent = (status: string, extra: Partial<StackEvent> = {}) =>
      at('root', {
        LogicalResourceId: STACK,
        ResourceStatus: status as StackEvent['ResourceStatus'],
        ResourceType: 'AWS::CloudFormation::Stack',
        PhysicalResourceId: STACK_ID,
        ...extra,
      });
    const nestedEvent = (logicalId: string, status: string, extra: Partial<StackEvent> = {}) =>
      at('root', {
        LogicalResourceId: logicalId,
        ResourceStatus: status as StackEvent['ResourceStatus'],
        ResourceType: 'AWS::CloudFormation::Stack',
        PhysicalResourceId: NESTED_ID,
        ...extra,
      });
    const root: StackEvent[] = [
      stackEvent('UPDATE_IN_PROGRESS', { ResourceStatusReason: 'User Initiated' }),
      nestedEvent('Network', 'UPDATE_IN_PROGRESS'),
    ];
    const inner: StackEvent[] = [
      at('nested', {
        LogicalResourceId: NESTED_NAME,
        ResourceStatus: 'UPDATE_IN_PROGRESS',
        ResourceType: 'AWS::CloudFormation::Stack',
        PhysicalResourceId: NESTED_ID,
      }),
      at('nested', { LogicalResourceId: 'Fn', ResourceStatus: 'UPDATE_IN_PROGRESS' }),
      at('nested', {
        LogicalResourceId: 'Fn',
        ResourceStatus: 'UPDATE_FAILED',
        ResourceStatusReason: reason,
      }),
      at('nested', {
        LogicalResourceId: NESTED_NAME,
        ResourceStatus: 'UPDATE_ROLLBACK_COMPLETE',
        ResourceType: 'AWS::CloudFormation::Stack',
        PhysicalResourceId: NESTED_ID,
      }),
    ];
    const rootEnd: StackEvent[] = [
      nestedEvent('Network', 'UPDATE_FAILED', {
        ResourceStatusReason: `Embedded stack ${NESTED_ID} was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to update: [Fn].`,
      }),
      at('root', {
        LogicalResourceId: 'Queue',
        ResourceStatus: 'UPDATE_FAILED',
        ResourceType: 'AWS::SQS::Queue',
        ResourceStatusReason: 'Resource update cancelled',
      }),
      stackEvent('UPDATE_ROLLBACK_IN_PROGRESS', {
        ResourceStatusReason: 'The following resource(s) failed to update: [Network, Queue].',
      }),
      nestedEvent('Network', 'UPDATE_COMPLETE'),
      stackEvent('UPDATE_ROLLBACK_COMPLETE'),
    ];
    executionMocks([stack('UPDATE_COMPLETE')], 'UPDATE_ROLLBACK_COMPLETE');
    changeSetMocks();
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    eventMocks(STACK_ID, [oldRoot], [...root, ...rootEnd].reverse());
    cfnMock
      .on(DescribeStackEventsCommand, { StackName: NESTED_ID })
      .resolves({ StackEvents: [...inner].reverse().concat(oldNested) });
  }

  it('N1: nested events print with the nested path; the root cause (not "Embedded stack …") leads the error, summary and comment', async () => {
    failingNestedUpdate();
    const { deploy, rt } = setup();
    const { error, published } = await deploy();
    const message = String((error as Error).message);
    expect(
      message.startsWith(`Root cause: Network/Fn (AWS::Lambda::Function) UPDATE_FAILED: ${REASON}.`),
    ).toBe(true);
    expect(message).toContain(`Deploying stack ${STACK} failed: it ended in UPDATE_ROLLBACK_COMPLETE.`);
    const log = rt.sink.lines.join('\n');
    expect(log).toMatch(
      /UPDATE_FAILED AWS::Lambda::Function Network\/Fn — Resource handler returned message/,
    );
    expect(log).toMatch(/UPDATE_ROLLBACK_COMPLETE AWS::CloudFormation::Stack Network$/m);
    expect(log).not.toContain('an old failure');
    const failedLine = (text: string) => text.split('\n').find((line) => line.includes('**Failed:**')) ?? '';
    expect(failedLine(published.summary)).toMatch(
      /^❌ \*\*Failed:\*\* Root cause: Network\/Fn \\\(AWS::Lambda::Function\\\) UPDATE\\_FAILED: Resource handler/,
    );
    expect(failedLine(published.comment)).toMatch(/^❌ \*\*Failed:\*\* Root cause: Network\/Fn/);
  });

  it('N1/W1: a hostile failure reason from a nested stack is neutralised in the log and escaped in the summary', async () => {
    failingNestedUpdate(
      'boom\n::error::pwned **bold** <img src=x onerror=alert(1)> [x](https://evil.example)',
    );
    const { deploy, rt } = setup();
    const { published } = await deploy();
    expect(rt.sink.lines.some((line) => line.startsWith('::error::pwned'))).toBe(false);
    expect(rt.sink.commands.filter((command) => command.name === 'error')).toEqual([]);
    expect(published.summary).not.toContain('<img');
    expect(published.summary).not.toContain('[x](https://evil.example)');
  });

  it('N1: a nested stack is polled only while its parent works on it, and once after (bounded calls)', async () => {
    failingNestedUpdate();
    const { deploy } = setup();
    await deploy();
    // The nested stack is polled while its parent's event is in progress, and once after: a handful of calls.
    const nestedPolls = cfnMock.commandCalls(DescribeStackEventsCommand, { StackName: NESTED_ID }).length;
    expect(nestedPolls).toBeGreaterThan(0);
    expect(nestedPolls).toBeLessThanOrEqual(6);
  });
});

describe('N1: UPDATE_ROLLBACK_FAILED with nested stacks', () => {
  const NESTED_FAILED = 'UPDATE_ROLLBACK_FAILED';
  function rollbackFailed(): void {
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(ListStackResourcesCommand, { StackName: STACK_ID }).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'Network',
          PhysicalResourceId: NESTED_ID,
          ResourceType: 'AWS::CloudFormation::Stack',
          ResourceStatus: 'UPDATE_FAILED',
          ResourceStatusReason: `Embedded stack ${NESTED_ID} was not successfully updated.`,
          LastUpdatedTimestamp: new Date('2026-01-01T00:00:00Z'),
        },
      ],
    });
    cfnMock.on(ListStackResourcesCommand, { StackName: NESTED_ID }).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'Fn',
          PhysicalResourceId: 'fn',
          ResourceType: 'AWS::Lambda::Function',
          ResourceStatus: 'UPDATE_FAILED',
          ResourceStatusReason: 'S3 key fn/1.0.0.zip does not exist',
          LastUpdatedTimestamp: new Date('2026-01-01T00:00:00Z'),
        },
      ],
    });
    cfnMock.on(DescribeStacksCommand, { StackName: NESTED_ID }).resolves({
      Stacks: [
        { StackName: NESTED_NAME, StackId: NESTED_ID, StackStatus: NESTED_FAILED, CreationTime: new Date() },
      ],
    });
  }

  it('N1: fail (default): the error lists the nested resource that blocks, why, and the entry that skips it', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_ROLLBACK_FAILED')] });
    rollbackFailed();
    const { run } = setup();
    await expect(run()).rejects.toThrow(
      `Resources that failed to roll back (UPDATE_FAILED): Network/Fn (AWS::Lambda::Function): S3 key fn/1.0.0.zip does not exist [skip: ${NESTED_NAME}.Fn].`,
    );
    expect(cfnMock).not.toHaveReceivedCommand(ContinueUpdateRollbackCommand);
  });

  it('N1: continue with resources-to-skip Network.Fn (the path) → ContinueUpdateRollback skips NestedStackName.Fn', async () => {
    executionMocks([stack('UPDATE_ROLLBACK_FAILED'), stack('UPDATE_ROLLBACK_COMPLETE')]);
    rollbackFailed();
    cfnMock.on(ContinueUpdateRollbackCommand).resolves({});
    changeSetMocks();
    rollbackFailed();
    const { run } = setup({ 'on-update-rollback-failed': 'continue', 'resources-to-skip': 'Network.Fn' });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
    expect(cfnMock).toHaveReceivedCommandWith(ContinueUpdateRollbackCommand, {
      StackName: STACK,
      ResourcesToSkip: [`${NESTED_NAME}.Fn`],
    });
  });

  it('N1: ContinueUpdateRollback that ends in UPDATE_ROLLBACK_FAILED again names what still blocks, in the nested stack', async () => {
    executionMocks([
      stack('UPDATE_ROLLBACK_FAILED'),
      stack('UPDATE_ROLLBACK_IN_PROGRESS'),
      stack('UPDATE_ROLLBACK_FAILED'),
    ]);
    rollbackFailed();
    cfnMock.on(ContinueUpdateRollbackCommand).resolves({});
    const { run } = setup({ 'on-update-rollback-failed': 'continue' });
    await expect(run()).rejects.toThrow(
      new RegExp(
        `ContinueUpdateRollback on ${STACK} ended in UPDATE_ROLLBACK_FAILED\\..*Network/Fn .*\\[skip: ${NESTED_NAME}\\.Fn\\]`,
      ),
    );
    expect(cfnMock.commandCalls(ListStackResourcesCommand, { StackName: NESTED_ID })).toHaveLength(2);
  });

  it.each([
    ['Network', /'Network' is a nested stack in UPDATE_ROLLBACK_FAILED/],
    ['Nope.Fn', /'Nope\.Fn' names no nested stack of app-stack/],
    ['Network.Other', /Network has no resource Other/],
  ])(
    'N1: resources-to-skip %s cannot work → refused before ContinueUpdateRollback (no mutating call)',
    async (skip, why) => {
      cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_ROLLBACK_FAILED')] });
      rollbackFailed();
      const { run } = setup({ 'on-update-rollback-failed': 'continue', 'resources-to-skip': skip });
      await expect(run()).rejects.toThrow(why);
      expect(cfnMock).not.toHaveReceivedCommand(ContinueUpdateRollbackCommand);
      expect(cfnMock).not.toHaveReceivedCommand(CreateChangeSetCommand);
    },
  );
});

describe('N1: destructive changes inside nested stacks count for the gate', () => {
  const nestedChange: Change = {
    Type: 'Resource',
    ResourceChange: {
      Action: 'Modify',
      LogicalResourceId: 'Network',
      ResourceType: 'AWS::CloudFormation::Stack',
      ChangeSetId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:changeSet/child/1`,
    },
  };
  /** Inside Network: its database replaced (a destructive change only the nested change set shows). */
  const replaceDb: Change[] = [
    {
      Type: 'Resource',
      ResourceChange: {
        Action: 'Modify',
        Replacement: 'True',
        LogicalResourceId: 'Db',
        PhysicalResourceId: 'app-db',
        ResourceType: 'AWS::RDS::DBInstance',
      },
    },
  ];
  function nestedReplacement(): void {
    updateFlow([nestedChange]);
    const childChangeSet = {
      ChangeSetName: 'network-child',
      Status: 'CREATE_COMPLETE' as const,
      Changes: replaceDb,
    };
    cfnMock
      .on(DescribeChangeSetCommand, { ChangeSetName: nestedChange.ResourceChange?.ChangeSetId })
      .resolves(childChangeSet);
  }

  it('N1: create-and-execute with include-nested-stacks-change-set: a replacement inside Network is refused, not executed', async () => {
    nestedReplacement();
    const { run } = setup({ 'include-nested-stacks-change-set': 'true' });
    await expect(run()).rejects.toThrow(
      /destructive change\(s\) not allow-listed: .*Db \(AWS::RDS::DBInstance\) Replace/,
    );
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('N1: without include-nested-stacks-change-set the blind spot is said: a warning and a note in the summary', async () => {
    nestedReplacement();
    const { run, warnings, rt } = setup({ 'allow-destructive': 'false' });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
    const warning = warnings().find((line) => line.includes('include-nested-stacks-change-set: true'));
    expect(warning).toMatch(/changes 1 nested stack\(s\) \(Network\).*not gated \(H2\)/);
    expect(rt.sink.summaries.join('\n')).toContain('include-nested-stacks-change-set: true');
  });

  it('N1: with include-nested-stacks-change-set (and the replacement allow-listed) there is no blind spot', async () => {
    nestedReplacement();
    const { run, warnings } = setup({
      'include-nested-stacks-change-set': 'true',
      'destructive-allow-list': 'Db',
    });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
    expect(warnings().join('\n')).not.toContain('not gated');
  });

  it('N1: the same replacement allow-listed → executed', async () => {
    nestedReplacement();
    const { run } = setup({ 'include-nested-stacks-change-set': 'true', 'destructive-allow-list': 'Db' });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
    expect(cfnMock).toHaveReceivedCommand(ExecuteChangeSetCommand);
  });
});

describe('R1/N1: artifact types a nested (or root) deployed template can reference', () => {
  it.each([
    [
      'AWS::ApiGateway::RestApi',
      'BodyS3Location',
      { Bucket: 'b', Key: 'api.yaml', Version: 'v1' },
      'b/api.yaml@v1',
    ],
    [
      'AWS::ElasticBeanstalk::ApplicationVersion',
      'SourceBundle',
      { S3Bucket: 'b', S3Key: 'app.zip' },
      'b/app.zip',
    ],
    ['AWS::Serverless::Api', 'DefinitionUri', 's3://b/sam-api.yaml', 'b/sam-api.yaml'],
    ['AWS::Serverless::HttpApi', 'DefinitionUri', { Bucket: 'b', Key: 'http.yaml' }, 'b/http.yaml'],
    ['AWS::Serverless::StateMachine', 'DefinitionUri', 'https://b.s3.amazonaws.com/sm.json', 'b/sm.json'],
    ['AWS::Serverless::Api', 'DefinitionUri', './api.yaml', 'nothing (a local path)'],
  ])('N1: %s %s %j → %s', (type, property, value, expected) => {
    const template = { Resources: { It: { Type: type, Properties: { [property]: value } } } };
    const located = findArtifacts(template, { params: {}, region: 'us-east-1', stackName: 'app' }).map(
      (ref) => `${ref.bucket}/${ref.key}${ref.version ? `@${ref.version}` : ''}`,
    );
    expect(located).toEqual(expected.startsWith('nothing') ? [] : [expected]);
    expect(declaresNestedStacks(template)).toBe(false);
  });

  it('N1: a template declaring an AWS::CloudFormation::Stack is one whose nested stacks are walked', () => {
    expect(declaresNestedStacks(JSON.parse(ROOT_TEMPLATE) as Record<string, unknown>)).toBe(true);
    expect(declaresNestedStacks({ Resources: { Odd: null } })).toBe(false);
  });
});

describe('N1: the nested event stream is bounded', () => {
  const logger = () => {
    const lines: string[] = [];
    const log: Logger = {
      info: (text) => void lines.push(text),
      warning: (text) => void lines.push(`warning: ${text}`),
      error: (text) => void lines.push(`error: ${text}`),
      debug: (text) => void lines.push(`debug: ${text}`),
      group: (_name, work) => work(),
    };
    return { log, lines };
  };

  it(`N1: at most ${NESTED_STREAMS.maxStreams} nested stacks are followed (one line says the rest are not); a deleted nested stack ends its stream quietly`, async () => {
    const count = NESTED_STREAMS.maxStreams + 5;
    const nestedId = (index: number) => NESTED_ID.replace('Network', `N${index}`);
    const parentEvents = Array.from({ length: count }, (_, index) =>
      at('root', {
        LogicalResourceId: `N${index}`,
        ResourceStatus: 'UPDATE_IN_PROGRESS',
        ResourceType: 'AWS::CloudFormation::Stack',
        PhysicalResourceId: nestedId(index),
      }),
    );
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock
      .on(DescribeStackEventsCommand, { StackName: STACK_ID })
      .resolvesOnce({ StackEvents: [] })
      .resolves({ StackEvents: [...parentEvents].reverse() });
    cfnMock
      .on(DescribeStackEventsCommand, { StackName: nestedId(0) })
      .rejects(
        Object.assign(new Error(`Stack [${nestedId(0)}] does not exist`), { name: 'ValidationError' }),
      );
    const { log, lines } = logger();
    const streamer = new EventStreamer(
      new CloudFormationClient({ region: 'us-east-1' }),
      STACK_ID,
      STACK,
      log,
    );
    await streamer.prime();
    await streamer.poll();
    await streamer.poll();
    const polled = new Set(
      cfnMock
        .commandCalls(DescribeStackEventsCommand)
        .map((call) => call.args[0].input.StackName)
        .filter((name) => name !== STACK_ID),
    );
    expect(polled.size).toBe(NESTED_STREAMS.maxStreams);
    expect(lines.filter((line) => /nested stacks are not streamed/.test(line))).toEqual([
      `Events of more than ${NESTED_STREAMS.maxStreams} nested stacks are not streamed (N${NESTED_STREAMS.maxStreams} and later ones).`,
    ]);
    expect(lines).toContain('debug: Nested stack N0 no longer exists: its events end here.');
    // The deleted one is not asked again; the others (still in progress) are.
    expect(cfnMock.commandCalls(DescribeStackEventsCommand, { StackName: nestedId(0) })).toHaveLength(1);
    expect(cfnMock.commandCalls(DescribeStackEventsCommand, { StackName: nestedId(1) })).toHaveLength(2);
  });
});

describe('N1/L1: the resources-to-skip forms', () => {
  const parse = (skip: string) =>
    parsedInputs(setup({ 'on-update-rollback-failed': 'continue', 'resources-to-skip': skip }))
      .resourcesToSkip;

  it.each(['Fn', `${NESTED_NAME}.Fn`, 'Network.Fn', 'Network/Inner.Deep'])(
    'N1: %s is accepted as given',
    (skip) => {
      expect(parse(skip)).toEqual([skip]);
    },
  );

  it.each([
    'Network.Inner.Deep',
    '/Network.Fn',
    '-x.Fn',
    'Net work.Fn',
    'Network.Fn-1',
    'a::error::b.Fn',
    'Network.',
  ])('N1: %j is refused as input (L1)', (skip) => {
    expect(() => parse(skip)).toThrow(/Input 'resources-to-skip': .* is not a logical resource id/);
  });
});
