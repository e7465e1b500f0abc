import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type Change,
  CloudFormationClient,
  CreateChangeSetCommand,
  type CreateChangeSetCommandInput,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach } from '@jest/globals';
import { runAction } from '../../../src/entry';
import { parseInputs } from '../../../actions/deploy-stack/src/inputs';
import { planDigest } from '../../../src/cfn/plan-digest';
import { deployStack, runWith, type DeployRun } from '../../../actions/deploy-stack/src/run';
import type { DeployOutcome } from '../../../actions/deploy-stack/src/outcome';
import { fakeRuntime, type FakeRuntime, type FakeRuntimeOptions } from '../../helpers/runtime';

export const ACCOUNT = '111122223333';
export const STACK = 'app-stack';
export const STACK_ID = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${STACK}/0b1c2d3e-0000-4000-8000-000000000001`;
export const CS_ID = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:changeSet/${STACK}-42-1/0b1c2d3e-0000-4000-8000-0000000000cc`;
/** The draft a create-only plan creates first (to learn its digest) and deletes again. */
export const DRAFT_ID = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:changeSet/${STACK}-42-1-draft/0b1c2d3e-0000-4000-8000-0000000000dd`;
export const SECRET = 'Sup3r-S3cret-Value!';

export const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  DbPassword:
    Type: String
    NoEcho: true
  Size:
    Type: String
    Default: small
  Name:
    Type: String
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '\${Name}-\${Size}'
`;

export function workspace(files: Record<string, string> = { 'template.yaml': TEMPLATE }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-ws-'));
  for (const [f, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), body);
  }
  return dir;
}

export const cfnMock = mockClient(CloudFormationClient);
export const s3Mock = mockClient(S3Client);
export const stsMock = mockClient(STSClient);

export function stack(status: string, extra: Partial<Stack> = {}): Stack {
  return {
    StackName: STACK,
    StackId: STACK_ID,
    StackStatus: status as Stack['StackStatus'],
    CreationTime: new Date('2026-01-01T00:00:00Z'),
    Parameters: [
      { ParameterKey: 'DbPassword', ParameterValue: '****' },
      { ParameterKey: 'Size', ParameterValue: 'small' },
      { ParameterKey: 'Name', ParameterValue: 'app' },
    ],
    ...extra,
  };
}

/** DescribeStacks' answer for a stack that does not exist. */
export function notFound(): Error {
  return Object.assign(new Error(`Stack with id ${STACK} does not exist`), {
    name: 'ValidationError',
    $metadata: { httpStatusCode: 400 },
  });
}

export interface Setup {
  rt: FakeRuntime;
  /** runWith(rt): the outcome, or the error (after the outcome was published). */
  run: () => Promise<DeployOutcome>;
  /** deployStack(rt): the outcome also after a failure, with the error and what was published. */
  deploy: () => Promise<DeployRun>;
  /** stdout lines and workflow commands (add-mask included) in the order they were written. */
  order: string[];
  /** Values registered with ::add-mask:: (every form). */
  masked: string[];
  /** Warning annotations. */
  warnings: () => string[];
  clock: FakeRuntime['clock'];
  dir: string;
  env: NodeJS.ProcessEnv;
}

export const RUN_ENV = {
  AWS_REGION: 'us-east-1',
  GITHUB_RUN_ID: '42',
  GITHUB_RUN_ATTEMPT: '1',
};

/** A fake runtime for deploy-stack with the default inputs (a NoEcho override), recording everything written. */
export function setup(
  inputs: Record<string, string> = {},
  files?: Record<string, string>,
  options: Omit<FakeRuntimeOptions, 'inputs'> = {},
): Setup {
  const dir = workspace(files);
  const env = { GITHUB_WORKSPACE: dir, ...RUN_ENV, ...options.env };
  const rt = fakeRuntime({
    action: 'deploy-stack',
    ...options,
    env,
    inputs: {
      name: STACK,
      template: 'template.yaml',
      'parameter-overrides': `DbPassword=${SECRET},Name=app`,
      ...inputs,
    },
  });
  const order: string[] = [];
  const line = rt.sink.line.bind(rt.sink);
  const command = rt.sink.command.bind(rt.sink);
  rt.sink.line = (text) => {
    order.push(text);
    line(text);
  };
  rt.sink.command = (name, message) => {
    order.push(`::${name}::${message}`);
    command(name, message);
  };
  return {
    rt,
    run: () => runWith(rt),
    deploy: () => deployStack(rt),
    order,
    masked: rt.sink.masks,
    warnings: () => rt.sink.commands.filter((c) => c.name === 'warning').map((c) => c.message),
    clock: rt.clock,
    dir,
    env,
  };
}

/** The inputs as deploy-stack parses them for this setup. */
export function parsedInputs(s: Setup) {
  return parseInputs(s.rt.inputs, s.env, s.clock.now());
}

export function resetMocks(): void {
  cfnMock.reset();
  s3Mock.reset();
  stsMock.reset();
}

/**
 * DescribeStacks answers like CloudFormation around an execution: `pre` (one answer per call, the last
 * repeated) until ExecuteChangeSet is called, then the update visibly in progress once, then `finalStatus`.
 */
export function executionMocks(pre: Stack[], finalStatus = 'UPDATE_COMPLETE'): void {
  let executed = false;
  let i = 0;
  let after = 0;
  cfnMock.on(ExecuteChangeSetCommand).callsFake(() => {
    executed = true;
    return {};
  });
  cfnMock.on(DescribeStacksCommand).callsFake(() => {
    const base = pre[Math.min(i, pre.length - 1)] as Stack;
    if (!executed) {
      i++;
      return { Stacks: [base] };
    }
    after++;
    return { Stacks: [{ ...base, StackStatus: after === 1 ? 'UPDATE_IN_PROGRESS' : finalStatus }] };
  });
}

/** The digest a plan of `changes` (of stack STACK, no nested stacks) records. */
export function digestOf(changes: Change[]): string {
  return planDigest([{ path: [STACK], changes }]);
}

/**
 * A change set in CREATE_COMPLETE / AVAILABLE, shaped like DescribeChangeSet output, described as a create-only
 * plan of this action that recorded the digest of `changes` (`recorded` overrides it; null: no digest).
 */
export function readyChangeSet(changes: Change[], recorded?: string | null) {
  const digest = recorded === undefined ? digestOf(changes) : recorded;
  return {
    ChangeSetId: CS_ID,
    ChangeSetName: `${STACK}-42-1`,
    StackName: STACK,
    StackId: STACK_ID,
    Status: 'CREATE_COMPLETE' as const,
    ExecutionStatus: 'AVAILABLE' as const,
    Changes: changes,
    CreationTime: new Date('2026-06-01T00:00:00Z'),
    Description: `guarded-deploy plan acme/infra:pr-7 abcdef123456${digest === null ? '' : ` plan-digest=${digest}`}`,
  };
}

/** Add Queue (AWS::SQS::Queue): the plain change most plans hold. */
export const addQueue: Change = {
  Type: 'Resource',
  ResourceChange: { Action: 'Add', LogicalResourceId: 'Queue', ResourceType: 'AWS::SQS::Queue' },
};

/** Db's MasterUserPassword modified to `afterValue`, through the NoEcho parameter DbPassword. */
export function passwordChange(afterValue: string): Change {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: 'Modify',
      LogicalResourceId: 'Db',
      ResourceType: 'AWS::RDS::DBInstance',
      Replacement: 'False',
      Details: [
        {
          Target: {
            Attribute: 'Properties',
            Name: 'MasterUserPassword',
            RequiresRecreation: 'Never',
            BeforeValue: 'old',
            AfterValue: afterValue,
          },
          Evaluation: 'Static',
          ChangeSource: 'ParameterReference',
          CausingEntity: 'DbPassword',
        },
      ],
    },
  };
}

/**
 * The calls around a change set of our own: CreateChangeSet answers `created` (by default the id only, so
 * the stack id comes from DescribeStacks) — DRAFT_ID for a plan's draft — and DescribeChangeSet a ready change
 * set holding `changes` with the id and description it was created with; GetTemplate (the rollback preflight)
 * and DescribeStackEvents answer empty.
 */
export function changeSetMocks(
  changes: Change[] = [addQueue],
  created: { Id: string; StackId?: string } = { Id: CS_ID },
): void {
  const described = new Map<string, { ChangeSetId: string; ChangeSetName: string; Description?: string }>();
  cfnMock.on(CreateChangeSetCommand).callsFake((input: CreateChangeSetCommandInput) => {
    const name = input.ChangeSetName as string;
    const id = name.endsWith('-draft') ? DRAFT_ID : created.Id;
    const record = { ChangeSetId: id, ChangeSetName: name, Description: input.Description };
    described.set(id, record);
    described.set(name, record);
    return { ...created, Id: id };
  });
  cfnMock.on(DescribeChangeSetCommand).callsFake((input: { ChangeSetName?: string }) => ({
    ...readyChangeSet(changes),
    ...described.get(input.ChangeSetName ?? ''),
  }));
  cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
  cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
}

/** An update of the UPDATE_COMPLETE stack through a change set holding `changes`, executed to UPDATE_COMPLETE. */
export function updateFlow(changes: Change[] = [addQueue]): void {
  executionMocks([stack('UPDATE_COMPLETE')]);
  changeSetMocks(changes);
  cfnMock.on(DeleteChangeSetCommand).resolves({});
}

/** One event of the stack: a resource's (logicalId, type, reason), or by default the stack's own. */
export function stackEvent(
  id: string,
  status: string,
  resource: { logicalId?: string; type?: string; reason?: string } = {},
): StackEvent {
  return {
    EventId: id,
    StackId: STACK_ID,
    StackName: STACK,
    Timestamp: new Date(),
    LogicalResourceId: resource.logicalId ?? STACK,
    ResourceType: resource.type ?? 'AWS::CloudFormation::Stack',
    ResourceStatus: status as StackEvent['ResourceStatus'],
    ...(resource.reason === undefined ? {} : { ResourceStatusReason: resource.reason }),
  };
}

/** Run as main.ts does (runAction): the ::error:: lines written. */
export async function entryErrors(s: Setup): Promise<string[]> {
  await runAction(s.rt, runWith);
  return s.rt.sink.commands.filter((c) => c.name === 'error').map((c) => c.message);
}

/** Every test starts with fresh mocks, and the exit code runAction sets is cleared after it. */
export function freshMocksEachTest(): void {
  beforeEach(() => resetMocks());
  afterEach(() => {
    process.exitCode = undefined;
  });
}
