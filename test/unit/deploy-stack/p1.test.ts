/**
 * P1: guards that could be bypassed. The legacy aliases take effect under the runner's defaults (every
 * action.yml default is passed as an input), contradicting combinations are refused before any call, and
 * execute-only runs exactly the reviewed change set: resolved to its id, its changes hashed again and compared
 * with the digest its plan recorded (and expected-plan-digest), refused when it is not AVAILABLE.
 */
import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Change,
} from '@aws-sdk/client-cloudformation';
import { mapInputs } from '../../../src/inputs';
import { canonicalPlan, planDigest } from '../../../src/cfn/plan-digest';
import { parseInputs } from '../../../actions/deploy-stack/src/inputs';
import {
  CS_ID,
  DRAFT_ID,
  STACK,
  STACK_ID,
  addQueue,
  cfnMock,
  changeSetMocks,
  digestOf,
  entryErrors,
  freshMocksEachTest,
  executionMocks,
  readyChangeSet,
  resetMocks,
  setup,
  stack,
  workspace,
} from './harness';
import { mutatingCalls } from './mutating';

/** What the runner passes for every input with a default in action.yml. */
const RUNNER_DEFAULTS: Record<string, string> = Object.fromEntries(
  Object.entries(
    (
      parseYaml(fs.readFileSync('actions/deploy-stack/action.yml', 'utf8')) as {
        inputs: Record<string, { default?: string }>;
      }
    ).inputs,
  )
    .filter(([, input]) => input.default !== undefined && !input.default.includes('${{'))
    .map(([name, input]) => [name, input.default as string]),
);

const removeDb: Change = {
  Type: 'Resource',
  ResourceChange: { Action: 'Remove', LogicalResourceId: 'Db', ResourceType: 'AWS::RDS::DBInstance' },
};
const removeBucket: Change = {
  Type: 'Resource',
  ResourceChange: { Action: 'Remove', LogicalResourceId: 'Bucket', ResourceType: 'AWS::S3::Bucket' },
};

freshMocksEachTest();

describe('P1: the legacy aliases work under the runner (every action.yml default passed)', () => {
  const dir = workspace();
  const env = { GITHUB_WORKSPACE: dir, AWS_REGION: 'us-east-1' };
  const parse = (inputs: Record<string, string>) =>
    parseInputs(mapInputs({ ...RUNNER_DEFAULTS, name: 'app', template: 'template.yaml', ...inputs }), env, 0);

  it('P1: the runner passes no mode and no fail-on-empty-changeset (action.yml has no default for them)', () => {
    expect(RUNNER_DEFAULTS.mode).toBeUndefined();
    expect(RUNNER_DEFAULTS['fail-on-empty-changeset']).toBeUndefined();
    expect(parse({})).toMatchObject({ mode: 'create-and-execute', failOnEmptyChangeset: false });
  });

  it.each([
    ['no-execute-changeset: 1', { 'no-execute-changeset': '1' }, { mode: 'create-only' }],
    ['no-execute-changeset: true', { 'no-execute-changeset': 'true' }, { mode: 'create-only' }],
    ['no-execute-changeset: 0', { 'no-execute-changeset': '0' }, { mode: 'create-and-execute' }],
    ['no-fail-on-empty-changeset: 0', { 'no-fail-on-empty-changeset': '0' }, { failOnEmptyChangeset: true }],
    ['no-fail-on-empty-changeset: 1', { 'no-fail-on-empty-changeset': '1' }, { failOnEmptyChangeset: false }],
    [
      'mode: create-only with no-execute-changeset: 1 (the same meaning)',
      { mode: 'create-only', 'no-execute-changeset': '1' },
      { mode: 'create-only' },
    ],
    [
      'fail-on-empty-changeset: true with no-fail-on-empty-changeset: 0 (the same meaning)',
      { 'fail-on-empty-changeset': 'true', 'no-fail-on-empty-changeset': '0' },
      { failOnEmptyChangeset: true },
    ],
  ])('P1: %s', (_label, inputs, expected) => {
    expect(parse(inputs)).toMatchObject(expected);
  });

  it.each([
    [
      { mode: 'create-and-execute', 'no-execute-changeset': '1' },
      /'mode: create-and-execute' and 'no-execute-changeset: true' contradict/,
    ],
    [{ mode: 'execute-only', 'no-execute-changeset': 'true', 'execute-change-set-id': CS_ID }, /contradict/],
    [
      { mode: 'create-only', 'no-execute-changeset': 'false' },
      /'mode: create-only' and 'no-execute-changeset: false' contradict/,
    ],
    [
      { 'fail-on-empty-changeset': 'false', 'no-fail-on-empty-changeset': '0' },
      /'fail-on-empty-changeset: false' and 'no-fail-on-empty-changeset: false' contradict/,
    ],
    [{ 'fail-on-empty-changeset': 'true', 'no-fail-on-empty-changeset': 'true' }, /contradict/],
  ])('P1: contradicting %j → one error line, exit 1, no AWS call', async (inputs, message) => {
    expect(() => parse(inputs)).toThrow(message);
    const s = setup({ ...RUNNER_DEFAULTS, ...inputs });
    const errors = await entryErrors(s);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(process.exitCode).toBe(1);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('P1: no-execute-changeset: 1 under the runner defaults plans and never executes', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    changeSetMocks();
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    const s = setup({ ...RUNNER_DEFAULTS, 'no-execute-changeset': '1' });
    await expect(s.run()).resolves.toMatchObject({ result: 'planned' });
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('P1: no-fail-on-empty-changeset: 0 under the runner defaults fails on an empty change set', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock
      .on(CreateChangeSetCommand)
      .rejects(Object.assign(new Error('No updates are to be performed.'), { name: 'ValidationError' }));
    const s = setup({ ...RUNNER_DEFAULTS, 'no-fail-on-empty-changeset': '0' });
    await expect(s.run()).rejects.toThrow(/contains no changes and fail-on-empty-changeset is true/);
  });
});

describe('P1: the plan digest', () => {
  const modify = (after: string, extra: object = {}): Change => ({
    Type: 'Resource',
    ResourceChange: {
      Action: 'Modify',
      LogicalResourceId: 'Fn',
      ResourceType: 'AWS::Lambda::Function',
      Replacement: 'False',
      Scope: ['Properties', 'Tags'],
      Details: [
        {
          Target: {
            Attribute: 'Properties',
            Name: 'MemorySize',
            RequiresRecreation: 'Never',
            AfterValue: after,
          },
        },
        { Target: { Attribute: 'Tags', RequiresRecreation: 'Never' }, Evaluation: 'Static' },
      ],
      ...extra,
    },
  });

  it('P1: the same changes in any order (changes, details, scope) give the same digest; timestamps and ids do not count', () => {
    const base = modify('256');
    const reordered: Change = {
      ...base,
      ResourceChange: {
        ...base.ResourceChange,
        Scope: ['Tags', 'Properties'],
        Details: [...(base.ResourceChange?.Details ?? [])].reverse(),
        ChangeSetId: 'arn:aws:cloudformation:us-east-1:111122223333:changeSet/nested/other',
      },
    };
    expect(planDigest([{ path: [STACK], changes: [addQueue, base] }])).toBe(
      planDigest([{ path: [STACK], changes: [reordered, addQueue] }]),
    );
    expect(planDigest([{ path: [STACK], changes: [base] }])).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each<[string, Change[]]>([
    ['another after value', [addQueue, modify('512')]],
    [
      'another action',
      [addQueue, { ...modify('256'), ResourceChange: { ...modify('256').ResourceChange, Action: 'Remove' } }],
    ],
    ['a replacement', [addQueue, modify('256', { Replacement: 'True' })]],
    ['another logical id', [addQueue, modify('256', { LogicalResourceId: 'Fn2' })]],
    ['another resource type', [addQueue, modify('256', { ResourceType: 'AWS::Lambda::Alias' })]],
    ['another scope', [addQueue, modify('256', { Scope: ['Properties'] })]],
    ['one change more', [addQueue, modify('256'), removeDb]],
    ['one change less', [modify('256')]],
  ])('P1: %s changes the digest', (_label, changes) => {
    expect(planDigest([{ path: [STACK], changes }])).not.toBe(
      planDigest([{ path: [STACK], changes: [addQueue, modify('256')] }]),
    );
  });

  it('P1: a nested stack’s changes count, under its path', () => {
    const root = { path: [STACK], changes: [addQueue] };
    const nested = { path: [STACK, 'Network'], changes: [removeDb] };
    expect(planDigest([root, nested])).not.toBe(planDigest([root]));
    expect(planDigest([root, nested])).not.toBe(planDigest([root, { ...nested, path: [STACK, 'Other'] }]));
    expect(planDigest([root, nested])).toBe(planDigest([nested, root]));
  });

  it('P1/C3: values fed by a parameter CloudFormation masks (****) are hashed masked, never in clear', () => {
    const change = (after: string): Change => ({
      Type: 'Resource',
      ResourceChange: {
        Action: 'Modify',
        LogicalResourceId: 'Db',
        ResourceType: 'AWS::RDS::DBInstance',
        Details: [
          {
            Target: { Attribute: 'Properties', Name: 'MasterUserPassword', AfterValue: after },
            ChangeSource: 'ParameterReference',
            CausingEntity: 'DbPassword',
          },
        ],
      },
    });
    const masked = [{ ParameterKey: 'DbPassword', ParameterValue: '****' }];
    const text = canonicalPlan([{ path: [STACK], changes: [change('hunter2-secret')], parameters: masked }]);
    expect(text).not.toContain('hunter2-secret');
    expect(planDigest([{ path: [STACK], changes: [change('a')], parameters: masked }])).toBe(
      planDigest([{ path: [STACK], changes: [change('b')], parameters: masked }]),
    );
  });
});

describe('P1: create-only records the plan digest in its change set', () => {
  const prEnv = {
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_SHA: 'abcdef1234567890',
    GITHUB_REPOSITORY: 'acme/infra',
  };

  it('P1: a draft gives the digest; the plan is created with it in its description; the draft is deleted; the digest is an output and in the plan', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    changeSetMocks([addQueue, removeDb]);
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const s = setup({ mode: 'create-only' }, undefined, { env: prEnv });
    const outcome = await s.run();
    const creates = cfnMock.commandCalls(CreateChangeSetCommand).map((c) => c.args[0].input);
    expect(creates.map((c) => [c.ChangeSetName, c.ClientToken])).toEqual([
      [`${STACK}-42-1-draft`, `${STACK}-42-1-draft`],
      [`${STACK}-42-1`, `${STACK}-42-1`],
    ]);
    expect(creates[0]!.Description).toBe('guarded-deploy draft abcdef123456');
    const digest = digestOf([addQueue, removeDb]);
    expect(creates[1]!.Description).toBe(
      `guarded-deploy plan acme/infra:pr-7 abcdef123456 plan-digest=${digest}`,
    );
    expect(creates[1]!.Description!.length).toBeLessThanOrEqual(1024);
    expect(outcome).toMatchObject({ result: 'planned', changeSetId: CS_ID, planDigest: digest });
    expect(cfnMock.commandCalls(DeleteChangeSetCommand).map((c) => c.args[0].input.ChangeSetName)).toEqual([
      DRAFT_ID,
    ]);
    expect(s.rt.sink.outputs['plan-digest']).toBe(digest);
    const summary = s.rt.sink.summaries.join('\n');
    expect(summary).toContain(digest);
    expect(summary).toContain(CS_ID);
    expect(s.rt.sink.outputs['plan-markdown']).toContain(`expected-plan-digest: ${digest}`);
  });

  it('P1: the plan comes out different from its draft (the stack changed meanwhile) → refused, both deleted', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    changeSetMocks([addQueue]);
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    cfnMock
      .on(DescribeChangeSetCommand)
      .callsFake((input: { ChangeSetName?: string }) =>
        input.ChangeSetName === DRAFT_ID
          ? { ...readyChangeSet([addQueue]), ChangeSetId: DRAFT_ID }
          : readyChangeSet([addQueue, removeDb]),
      );
    const s = setup({ mode: 'create-only' }, undefined, { env: prEnv });
    await expect(s.run()).rejects.toThrow(/changed while it was being recorded/);
    expect(
      cfnMock
        .commandCalls(DeleteChangeSetCommand)
        .map((c) => c.args[0].input.ChangeSetName)
        .sort(),
    ).toEqual([CS_ID, DRAFT_ID].sort());
  });
});

describe('P1: execute-only runs exactly the reviewed change set', () => {
  const NAME = `${STACK}-42-1`;
  const executeOnly = (inputs: Record<string, string>) =>
    setup({ mode: 'execute-only', template: '', 'parameter-overrides': '', ...inputs });
  const updated = () =>
    executionMocks([stack('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-05-01T00:00:00Z') })]);

  it('P1: a change set given by name needs expected-plan-digest (a name can be reused) → one error line, no call', async () => {
    const errors = await entryErrors(executeOnly({ 'execute-change-set-id': NAME }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /is a change set name, which a different change set can take over.*expected-plan-digest/,
    );
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('P1: a malformed expected-plan-digest is refused before any call', async () => {
    const errors = await entryErrors(
      executeOnly({ 'execute-change-set-id': CS_ID, 'expected-plan-digest': 'sha256:xyz' }),
    );
    expect(errors).toEqual([expect.stringMatching(/expected-plan-digest' must be sha256:<64 hex digits>/)]);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('P1: by name with the reviewed digest → resolved to its id and executed by id', async () => {
    changeSetMocks([addQueue]);
    updated();
    const s = executeOnly({
      'execute-change-set-id': NAME,
      'expected-plan-digest': digestOf([addQueue]).toUpperCase().replace('SHA256:', ''),
    });
    await expect(s.run()).resolves.toMatchObject({ result: 'updated', planDigest: digestOf([addQueue]) });
    expect(cfnMock).toHaveReceivedCommandWith(DescribeChangeSetCommand, { ChangeSetName: NAME });
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand).map((c) => c.args[0].input.ChangeSetName)).toEqual([
      CS_ID,
    ]);
    expect(s.rt.sink.outputs['plan-digest']).toBe(digestOf([addQueue]));
  });

  it('P1: the name reused by a destructive change set (with a consistent digest of its own) → refused: not the reviewed digest', async () => {
    // The reviewed plan added a queue; it was deleted and a change set removing two resources took its name,
    // described like one of our plans with the digest of its own changes.
    changeSetMocks([removeDb, removeBucket]);
    updated();
    const s = executeOnly({
      'execute-change-set-id': NAME,
      'expected-plan-digest': digestOf([addQueue]),
      'allow-destructive': 'true',
    });
    const { error } = await s.deploy();
    expect(String(error)).toMatch(
      new RegExp(
        `is not the reviewed plan: its changes hash to ${digestOf([removeDb, removeBucket])}, but expected-plan-digest is ${digestOf([addQueue])}`,
      ),
    );
    expect(mutatingCalls()).toEqual([]);
  });

  it('P1: a change set without our plan digest (not made by a create-only plan) → refused', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet([addQueue], null));
    updated();
    await expect(executeOnly({ 'execute-change-set-id': CS_ID }).run()).rejects.toThrow(
      /carries no plan digest of guarded-deploy/,
    );
    expect(mutatingCalls()).toEqual([]);
  });

  it('P1: changes that do not hash to the recorded digest → refused', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves(readyChangeSet([removeDb], digestOf([addQueue])));
    updated();
    await expect(executeOnly({ 'execute-change-set-id': CS_ID }).run()).rejects.toThrow(
      new RegExp(
        `its changes hash to ${digestOf([removeDb])}, but its plan recorded ${digestOf([addQueue])}`,
      ),
    );
    expect(mutatingCalls()).toEqual([]);
  });

  it('P1: an ARN with a matching expected-plan-digest executes; a different one is refused', async () => {
    changeSetMocks([addQueue]);
    updated();
    await expect(
      executeOnly({ 'execute-change-set-id': CS_ID, 'expected-plan-digest': digestOf([addQueue]) }).run(),
    ).resolves.toMatchObject({ result: 'updated' });
    resetMocks();
    changeSetMocks([addQueue]);
    updated();
    await expect(
      executeOnly({ 'execute-change-set-id': CS_ID, 'expected-plan-digest': digestOf([removeDb]) }).run(),
    ).rejects.toThrow(/is not the reviewed plan/);
    expect(mutatingCalls()).toEqual([]);
  });

  it.each([
    ['CREATE_COMPLETE', 'OBSOLETE'],
    ['CREATE_COMPLETE', 'EXECUTE_IN_PROGRESS'],
    ['CREATE_COMPLETE', 'EXECUTE_FAILED'],
    ['CREATE_PENDING', 'UNAVAILABLE'],
    ['FAILED', 'UNAVAILABLE'],
  ])('P1: Status %s / ExecutionStatus %s → refused', async (status, execution) => {
    cfnMock.on(DescribeChangeSetCommand).resolves({
      ...readyChangeSet([addQueue]),
      Status: status as 'FAILED',
      ExecutionStatus: execution as 'OBSOLETE',
    });
    updated();
    await expect(executeOnly({ 'execute-change-set-id': CS_ID }).run()).rejects.toThrow(
      new RegExp(`cannot be executed: its status is ${status}/${execution}`),
    );
    expect(mutatingCalls()).toEqual([]);
  });

  it('P1: the stack changed after the change set was created (the service did not say OBSOLETE) → refused', async () => {
    changeSetMocks([addQueue]);
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [stack('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-06-02T00:00:00Z') })],
    });
    await expect(executeOnly({ 'execute-change-set-id': CS_ID }).run()).rejects.toThrow(/stale/);
    expect(mutatingCalls()).toEqual([]);
  });

  it('P1: a reviewed CREATE plan of a new stack (REVIEW_IN_PROGRESS) executes and is followed by the stack id', async () => {
    changeSetMocks([addQueue]);
    let executed = false;
    cfnMock.on(ExecuteChangeSetCommand).callsFake(() => {
      executed = true;
      return {};
    });
    cfnMock
      .on(DescribeStacksCommand)
      .callsFake(() => ({ Stacks: [stack(executed ? 'CREATE_COMPLETE' : 'REVIEW_IN_PROGRESS')] }));
    await expect(executeOnly({ 'execute-change-set-id': CS_ID }).run()).resolves.toMatchObject({
      result: 'created',
    });
    const stacks = cfnMock.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName);
    expect(new Set(stacks)).toEqual(new Set([STACK_ID]));
  });
});
