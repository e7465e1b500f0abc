/**
 * renderPlan: the change set (and nested stacks' change sets) rendered by the shared plan renderer, with
 * NoEcho values masked (C3). gate: in create-and-execute mode, refuse destructive changes that are not
 * allowed (H2).
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeChangeSetAll, type DescribeChangeSetOutputAll } from '../../../src/cfn/changeset';
import type { NoEchoMasking } from '../../../src/cfn/noecho';
import { planDigest } from '../../../src/cfn/plan-digest';
import {
  renderPlan as renderSharedPlan,
  runUrlFromEnv,
  type PlanChangeSet,
  type PlanResult,
} from '../../../src/plan';
import { destructiveRefusal } from '../../../src/plan-report';
import type { Logger } from '../../../src/log';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';

/** Read nested stacks' change sets (include-nested-stacks-change-set), depth-first, with their parent path. */
export async function collectChangeSets(
  cfn: CloudFormationClient,
  root: DescribeChangeSetOutputAll,
  stackName: string,
  nested: boolean,
  parentPath: string[] = [],
  depth = 0,
): Promise<PlanChangeSet[]> {
  const collected: PlanChangeSet[] = [
    {
      stackName,
      changeSetName: root.ChangeSetName,
      changes: root.Changes,
      parentPath,
      status: root.Status,
      statusReason: root.StatusReason,
    },
  ];
  if (!nested || depth > 5) return collected;
  for (const change of root.Changes) {
    const resource = change.ResourceChange;
    if (
      resource?.ResourceType === 'AWS::CloudFormation::Stack' &&
      resource.ChangeSetId &&
      resource.LogicalResourceId
    ) {
      const child = await describeChangeSetAll(cfn, resource.ChangeSetId);
      collected.push(
        ...(await collectChangeSets(
          cfn,
          child,
          resource.LogicalResourceId,
          true,
          [...parentPath, stackName],
          depth + 1,
        )),
      );
    }
  }
  return collected;
}

/**
 * P1: the digest of a change set's plan — its changes and, when it was created with nested stacks, theirs.
 * Whether nested change sets count is the change set's own setting, so a plan and its execute-only agree.
 */
export async function planDigestOf(
  cfn: CloudFormationClient,
  changeSet: DescribeChangeSetOutputAll,
  stackName: string,
): Promise<string> {
  const sets = await collectChangeSets(cfn, changeSet, stackName, changeSet.IncludeNestedStacks === true);
  return planDigest(
    sets.map((set, index) => ({
      path: [...(set.parentPath ?? []), set.stackName],
      changes: set.changes,
      parameters: index === 0 ? changeSet.Parameters : undefined,
    })),
  );
}

export interface PlanContext {
  accountId: string | undefined;
  masking: NoEchoMasking;
}

/** Render the plan of a change set (summary and comment forms). */
export async function renderPlan(
  deps: Pick<DeployDeps, 'cfn' | 'env'>,
  inputs: DeployInputs,
  changeSet: DescribeChangeSetOutputAll,
  context: PlanContext,
): Promise<PlanResult> {
  const changeSets = await collectChangeSets(
    deps.cfn,
    changeSet,
    inputs.stackName,
    inputs.includeNestedStacks,
  );
  return renderSharedPlan({
    changeSets,
    header: {
      stack: inputs.stackName,
      environment: inputs.environment,
      account: context.accountId,
      region: inputs.region,
      changeSetName: changeSet.ChangeSetName ?? inputs.changeSetName,
      commit: deps.env.GITHUB_SHA,
      runUrl: runUrlFromEnv(deps.env),
    },
    secrets: context.masking.secrets,
    noEchoParameters: context.masking.noEchoParameters,
    allowList: inputs.destructiveAllowList,
  });
}

/**
 * H2: the reason to refuse executing this plan, or undefined. create-only never executes; create-and-execute
 * and execute-only (P1: the reviewed change set is checked again, as it is now) refuse destructive changes that
 * are neither allowed (allow-destructive) nor allow-listed.
 */
export function gate(
  inputs: DeployInputs,
  plan: PlanResult,
  changeSet: DescribeChangeSetOutputAll,
): string | undefined {
  if (inputs.mode === 'create-only') return undefined;
  return destructiveRefusal(
    plan,
    inputs.allowDestructive,
    `change set ${changeSet.ChangeSetName} for stack ${inputs.stackName}`,
    inputs.mode === 'execute-only'
      ? ''
      : 'plan it with mode: create-only and, once reviewed, run execute-only with allow-destructive: true',
  );
}

/**
 * N1/H2: without include-nested-stacks-change-set, CloudFormation plans a nested stack as one "Modify" of an
 * AWS::CloudFormation::Stack resource — what changes inside it (a replaced database) is not in the plan, so the
 * gate cannot see it. Say so, on every plan where that blind spot exists.
 */
export function nestedBlindSpot(
  inputs: DeployInputs,
  changeSet: DescribeChangeSetOutputAll,
): string | undefined {
  if (inputs.includeNestedStacks) return undefined;
  const nested = changeSet.Changes.flatMap((change) =>
    change.ResourceChange?.ResourceType === 'AWS::CloudFormation::Stack' &&
    change.ResourceChange.Action === 'Modify'
      ? [change.ResourceChange.LogicalResourceId ?? '?']
      : [],
  );
  if (!nested.length) return undefined;
  return `The plan changes ${nested.length} nested stack(s) (${nested.slice(0, 5).join(', ')}${nested.length > 5 ? ', …' : ''}) without showing what changes inside them, so destructive changes there are not gated (H2): set include-nested-stacks-change-set: true to plan and gate them.`;
}

/** Warn about the nested-stack blind spot (annotation and a note in the summary). */
export function noteNestedBlindSpot(
  log: Pick<Logger, 'warning'>,
  inputs: DeployInputs,
  changeSet: DescribeChangeSetOutputAll,
  notes: string[],
): void {
  const blindSpot = nestedBlindSpot(inputs, changeSet);
  if (!blindSpot) return;
  log.warning(blindSpot);
  notes.push(blindSpot);
}
