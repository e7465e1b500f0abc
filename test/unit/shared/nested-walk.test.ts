/**
 * N1: walking nested stacks (src/cfn/nested.ts) — depth-first, bounded in depth, count, pages and time, and
 * never crashing on a nested stack it cannot read; what blocks a rollback, and resources-to-skip entries.
 * Shapes are ListStackResources / DescribeStacks answers as CloudFormation documents them (a nested stack's
 * PhysicalResourceId is its stack ARN; its name is generated: Parent-LogicalId-RANDOM).
 */
import { describe, expect, it, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type Stack,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { fakeClock } from '../../../src/clock';
import { CancelledError, GuardError } from '../../../src/errors';
import {
  describeBlockers,
  resolveSkips,
  rollbackBlockers,
  stackNameOf,
  walkNestedStacks,
  type StackTree,
} from '../../../src/cfn/nested';

const cfnMock = mockClient(CloudFormationClient);
const cfn = new CloudFormationClient({ region: 'us-east-1' });
const ACCOUNT = '111122223333';
const arn = (name: string) =>
  `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${name}/00000000-0000-4000-8000-${name.length.toString().padStart(12, '0')}`;
const ROOT = arn('app');

function nestedResource(logicalId: string, name: string, status = 'UPDATE_COMPLETE'): StackResourceSummary {
  return {
    LogicalResourceId: logicalId,
    PhysicalResourceId: arn(name),
    ResourceType: 'AWS::CloudFormation::Stack',
    ResourceStatus: status as StackResourceSummary['ResourceStatus'],
    LastUpdatedTimestamp: new Date('2026-01-01T00:00:00Z'),
  };
}

function resource(logicalId: string, status = 'UPDATE_COMPLETE', reason?: string): StackResourceSummary {
  return {
    LogicalResourceId: logicalId,
    PhysicalResourceId: `${logicalId.toLowerCase()}-physical`,
    ResourceType: 'AWS::Lambda::Function',
    ResourceStatus: status as StackResourceSummary['ResourceStatus'],
    ...(reason ? { ResourceStatusReason: reason } : {}),
    LastUpdatedTimestamp: new Date('2026-01-01T00:00:00Z'),
  };
}

function stackNamed(name: string, status = 'UPDATE_COMPLETE'): Stack {
  return {
    StackName: name,
    StackId: arn(name),
    StackStatus: status as Stack['StackStatus'],
    CreationTime: new Date('2026-01-01T00:00:00Z'),
    ParentId: ROOT,
    RootId: ROOT,
  };
}

/** A tree of stacks: name → resources; DescribeStacks answers each by ARN. */
function treeMocks(
  stacks: Record<string, StackResourceSummary[]>,
  statuses: Record<string, string> = {},
): void {
  for (const [name, resources] of Object.entries(stacks)) {
    cfnMock
      .on(ListStackResourcesCommand, { StackName: arn(name) })
      .resolves({ StackResourceSummaries: resources });
    cfnMock
      .on(DescribeStacksCommand, { StackName: arn(name) })
      .resolves({ Stacks: [stackNamed(name, statuses[name])] });
  }
}

const clock = () => fakeClock(1_000);
/** An error as the SDK throws it: its name is the AWS error code. */
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });
const paths = (tree: StackTree) => tree.nested.map((node) => node.path.join('/'));

beforeEach(() => {
  cfnMock.reset();
});

describe('N1: walking nested stacks', () => {
  it('N1: depth-first, parent before children, each nested stack read by its ARN with its status and name', async () => {
    treeMocks({
      app: [
        nestedResource('Network', 'app-Network-AAA'),
        resource('Fn'),
        nestedResource('Data', 'app-Data-BBB'),
      ],
      'app-Network-AAA': [nestedResource('Subnets', 'app-Network-AAA-Subnets-CCC')],
      'app-Network-AAA-Subnets-CCC': [resource('Sub')],
      'app-Data-BBB': [resource('Db')],
    });
    const tree = await walkNestedStacks(cfn, { ref: ROOT }, { clock: clock() });
    expect(paths(tree)).toEqual(['Network', 'Network/Subnets', 'Data']);
    expect(tree.nested.map((node) => node.stack?.StackName)).toEqual([
      'app-Network-AAA',
      'app-Network-AAA-Subnets-CCC',
      'app-Data-BBB',
    ]);
    expect(tree.warnings).toEqual([]);
    expect(tree.root.resources?.map((item) => item.LogicalResourceId)).toEqual(['Network', 'Fn', 'Data']);
  });

  it('N1: ListStackResources is paged (NextToken) within maxPages', async () => {
    cfnMock
      .on(ListStackResourcesCommand, { StackName: ROOT, NextToken: undefined })
      .resolves({ StackResourceSummaries: [resource('A')], NextToken: 't1' })
      .on(ListStackResourcesCommand, { StackName: ROOT, NextToken: 't1' })
      .resolves({ StackResourceSummaries: [nestedResource('Late', 'app-Late-X')], NextToken: 't2' })
      .on(ListStackResourcesCommand, { StackName: ROOT, NextToken: 't2' })
      .resolves({ StackResourceSummaries: [nestedResource('TooLate', 'app-TooLate-X')] });
    treeMocks({ 'app-Late-X': [] });
    const tree = await walkNestedStacks(cfn, { ref: ROOT }, { clock: clock(), maxPages: 2 });
    expect(paths(tree)).toEqual(['Late']);
    expect(cfnMock.commandCalls(ListStackResourcesCommand, { StackName: ROOT })).toHaveLength(2);
  });

  it('N1: deeper than maxDepth (5) is not read, and says so', async () => {
    const chain: Record<string, StackResourceSummary[]> = { app: [nestedResource('L1', 'n1')] };
    for (let level = 1; level <= 7; level++)
      chain[`n${level}`] = [nestedResource(`L${level + 1}`, `n${level + 1}`)];
    treeMocks(chain);
    const tree = await walkNestedStacks(cfn, { ref: ROOT }, { clock: clock() });
    expect(paths(tree)).toHaveLength(5);
    expect(paths(tree)[4]).toBe('L1/L2/L3/L4/L5');
    expect(tree.warnings.join(' ')).toMatch(/below L1\/L2\/L3\/L4\/L5 are more than 5 levels deep/);
    expect(cfnMock.commandCalls(ListStackResourcesCommand, { StackName: arn('n5') })).toHaveLength(0);
  });

  it('N1: more nested stacks than maxStacks: the walk stops and says where', async () => {
    treeMocks({
      app: Array.from({ length: 6 }, (_, index) => nestedResource(`N${index}`, `app-N${index}-X`)),
      ...Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`app-N${index}-X`, []])),
    });
    const tree = await walkNestedStacks(cfn, { ref: ROOT }, { clock: clock(), maxStacks: 4 });
    expect(paths(tree)).toEqual(['N0', 'N1', 'N2', 'N3']);
    expect(tree.warnings).toEqual(['More than 4 nested stacks: the walk stopped at N4.']);
  });

  it('N1: a cycle (a nested stack listing its parent) is walked once', async () => {
    cfnMock.on(ListStackResourcesCommand, { StackName: ROOT }).resolves({
      StackResourceSummaries: [nestedResource('Loop', 'app-Loop-X')],
    });
    cfnMock.on(ListStackResourcesCommand, { StackName: arn('app-Loop-X') }).resolves({
      StackResourceSummaries: [{ ...nestedResource('Back', 'app'), PhysicalResourceId: ROOT }],
    });
    cfnMock
      .on(DescribeStacksCommand, { StackName: arn('app-Loop-X') })
      .resolves({ Stacks: [stackNamed('app-Loop-X')] });
    const tree = await walkNestedStacks(cfn, { ref: ROOT }, { clock: clock() });
    expect(paths(tree)).toEqual(['Loop']);
    expect(tree.warnings).toEqual(['Loop/Back is a stack already walked (a cycle): skipped.']);
  });

  it.each([
    {
      what: 'deleted mid-walk (DescribeStacks: ValidationError does not exist)',
      fault: () =>
        cfnMock
          .on(DescribeStacksCommand, { StackName: arn('app-Bad-X') })
          .rejects(awsError('ValidationError', `Stack with id ${arn('app-Bad-X')} does not exist`)),
      walked: ['Good'],
      warning: 'Nested stack Bad no longer exists (deleted during the walk): skipped.',
    },
    {
      what: 'whose resources cannot be listed (AccessDenied)',
      fault: () =>
        cfnMock
          .on(ListStackResourcesCommand, { StackName: arn('app-Bad-X') })
          .rejects(awsError('AccessDenied', 'not authorized to perform: cloudformation:ListStackResources')),
      walked: ['Bad', 'Good'],
      warning:
        'Could not read Bad: AccessDenied: not authorized to perform: cloudformation:ListStackResources',
    },
  ])(
    'N1: a nested stack $what → a warning naming it; its sibling is still read',
    async ({ fault, walked, warning }) => {
      treeMocks({
        app: [nestedResource('Bad', 'app-Bad-X'), nestedResource('Good', 'app-Good-X')],
        'app-Bad-X': [],
        'app-Good-X': [],
      });
      fault();
      const tree = await walkNestedStacks(cfn, { ref: ROOT }, { clock: clock() });
      expect(paths(tree)).toEqual(walked);
      expect(tree.warnings).toEqual([warning]);
    },
  );

  it('N1: the time budget holds: once spent, the walk stops with a warning (no further call)', async () => {
    const time = clock();
    treeMocks({
      app: [nestedResource('A', 'app-A-X'), nestedResource('B', 'app-B-X'), nestedResource('C', 'app-C-X')],
      'app-A-X': [],
      'app-B-X': [],
      'app-C-X': [],
    });
    // Every DescribeStacks takes 40 s of the 60 s budget.
    cfnMock.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
      void time.sleep(40_000);
      return { Stacks: [stackNamed(stackNameOf(input.StackName))] };
    });
    const tree = await walkNestedStacks(
      cfn,
      { ref: ROOT },
      { clock: time, budgetMs: 60_000, concurrency: 1 },
    );
    expect(paths(tree)).toEqual(['A', 'B']);
    expect(tree.warnings.join(' ')).toMatch(/stopped at (B|C): its time budget was spent/);
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(2);
  });

  it('N1: siblings are read at most 4 at a time (not one by one), and the result keeps depth-first order', async () => {
    const names = Array.from({ length: 9 }, (_, index) => `app-S${index}-X`);
    treeMocks({
      app: names.map((name, index) => nestedResource(`S${index}`, name)),
      ...Object.fromEntries(names.map((name) => [name, []])),
    });
    let inFlight = 0;
    let most = 0;
    cfnMock.on(DescribeStacksCommand).callsFake(async (input: { StackName: string }) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return { Stacks: [stackNamed(stackNameOf(input.StackName))] };
    });
    const tree = await walkNestedStacks(cfn, { ref: ROOT }, { clock: clock() });
    expect(most).toBe(4);
    expect(paths(tree)).toEqual(names.map((_, index) => `S${index}`));
  });

  it('N1: a call that hangs cannot outlive the budget (real timer) → a warning, not a hang', async () => {
    cfnMock.on(ListStackResourcesCommand, { StackName: ROOT }).callsFake(() => new Promise(() => undefined));
    const started = Date.now();
    const tree = await walkNestedStacks(cfn, { ref: ROOT }, { clock: clock(), budgetMs: 200 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(tree.warnings.join(' ')).toMatch(/Could not read the root stack: .*budget/);
  });

  it('N1: cancellation is not swallowed', async () => {
    const abort = new AbortController();
    abort.abort(new CancelledError('cancelled (SIGINT)'));
    cfnMock.on(ListStackResourcesCommand).callsFake(() => new Promise(() => undefined));
    await expect(
      walkNestedStacks(cfn, { ref: ROOT }, { clock: clock(), signal: abort.signal }),
    ).rejects.toThrow(CancelledError);
  });

  it('N1: visit=false stops the walk below that stack (no ListStackResources for it)', async () => {
    treeMocks({ app: [nestedResource('Leaf', 'app-Leaf-X')], 'app-Leaf-X': [nestedResource('Deeper', 'd')] });
    const visited: string[] = [];
    const tree = await walkNestedStacks(
      cfn,
      { ref: ROOT },
      {
        clock: clock(),
        visit: async (node) => {
          visited.push(node.path.join('/') || '(root)');
          return node.path.length === 0;
        },
      },
    );
    expect(visited).toEqual(['(root)', 'Leaf']);
    expect(paths(tree)).toEqual(['Leaf']);
    expect(cfnMock.commandCalls(ListStackResourcesCommand, { StackName: arn('app-Leaf-X') })).toHaveLength(0);
  });

  it('N1: moto shape — a nested stack physical id that is its name (not an ARN) is read by that name', async () => {
    cfnMock.on(ListStackResourcesCommand, { StackName: 'app' }).resolves({
      StackResourceSummaries: [{ ...nestedResource('Child', 'x'), PhysicalResourceId: 'app-Child-ABC' }],
    });
    cfnMock
      .on(DescribeStacksCommand, { StackName: 'app-Child-ABC' })
      .resolves({ Stacks: [stackNamed('app-Child-ABC')] });
    cfnMock
      .on(ListStackResourcesCommand, { StackName: arn('app-Child-ABC') })
      .resolves({ StackResourceSummaries: [] });
    const tree = await walkNestedStacks(cfn, { ref: 'app' }, { clock: clock() });
    expect(tree.nested.map((node) => [node.path.join('/'), node.ref])).toEqual([
      ['Child', arn('app-Child-ABC')],
    ]);
  });
});

/** A walked tree built by hand: the root holds nested stack Network, which holds Fn. */
function listedTree(): StackTree {
  return {
    root: { path: [], ref: ROOT, resources: [nestedResource('Network', 'app-Network-AAA')] },
    nested: [
      {
        path: ['Network'],
        ref: arn('app-Network-AAA'),
        stack: stackNamed('app-Network-AAA'),
        resources: [resource('Fn')],
      },
    ],
    warnings: [],
  };
}

describe('N1: what blocks a rollback, and resources-to-skip', () => {
  async function failedTree(statuses: Record<string, string> = {}): Promise<StackTree> {
    treeMocks(
      {
        app: [
          nestedResource('Network', 'app-Network-AAA', 'UPDATE_FAILED'),
          resource('Api', 'UPDATE_FAILED', 'Resource update cancelled'),
        ],
        'app-Network-AAA': [
          resource('Fn', 'UPDATE_FAILED', 'S3 key fn/1.0.0.zip does not exist'),
          resource('Ok'),
          nestedResource('Inner', 'app-Network-AAA-Inner-BBB', 'UPDATE_COMPLETE'),
        ],
        'app-Network-AAA-Inner-BBB': [resource('Deep', 'UPDATE_FAILED', 'Layer content missing')],
      },
      { 'app-Network-AAA': 'UPDATE_ROLLBACK_FAILED', ...statuses },
    );
    return walkNestedStacks(cfn, { ref: ROOT }, { clock: clock() });
  }

  it('N1: blockers: UPDATE_FAILED resources in every stack, each with the entry that skips it; a walked nested stack resource is left out', async () => {
    const blockers = rollbackBlockers(await failedTree(), 'app');
    expect(blockers.map((blocker) => [blocker.path.join('/'), blocker.logicalId, blocker.skip])).toEqual([
      ['', 'Api', 'Api'],
      ['Network', 'Fn', 'app-Network-AAA.Fn'],
      ['Network/Inner', 'Deep', 'app-Network-AAA-Inner-BBB.Deep'],
    ]);
    expect(describeBlockers(blockers)).toContain(
      'Network/Fn (AWS::Lambda::Function): S3 key fn/1.0.0.zip does not exist [skip: app-Network-AAA.Fn]',
    );
  });

  it('N1: resources-to-skip: LogicalId and NestedStackName.LogicalId pass as given; Path.LogicalId becomes NestedStackName.LogicalId', async () => {
    const tree = await failedTree();
    expect(
      resolveSkips(['Api', 'app-Network-AAA.Fn', 'Network/Inner.Deep', 'Network.Fn'], tree, 'app'),
    ).toEqual({
      skips: ['Api', 'app-Network-AAA.Fn', 'app-Network-AAA-Inner-BBB.Deep', 'app-Network-AAA.Fn'],
      notes: [],
    });
  });

  it('N1: resources-to-skip naming no nested stack (complete walk) is refused, listing the nested stacks', async () => {
    const tree = await failedTree();
    expect(() => resolveSkips(['Nope.Fn'], tree, 'app')).toThrow(GuardError);
    expect(() => resolveSkips(['Nope.Fn'], tree, 'app')).toThrow(
      /'Nope\.Fn' names no nested stack of app.*Network \(app-Network-AAA\), Network\/Inner \(app-Network-AAA-Inner-BBB\)/,
    );
  });

  it('N1: resources-to-skip naming a resource its nested stack does not have is refused', async () => {
    expect(() => resolveSkips(['Network.Missing'], listedTree(), 'app')).toThrow(
      /Network has no resource Missing/,
    );
  });

  it('N1: skipping a nested stack resource whose stack is not being deleted is refused (CloudFormation requires DELETE_*)', async () => {
    const tree = await failedTree();
    expect(() => resolveSkips(['Network'], tree, 'app')).toThrow(
      /'Network' is a nested stack in UPDATE_ROLLBACK_FAILED: .*DELETE_IN_PROGRESS, DELETE_COMPLETE, DELETE_FAILED/,
    );
    cfnMock.reset();
    const deleting = await failedTree({ 'app-Network-AAA': 'DELETE_FAILED' });
    expect(resolveSkips(['Network'], deleting, 'app').skips).toEqual(['Network']);
  });

  it('N1: an incomplete walk passes an unknown nested stack name on as given, with a note', async () => {
    const tree: StackTree = {
      root: { path: [], ref: ROOT },
      nested: [],
      warnings: ['Could not read the root stack'],
    };
    expect(resolveSkips(['app-Other-X.Fn'], tree, 'app')).toEqual({
      skips: ['app-Other-X.Fn'],
      notes: [expect.stringMatching(/'app-Other-X\.Fn': no nested stack .* passed on as given/)],
    });
  });
});
