import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type CloudFormationClient,
  type CreateChangeSetCommandInput,
  type DescribeChangeSetCommandOutput,
  type Change,
} from '@aws-sdk/client-cloudformation';
import type { Clock } from '../clock';
import { awsErrorName } from '../errors';
import { BACKOFF, pollUntil } from '../poll';
import type { Logger } from '../log';

/** Both ways CloudFormation (and moto) say "nothing to do" (M1). */
export const EMPTY_CHANGE_SET_REASON = /didn't contain changes|No updates are to be performed/i;

export function isEmptyChangeSetReason(reason: string | undefined): boolean {
  return EMPTY_CHANGE_SET_REASON.test(reason ?? '');
}

export function isEmptyChangeSetError(e: unknown): boolean {
  return awsErrorName(e) === 'ValidationError' && isEmptyChangeSetReason((e as Error).message);
}

export type CreateResult =
  /** `attempts` > 1: the SDK retried the call, so an earlier attempt may have created a twin whose answer was lost. */
  { kind: 'created'; id: string; stackId?: string; attempts: number } | { kind: 'empty'; reason: string };

/** CreateChangeSet; the moto / UpdateStack-style "No updates are to be performed." ValidationError is an empty result, not an error. */
export async function createChangeSet(
  cfn: CloudFormationClient,
  input: CreateChangeSetCommandInput,
): Promise<CreateResult> {
  try {
    const answer = await cfn.send(new CreateChangeSetCommand(input));
    if (!answer.Id) throw new Error('CreateChangeSet returned no change set id.');
    return {
      kind: 'created',
      id: answer.Id,
      stackId: answer.StackId,
      attempts: answer.$metadata?.attempts ?? 1,
    };
  } catch (e) {
    if (isEmptyChangeSetError(e)) return { kind: 'empty', reason: (e as Error).message };
    throw e;
  }
}

export type ChangeSetState =
  | { kind: 'ready'; description: DescribeChangeSetOutputAll }
  | { kind: 'empty'; reason: string; description: DescribeChangeSetOutputAll }
  | { kind: 'failed'; reason: string; description: DescribeChangeSetOutputAll };

/** DescribeChangeSet with every page of Changes concatenated. */
export type DescribeChangeSetOutputAll = Omit<DescribeChangeSetCommandOutput, '$metadata' | 'NextToken'> & {
  Changes: Change[];
};

export async function describeChangeSetAll(
  cfn: CloudFormationClient,
  changeSetId: string,
  stackName?: string,
  first?: DescribeChangeSetCommandOutput,
  includePropertyValues = true,
): Promise<DescribeChangeSetOutputAll> {
  let page =
    first ??
    (await cfn.send(
      new DescribeChangeSetCommand({
        ChangeSetName: changeSetId,
        StackName: stackName,
        IncludePropertyValues: includePropertyValues,
      }),
    ));
  const { $metadata: _m, NextToken: _n, ...rest } = page;
  const changes: Change[] = [...(page.Changes ?? [])];
  while (page.NextToken) {
    page = await cfn.send(
      new DescribeChangeSetCommand({
        ChangeSetName: changeSetId,
        StackName: stackName,
        NextToken: page.NextToken,
        IncludePropertyValues: includePropertyValues,
      }),
    );
    changes.push(...(page.Changes ?? []));
  }
  return { ...rest, Changes: changes };
}

export interface WaitChangeSetOptions {
  cfn: CloudFormationClient;
  changeSetId: string;
  /** The stack's id once known (CreateChangeSet returns it), else its name. */
  stackName: string;
  /** Stop at once when aborted (the job's cancellation signal). */
  signal?: AbortSignal;
  clock: Clock;
  timeoutMs: number;
  includePropertyValues?: boolean;
}

/**
 * Wait until the change set is created or failed: one immediate poll (an emulator, or a small change set,
 * is often ready at once), then fast-start backoff (1 s, 2 s, 4 s, … ≤ 10 s).
 */
export async function waitForChangeSet(options: WaitChangeSetOptions): Promise<ChangeSetState> {
  const final = await pollUntil({
    what: `change set ${options.changeSetId} of stack ${options.stackName} to be created`,
    timeoutMs: options.timeoutMs,
    clock: options.clock,
    checkFirst: true,
    ...BACKOFF.changeSet,
    signal: options.signal,
    check: async () => {
      const page = await options.cfn.send(
        new DescribeChangeSetCommand({
          ChangeSetName: options.changeSetId,
          StackName: options.stackName,
          IncludePropertyValues: options.includePropertyValues ?? true,
        }),
      );
      return page.Status === 'CREATE_COMPLETE' || page.Status === 'FAILED' ? page : undefined;
    },
  });
  const description = await describeChangeSetAll(
    options.cfn,
    options.changeSetId,
    options.stackName,
    final,
    options.includePropertyValues ?? true,
  );
  if (final.Status === 'FAILED') {
    const reason = final.StatusReason ?? 'no reason given';
    return isEmptyChangeSetReason(reason)
      ? { kind: 'empty', reason, description }
      : { kind: 'failed', reason, description };
  }
  return { kind: 'ready', description };
}

/** Delete a change set and await the call; a change set that is already gone is fine. Never throws: a failure is a warning. */
export async function deleteChangeSet(
  cfn: CloudFormationClient,
  changeSetId: string,
  stackName: string,
  log: Logger,
): Promise<boolean> {
  try {
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackName }));
    log.info(`Deleted change set ${changeSetId} of stack ${stackName}.`);
    return true;
  } catch (e) {
    if (awsErrorName(e) === 'ChangeSetNotFoundException' || awsErrorName(e) === 'ChangeSetNotFound')
      return true;
    log.warning(
      `Could not delete change set ${changeSetId} of stack ${stackName}: ${(e as Error).message}. Delete it by hand.`,
    );
    return false;
  }
}
