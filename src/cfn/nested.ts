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
import { awsErrorName, CancelledError, errorMessage, GuardError, TimeoutError } from '../errors';
import { beforeDeadline, mapLimit } from '../poll';
import { describeStack } from './stack';

export const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack';

/** The bounds of a walk. Nested stacks deeper than `maxDepth` levels below the root are not read. */
export const NESTED_LIMITS = {
  maxDepth: 5,
  maxStacks: 50,
  maxPages: 10,
  budgetMs: 60_000,
  /** Sibling nested stacks read at once. */
  concurrency: 4,
} as const;

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
  concurrency?: number;
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
  const concurrency = options.concurrency ?? NESTED_LIMITS.concurrency;
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
  const bounded = <T>(work: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    return beforeDeadline(
      work(),
      left(),
      () => new TimeoutError(`the nested-stack walk ran out of its ${Math.round(budgetMs / 1000)} s budget`),
      signal,
    );
  };

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

  let counted = 0;
  /** One nested stack: checks, DescribeStacks, then its own subtree — the nodes, parent first; [] when left out. */
  const walkChild = async (
    resource: StackResourceSummary,
    parent: StackNode,
    depth: number,
  ): Promise<StackNode[]> => {
    const physicalId = resource.PhysicalResourceId as string;
    const path = [...parent.path, resource.LogicalResourceId as string];
    if (stopped) return [];
    if (seen.has(physicalId)) {
      tree.warnings.push(`${pathLabel(path)} is a stack already walked (a cycle): skipped.`);
      return [];
    }
    if (counted >= maxStacks) {
      stop(`More than ${maxStacks} nested stacks: the walk stopped at ${pathLabel(path)}.`);
      return [];
    }
    if (left() <= 0) {
      stop(`The nested-stack walk stopped at ${pathLabel(path)}: its time budget was spent.`);
      return [];
    }
    seen.add(physicalId);
    counted++;
    let stack: Stack | undefined;
    try {
      stack = await describeStack(cfn, physicalId, bounded);
    } catch (error) {
      if (isCancellation(error, signal)) throw error;
      tree.warnings.push(`Could not read nested stack ${pathLabel(path)}: ${errorMessage(error)}`);
      return [];
    }
    if (!stack) {
      tree.warnings.push(
        `Nested stack ${pathLabel(path)} no longer exists (deleted during the walk): skipped.`,
      );
      return [];
    }
    if (stack.StackId) seen.add(stack.StackId);
    const child: StackNode = { path, ref: stack.StackId ?? physicalId, stack };
    return [child, ...(await walk(child, depth + 1))];
  };

  /**
   * Read a stack's resources and walk into its nested stacks (`concurrency` siblings at a time); the nodes
   * below it, depth-first in the order its resources were listed. Warnings instead of errors.
   */
  const walk = async (node: StackNode, depth: number): Promise<StackNode[]> => {
    const where = pathLabel(node.path);
    try {
      if (options.visit && !(await options.visit(node))) return [];
      if (stopped) return [];
      if (depth >= maxDepth) {
        tree.warnings.push(
          `Nested stacks below ${where} are more than ${maxDepth} levels deep and were not read.`,
        );
        return [];
      }
      if (left() <= 0) {
        stop(`The nested-stack walk stopped at ${where}: its time budget was spent.`);
        return [];
      }
      node.resources = await listResources(node.ref);
    } catch (error) {
      if (isCancellation(error, signal)) throw error;
      tree.warnings.push(`Could not read ${where}: ${errorMessage(error)}`);
      return [];
    }
    const subtrees = await mapLimit(nestedStackResources(node.resources), concurrency, (resource) =>
      walkChild(resource, node, depth),
    );
    return subtrees.flatMap((subtree) => {
      if (subtree.status === 'rejected') throw subtree.reason; // only cancellation is rethrown below
      return subtree.value;
    });
  };

  tree.nested = await walk(tree.root, 0);
  return tree;
}

/** Is this error CloudFormation's "stack does not exist" (a stack deleted, or never created)? */
export function isStackGone(error: unknown): boolean {
  return awsErrorName(error) === 'ValidationError' && /does not exist/i.test(errorMessage(error));
}

/** A resource that failed to roll back (UPDATE_FAILED), and the ResourcesToSkip entry that skips it. */
export interface RollbackBlocker {
  /** The stack it is in (logical ids from the root; [] the root). */
  path: string[];
  logicalId: string;
  type: string;
  reason: string;
  /** `LogicalId` in the root; `NestedStackName.LogicalId` in a nested stack (CloudFormation's format). */
  skip: string;
}

/** The name CloudFormation knows a stack of the tree by (the root: `rootName`). */
function nodeName(node: StackNode, rootName: string): string {
  return node.path.length ? (node.stack?.StackName ?? stackNameOf(node.ref)) : rootName;
}

/**
 * Resources that failed to roll back (UPDATE_FAILED) anywhere in the tree. A nested stack resource whose
 * stack was walked is left out: the resources inside it are what blocks, and what can be skipped.
 */
export function rollbackBlockers(tree: StackTree, rootName: string): RollbackBlocker[] {
  const walked = new Set(tree.nested.map((node) => node.path.join('/')));
  const blockers: RollbackBlocker[] = [];
  for (const node of [tree.root, ...tree.nested]) {
    for (const resource of node.resources ?? []) {
      if (resource.ResourceStatus !== 'UPDATE_FAILED' || !resource.LogicalResourceId) continue;
      const path = [...node.path, resource.LogicalResourceId];
      if (resource.ResourceType === NESTED_STACK_TYPE && walked.has(path.join('/'))) continue;
      blockers.push({
        path: node.path,
        logicalId: resource.LogicalResourceId,
        type: resource.ResourceType ?? 'unknown type',
        reason: resource.ResourceStatusReason ?? 'no reason given',
        skip: node.path.length
          ? `${nodeName(node, rootName)}.${resource.LogicalResourceId}`
          : resource.LogicalResourceId,
      });
    }
  }
  return blockers;
}

/** One line per blocker: where it is, why, and the resources-to-skip entry that skips it. */
export function describeBlockers(blockers: readonly RollbackBlocker[], max = 10): string {
  const lines = blockers
    .slice(0, max)
    .map(
      (blocker) =>
        `${[...blocker.path, blocker.logicalId].join('/')} (${blocker.type}): ${blocker.reason} [skip: ${blocker.skip}]`,
    );
  if (blockers.length > max) lines.push(`and ${blockers.length - max} more`);
  return lines.join('; ');
}

/**
 * `resources-to-skip` entries as ContinueUpdateRollback takes them. `LogicalId` (the root's) and
 * `NestedStackName.LogicalId` pass as given; `Path/To/Nested.LogicalId` (logical ids from the root) becomes
 * `NestedStackName.LogicalId`. Refused (the reason is thrown as a sentence, before any call): an entry naming
 * no stack of the tree when the walk was complete, a resource its stack does not have, and a nested stack
 * resource whose stack is not being deleted (CloudFormation skips those only in DELETE_IN_PROGRESS,
 * DELETE_COMPLETE or DELETE_FAILED). Throws GuardError.
 */
export function resolveSkips(
  entries: readonly string[],
  tree: StackTree,
  rootName: string,
): { skips: string[]; notes: string[] } {
  const nodes = [tree.root, ...tree.nested];
  const complete = tree.warnings.length === 0;
  const byPath = new Map(nodes.map((node) => [node.path.join('/'), node]));
  const byName = new Map(nodes.map((node) => [nodeName(node, rootName), node]));
  const skips: string[] = [];
  const notes: string[] = [];
  for (const entry of entries) {
    const dot = entry.lastIndexOf('.');
    const prefix = dot < 0 ? '' : entry.slice(0, dot);
    const logicalId = entry.slice(dot + 1);
    const node = dot < 0 ? tree.root : (byName.get(prefix) ?? byPath.get(prefix));
    if (!node) {
      if (complete) {
        const known = tree.nested.map(
          (nested) => `${pathLabel(nested.path)} (${nodeName(nested, rootName)})`,
        );
        throw new GuardError(
          `resources-to-skip: '${entry}' names no nested stack of ${rootName}: use NestedStackName.LogicalId or Path/To/Nested.LogicalId; nested stacks: ${known.join(', ') || 'none'}.`,
        );
      }
      notes.push(
        `'${entry}': no nested stack by that name or path was read (the walk was incomplete); passed on as given.`,
      );
      skips.push(entry);
      continue;
    }
    const resource = node.resources?.find((candidate) => candidate.LogicalResourceId === logicalId);
    if (node.resources && !resource) {
      throw new GuardError(
        `resources-to-skip: '${entry}': ${pathLabel(node.path)} has no resource ${logicalId}.`,
      );
    }
    if (resource?.ResourceType === NESTED_STACK_TYPE) {
      const inner = tree.nested.find(
        (nested) => nested.path.join('/') === [...node.path, logicalId].join('/'),
      );
      const status = inner?.stack?.StackStatus;
      if (status && !status.startsWith('DELETE_')) {
        throw new GuardError(
          `resources-to-skip: '${entry}' is a nested stack in ${status}: CloudFormation skips a nested stack resource only while its stack is being deleted or deleted (DELETE_IN_PROGRESS, DELETE_COMPLETE, DELETE_FAILED); skip the resources inside it that block the rollback instead.`,
        );
      }
    }
    skips.push(node.path.length ? `${nodeName(node, rootName)}.${logicalId}` : logicalId);
  }
  return { skips, notes };
}
