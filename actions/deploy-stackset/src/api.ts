/**
 * The StackSet reads deploy-stackset makes (every one paginated to the end, or to a bound it says), and the
 * dependencies every step takes. Mutating calls live in `operations.ts`.
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
import type { Cancellation } from '../../../src/cancel';
import type { Clock } from '../../../src/clock';
import { awsErrorName } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import type { StsOps } from '../../deploy-stack/src/aws-extra';

export interface StackSetDeps {
  cfn: CloudFormationClient;
  sts: () => Promise<StsOps>;
  log: Logger;
  clock: Clock;
  cancel: Cancellation;
  env: NodeJS.ProcessEnv;
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
  deps: Pick<StackSetDeps, 'cfn'>,
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
  deps: Pick<StackSetDeps, 'cfn'>,
  ref: StackSetRef,
): Promise<StackInstanceSummary[]> {
  return allPages(async (NextToken) => {
    const answer = await deps.cfn.send(new ListStackInstancesCommand({ ...ref, NextToken }));
    return { items: answer.Summaries, next: answer.NextToken };
  });
}

export function listOperations(
  deps: Pick<StackSetDeps, 'cfn'>,
  ref: StackSetRef,
): Promise<StackSetOperationSummary[]> {
  return allPages(async (NextToken) => {
    const answer = await deps.cfn.send(new ListStackSetOperationsCommand({ ...ref, NextToken }));
    return { items: answer.Summaries, next: answer.NextToken };
  });
}

export async function describeOperation(
  deps: Pick<StackSetDeps, 'cfn'>,
  ref: StackSetRef,
  OperationId: string,
): Promise<StackSetOperation> {
  const answer = await deps.cfn.send(new DescribeStackSetOperationCommand({ ...ref, OperationId }));
  return answer.StackSetOperation ?? { OperationId };
}

export function listResults(
  deps: Pick<StackSetDeps, 'cfn'>,
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

/** `account/region` (service-managed instances also name their OU). */
export function targetKey(target: { Account?: string; Region?: string }): string {
  return `${target.Account ?? '?'}/${target.Region ?? '?'}`;
}
