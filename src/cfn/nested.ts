/**
 * N1: walk a stack's nested stacks (`AWS::CloudFormation::Stack` resources), depth-first, through
 * ListStackResources and DescribeStacks. Every walk is bounded — depth, number of stacks, pages per stack and a
 * time budget — and never throws for a nested stack it cannot read (deleted mid-walk, access denied): it says
 * so in `warnings` and walks on. Only cancellation is rethrown.
 */
import {
  ListStackResourcesCommand,
  type CloudFormationClient,
  type Stack,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import type { Clock } from '../clock';
import { awsErrorName, CancelledError, errorMessage, TimeoutError } from '../errors';
import { beforeDeadline } from '../poll';
import { describeStack } from './stack';

export const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack';

/** The bounds of a walk. Nested stacks deeper than `maxDepth` levels below the root are not read. */
export const NESTED_LIMITS = { maxDepth: 5, maxStacks: 50, maxPages: 10, budgetMs: 60_000 } as const;

/** One stack of the tree: the root (path []) or a nested stack (path: logical ids from the root down). */
export interface StackNode {
  /** Logical ids from the root's resource down to this stack; [] for the root. */
  path: string[];
  /** How the stack is read: its id (ARN) when known, else its physical id / name. */
  ref: string;
  /** DescribeStacks (status, name, parameters); for the root, what the caller passed. */
  stack?: Stack;
  /** Its resources (ListStackResources), once listed; undefined when not listed. */
  resources?: StackResourceSummary[];
}

export interface StackTree {
  root: StackNode;
  /** The nested stacks, depth-first (a parent before its children), without the root. */
  nested: StackNode[];
  /** What could not be read or was left out (bounds, deleted stacks, cycles), one sentence each. */
  warnings: string[];
}

export interface WalkOptions {
  clock: Clock;
  signal?: AbortSignal;
  maxDepth?: number;
  maxStacks?: number;
  maxPages?: number;
  budgetMs?: number;
  /**
   * Called for every stack (the root first) before its resources are listed; false: do not list them (e.g.
   * its template declares no nested stack). Errors it throws are warnings for that stack, like a failed read.
   */
  visit?: (node: StackNode) => Promise<boolean>;
}

/** "Network/Db" (logical ids from the root), or "the root stack". */
export function pathLabel(path: readonly string[]): string {
  return path.length ? path.join('/') : 'the root stack';
}

/** The stack name inside a stack ARN (arn:…:stack/NAME/uuid), else the reference itself (moto: the name). */
export function stackNameOf(ref: string): string {
  return /^arn:[^:]+:cloudformation:[^:]*:[^:]*:stack\/([^/]+)\//.exec(ref)?.[1] ?? ref;
}

function isCancellation(error: unknown, signal: AbortSignal | undefined): boolean {
  return error instanceof CancelledError || (!!signal?.aborted && error === signal.reason);
}

/** A resource of `node` that is a nested stack with a physical id (one CloudFormation created). */
export function nestedStackResources(resources: readonly StackResourceSummary[]): StackResourceSummary[] {
  return resources.filter(
    (resource) =>
      resource.ResourceType === NESTED_STACK_TYPE &&
      !!resource.PhysicalResourceId &&
      !!resource.LogicalResourceId &&
      resource.ResourceStatus !== 'DELETE_COMPLETE',
  );
}

/**
 * Walk the tree under `root` (its id, or name, and the Stack when the caller has it). Depth-first; a stack seen
 * twice (a cycle) is read once. Every call is bounded by what is left of the budget.
 */
export async function walkNestedStacks(
  cfn: CloudFormationClient,
  root: { ref: string; stack?: Stack },
  options: WalkOptions,
): Promise<StackTree> {
  const maxDepth = options.maxDepth ?? NESTED_LIMITS.maxDepth;
  const maxStacks = options.maxStacks ?? NESTED_LIMITS.maxStacks;
  const maxPages = options.maxPages ?? NESTED_LIMITS.maxPages;
  const budgetMs = options.budgetMs ?? NESTED_LIMITS.budgetMs;
  const { clock, signal } = options;
  const deadline = clock.now() + budgetMs;
  const tree: StackTree = { root: { path: [], ref: root.ref, stack: root.stack }, nested: [], warnings: [] };
  const seen = new Set<string>(
    [root.ref, root.stack?.StackId, root.stack?.StackName].filter((id): id is string => !!id),
  );
  let stopped = false;
  const stop = (why: string): void => {
    if (!stopped) tree.warnings.push(why);
    stopped = true;
  };
  const left = (): number => deadline - clock.now();
  const bounded = <T>(work: () => Promise<T>): Promise<T> =>
    beforeDeadline(
      work(),
      left(),
      () => new TimeoutError(`the nested-stack walk ran out of its ${Math.round(budgetMs / 1000)} s budget`),
      signal,
    );

  const listResources = async (ref: string): Promise<StackResourceSummary[]> => {
    const resources: StackResourceSummary[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await bounded(() =>
        cfn.send(new ListStackResourcesCommand({ StackName: ref, NextToken: token })),
      );
      resources.push(...(page.StackResourceSummaries ?? []));
      token = page.NextToken;
      pages++;
    } while (token && pages < maxPages);
    return resources;
  };

  /** Read a stack's resources and walk into its nested stacks; warnings instead of errors. */
  const walk = async (node: StackNode, depth: number): Promise<void> => {
    const where = pathLabel(node.path);
    try {
      if (options.visit && !(await options.visit(node))) return;
      if (stopped) return;
      if (depth >= maxDepth) {
        tree.warnings.push(
          `Nested stacks below ${where} are more than ${maxDepth} levels deep and were not read.`,
        );
        return;
      }
      if (left() <= 0) return stop(`The nested-stack walk stopped at ${where}: its time budget was spent.`);
      node.resources = await listResources(node.ref);
    } catch (error) {
      if (isCancellation(error, signal)) throw error;
      tree.warnings.push(`Could not read ${where}: ${errorMessage(error)}`);
      return;
    }
    for (const resource of nestedStackResources(node.resources)) {
      const physicalId = resource.PhysicalResourceId as string;
      const path = [...node.path, resource.LogicalResourceId as string];
      if (stopped) return;
      if (seen.has(physicalId)) {
        tree.warnings.push(`${pathLabel(path)} is a stack already walked (a cycle): skipped.`);
        continue;
      }
      if (tree.nested.length >= maxStacks)
        return stop(`More than ${maxStacks} nested stacks: the walk stopped at ${pathLabel(path)}.`);
      if (left() <= 0)
        return stop(`The nested-stack walk stopped at ${pathLabel(path)}: its time budget was spent.`);
      seen.add(physicalId);
      let stack: Stack | undefined;
      try {
        stack = await describeStack(cfn, physicalId, bounded);
      } catch (error) {
        if (isCancellation(error, signal)) throw error;
        tree.warnings.push(`Could not read nested stack ${pathLabel(path)}: ${errorMessage(error)}`);
        continue;
      }
      if (!stack) {
        tree.warnings.push(
          `Nested stack ${pathLabel(path)} no longer exists (deleted during the walk): skipped.`,
        );
        continue;
      }
      if (stack.StackId) seen.add(stack.StackId);
      const child: StackNode = { path, ref: stack.StackId ?? physicalId, stack };
      tree.nested.push(child);
      await walk(child, depth + 1);
    }
  };

  await walk(tree.root, 0);
  return tree;
}

/** Is this error CloudFormation's "stack does not exist" (a stack deleted, or never created)? */
export function isStackGone(error: unknown): boolean {
  return awsErrorName(error) === 'ValidationError' && /does not exist/i.test(errorMessage(error));
}
