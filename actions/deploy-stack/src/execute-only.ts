/**
 * execute-only (P1): run exactly the reviewed change set — resolved to its id, its changes hashed again and
 * compared with the digest its plan recorded (and with expected-plan-digest), still CREATE_COMPLETE/AVAILABLE,
 * of this stack, and the stack unchanged since it was created. The destructive gate runs again in run.ts.
 */
import type { Stack } from '@aws-sdk/client-cloudformation';
import { describeChangeSetAll, type DescribeChangeSetOutputAll } from '../../../src/cfn/changeset';
import { recordedPlanDigest } from '../../../src/cfn/plan-digest';
import { awsErrorName, GuardError } from '../../../src/errors';
import { planDigestOf } from './gate';
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

/**
 * P1: the change set is the reviewed plan. Its changes are hashed again (as they are now) and must match the
 * digest its create-only plan recorded in its description, and expected-plan-digest when given (required for a
 * change set given by name: a name can be reused by a different change set). Returns the digest.
 */
export async function verifyPlanDigest(
  deps: Pick<DeployDeps, 'cfn'>,
  inputs: Pick<DeployInputs, 'stackName' | 'expectedPlanDigest' | 'executeChangeSetId'>,
  changeSet: DescribeChangeSetOutputAll,
): Promise<string> {
  const label = `Change set ${changeSet.ChangeSetName ?? inputs.executeChangeSetId} (${changeSet.ChangeSetId})`;
  const recorded = recordedPlanDigest(changeSet.Description);
  if (!recorded) {
    throw new GuardError(
      `${label} carries no plan digest of guarded-deploy: it was not created by a create-only plan of this action. Create a plan with mode: create-only, review it, then execute that.`,
    );
  }
  const digest = await planDigestOf(deps.cfn, changeSet, inputs.stackName);
  if (digest !== recorded) {
    throw new GuardError(
      `${label} is not the reviewed plan: its changes hash to ${digest}, but its plan recorded ${recorded}. Create a new plan.`,
    );
  }
  if (inputs.expectedPlanDigest && digest !== inputs.expectedPlanDigest) {
    throw new GuardError(
      `${label} is not the reviewed plan: its changes hash to ${digest}, but expected-plan-digest is ${inputs.expectedPlanDigest}. Create a new plan and review it.`,
    );
  }
  return digest;
}
