/**
 * CloudFormation StackSet reads and waits shared by deploy-stackset and drift-check (`stack-sets:`): every
 * listing paginated to the end (or a bound it says), and every wait bounded by one deadline (T1) and stopped
 * by the job's cancellation.
 */
import {
  DescribeStackSetCommand,
  DescribeStackSetOperationCommand,
  ListStackInstancesCommand,
  ListStackSetOperationResultsCommand,
  ListStackSetOperationsCommand,
  type CloudFormationClient,
  type StackInstanceSummary,
  type StackSet,
  type StackSetOperation,
  type StackSetOperationResultSummary,
  type StackSetOperationSummary,
} from '@aws-sdk/client-cloudformation';
import type { Cancellation } from '../cancel';
import type { Clock } from '../clock';
import { awsErrorName, TimeoutError } from '../errors';
import type { Logger } from '../log';
import { BACKOFF, pollUntil } from '../poll';

/** What the reads and waits need. */
export interface StackSetReadDeps {
  cfn: CloudFormationClient;
  log: Logger;
  clock: Clock;
  cancel: Cancellation;
}

/** What every call names: the stack set and who calls (SELF or DELEGATED_ADMIN). */
export interface StackSetRef {
  StackSetName: string;
  CallAs: 'SELF' | 'DELEGATED_ADMIN';
}

/** Operation statuses that mean "still going": the stack set is busy. */
export const ACTIVE_STATUSES = new Set(['RUNNING', 'QUEUED', 'STOPPING']);

/** Most pages read from one listing (a stack set with thousands of operations is read in part, newest first). */
const MAX_PAGES = 50;

async function allPages<T>(
  page: (token: string | undefined) => Promise<{ items?: T[]; next?: string }>,
  maxPages = MAX_PAGES,
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  for (let index = 0; index < maxPages; index++) {
    const answer = await page(token);
    items.push(...(answer.items ?? []));
    token = answer.next;
    if (!token) break;
  }
  return items;
}

/** The stack set, or undefined when it does not exist (StackSetNotFoundException). */
export async function readStackSet(
  deps: Pick<StackSetReadDeps, 'cfn'>,
  ref: StackSetRef,
): Promise<StackSet | undefined> {
  try {
    return (await deps.cfn.send(new DescribeStackSetCommand(ref))).StackSet;
  } catch (error) {
    if (awsErrorName(error) === 'StackSetNotFoundException') return undefined;
    throw error;
  }
}

export function listInstances(
  deps: Pick<StackSetReadDeps, 'cfn'>,
  ref: StackSetRef,
): Promise<StackInstanceSummary[]> {
  return allPages(async (NextToken) => {
    const answer = await deps.cfn.send(new ListStackInstancesCommand({ ...ref, NextToken }));
    return { items: answer.Summaries, next: answer.NextToken };
  });
}

export function listOperations(
  deps: Pick<StackSetReadDeps, 'cfn'>,
  ref: StackSetRef,
): Promise<StackSetOperationSummary[]> {
  return allPages(async (NextToken) => {
    const answer = await deps.cfn.send(new ListStackSetOperationsCommand({ ...ref, NextToken }));
    return { items: answer.Summaries, next: answer.NextToken };
  });
}

export async function describeOperation(
  deps: Pick<StackSetReadDeps, 'cfn'>,
  ref: StackSetRef,
  OperationId: string,
): Promise<StackSetOperation> {
  const answer = await deps.cfn.send(new DescribeStackSetOperationCommand({ ...ref, OperationId }));
  return answer.StackSetOperation ?? { OperationId };
}

export function listResults(
  deps: Pick<StackSetReadDeps, 'cfn'>,
  ref: StackSetRef,
  OperationId: string,
): Promise<StackSetOperationResultSummary[]> {
  return allPages(async (NextToken) => {
    const answer = await deps.cfn.send(
      new ListStackSetOperationResultsCommand({ ...ref, OperationId, NextToken }),
    );
    return { items: answer.Summaries, next: answer.NextToken };
  });
}

/** The step's overall deadline: every wait gets what is left of it. */
export interface Deadline {
  start: number;
  ms: number;
}

export function timeLeft(deps: Pick<StackSetReadDeps, 'clock'>, deadline: Deadline): number {
  return deadline.start + deadline.ms - deps.clock.now();
}

function describe(summary: StackSetOperationSummary): string {
  const started = summary.CreationTimestamp
    ? `, started ${new Date(summary.CreationTimestamp).toISOString()}`
    : '';
  return `${summary.OperationId} (${summary.Action ?? 'operation'}, ${summary.Status}${started})`;
}

/**
 * Wait until no operation is running on the stack set. Each running operation is named once in the log.
 * Returns the operations waited for (empty when the stack set was idle).
 */
export async function waitForIdle(
  deps: StackSetReadDeps,
  ref: StackSetRef,
  deadline: Deadline,
  label: (operation: StackSetOperationSummary) => string = () => 'another operation',
): Promise<StackSetOperationSummary[]> {
  const seen = new Map<string, StackSetOperationSummary>();
  const remaining = timeLeft(deps, deadline);
  if (remaining <= 0)
    throw new TimeoutError(
      `No time left (wait-timeout-minutes) to wait for stack set ${ref.StackSetName} to be idle.`,
    );
  await pollUntil({
    ...BACKOFF.stackOperation,
    what: `stack set ${ref.StackSetName} to finish the operation(s) running on it (named above)`,
    timeoutMs: remaining,
    clock: deps.clock,
    signal: deps.cancel.signal,
    check: async () => {
      const busy = (await listOperations(deps, ref)).filter((operation) =>
        ACTIVE_STATUSES.has(operation.Status ?? ''),
      );
      for (const operation of busy) {
        if (seen.has(operation.OperationId ?? '')) continue;
        seen.set(operation.OperationId ?? '', operation);
        deps.log.info(
          `Stack set ${ref.StackSetName} is busy: waiting for ${label(operation)} ${describe(operation)} to finish (at most ${Math.round(remaining / 60_000)} min, wait-timeout-minutes).`,
        );
      }
      return busy.length === 0 ? true : undefined;
    },
  });
  return [...seen.values()];
}

/** Wait for one operation to finish; returns it as CloudFormation describes it at the end. */
export async function waitForOperation(
  deps: StackSetReadDeps,
  ref: StackSetRef,
  operationId: string,
  deadline: Deadline,
): Promise<StackSetOperation> {
  const remaining = Math.max(1, timeLeft(deps, deadline));
  let last: StackSetOperation | undefined;
  return pollUntil({
    ...BACKOFF.stackOperation,
    what: `stack set operation ${operationId} on ${ref.StackSetName} to finish`,
    timeoutMs: remaining,
    clock: deps.clock,
    signal: deps.cancel.signal,
    check: async () => {
      const operation = await describeOperation(deps, ref, operationId);
      if (operation.Status !== last?.Status)
        deps.log.info(
          `Operation ${operationId} (${operation.Action ?? 'operation'}): ${operation.Status ?? 'unknown'}.`,
        );
      last = operation;
      return ACTIVE_STATUSES.has(operation.Status ?? '') ? undefined : operation;
    },
  });
}
