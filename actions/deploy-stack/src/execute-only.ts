/**
 * execute-only: run exactly the reviewed change set, only if it is still AVAILABLE, belongs to this stack,
 * and the stack has not changed since it was created (P1).
 */
import type { Stack } from '@aws-sdk/client-cloudformation';
import { describeChangeSetAll, type DescribeChangeSetOutputAll } from '../../../src/cfn/changeset';
import { awsErrorName, GuardError } from '../../../src/errors';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';
import { readStack } from './stack-state';
import { isTerminal } from './status';

export interface ReviewedChangeSet {
  changeSet: DescribeChangeSetOutputAll;
  /** The stack now (undefined: the change set creates it). */
  stack: Stack | undefined;
  type: 'CREATE' | 'UPDATE';
}

/** Read the reviewed change set (a failed read is thrown with the change set as far as it was read). */
export async function readReviewedChangeSet(
  deps: Pick<DeployDeps, 'cfn'>,
  inputs: DeployInputs,
): Promise<DescribeChangeSetOutputAll> {
  const id = inputs.executeChangeSetId as string;
  try {
    return await describeChangeSetAll(deps.cfn, id, inputs.stackName);
  } catch (e) {
    if (awsErrorName(e) === 'ChangeSetNotFoundException' || awsErrorName(e) === 'ChangeSetNotFound') {
      throw new GuardError(
        `Change set ${id} of stack ${inputs.stackName} no longer exists; create a new plan.`,
      );
    }
    throw e;
  }
}

/** Every check before executing a reviewed change set; returns what execute needs. Throws GuardError. */
export async function checkReviewedChangeSet(
  deps: Pick<DeployDeps, 'cfn'>,
  inputs: DeployInputs,
  changeSet: DescribeChangeSetOutputAll,
): Promise<ReviewedChangeSet> {
  const id = inputs.executeChangeSetId as string;
  const { stackName } = inputs;
  if (changeSet.StackName && changeSet.StackName !== stackName) {
    throw new GuardError(`Change set ${id} belongs to stack ${changeSet.StackName}, not ${stackName}.`);
  }
  if (changeSet.ExecutionStatus !== 'AVAILABLE' || changeSet.Status !== 'CREATE_COMPLETE') {
    throw new GuardError(
      `Change set ${changeSet.ChangeSetName ?? id} cannot be executed: its status is ${changeSet.Status}/${changeSet.ExecutionStatus}${changeSet.StatusReason ? ` (${changeSet.StatusReason})` : ''}. It was executed, failed or went stale; create a new plan.`,
    );
  }
  const stack = await readStack(deps, changeSet.StackId ?? stackName);
  const changed =
    stack?.LastUpdatedTime ?? (stack?.StackStatus === 'REVIEW_IN_PROGRESS' ? undefined : stack?.CreationTime);
  if (stack && changed && changeSet.CreationTime && changed.getTime() > changeSet.CreationTime.getTime()) {
    throw new GuardError(
      `Stack ${stackName} changed at ${changed.toISOString()}, after change set ${changeSet.ChangeSetName} was created (${changeSet.CreationTime.toISOString()}); the reviewed plan is stale. Create a new plan.`,
    );
  }
  if (stack && !isTerminal(stack.StackStatus)) {
    throw new GuardError(`Stack ${stackName} is ${stack.StackStatus}; another operation is running.`);
  }
  const type = stack && stack.StackStatus !== 'REVIEW_IN_PROGRESS' ? 'UPDATE' : 'CREATE';
  return { changeSet, stack, type };
}
