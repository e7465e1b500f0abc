/**
 * The drift-aware change set of one stack (REVERT_DRIFT): create it (tracked before the call is sent, see
 * `change-set-tracker.ts`), wait for it, classify it three ways, optionally revert behind the gates, and —
 * always, awaited — delete it unless it was executed.
 */
import {
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type CreateChangeSetCommandInput,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { GuardError } from '../../../src/errors';
import { pollUntil } from '../../../src/poll';
import { renderPlan } from '../../../src/plan';
import { destructiveRefusal } from '../../../src/plan-report';
import { buildParameters } from '../../../src/cfn/parameters';
import { createChangeSet, waitForChangeSet } from '../../../src/cfn/changeset';
import { NOT_CREATED, TrackedChangeSet } from './change-set-tracker';
import { classifyChangeSet, type Classification } from './classify';
import { send } from './detect';
import {
  addStackSecret,
  describeStackOf,
  type ChangeSetResult,
  type DriftDeps,
  type StackResult,
} from './drift';
import type { DriftInputs } from './inputs';

function createInput(
  deps: DriftDeps,
  inputs: DriftInputs,
  stack: Stack,
  parameterNames: string[],
  changeSetName: string,
): CreateChangeSetCommandInput {
  const existing = (stack.Parameters ?? []).map((parameter) => parameter.ParameterKey as string);
  const templateArgs: Partial<CreateChangeSetCommandInput> =
    inputs.template === undefined
      ? { UsePreviousTemplate: true }
      : inputs.template.kind === 'url'
        ? { TemplateURL: inputs.template.url }
        : { TemplateBody: inputs.template.body };
  return {
    StackName: stack.StackName,
    ChangeSetName: changeSetName,
    ChangeSetType: 'UPDATE',
    DeploymentMode: 'REVERT_DRIFT',
    Capabilities: inputs.capabilities,
    Parameters: buildParameters(inputs.parameterOverrides, parameterNames, existing),
    Description: deps.changeSetDescription,
    ...templateArgs,
  };
}

export async function driftAwareChangeSet(
  deps: DriftDeps,
  inputs: DriftInputs,
  stack: Stack,
  parameterNames: string[],
  result: StackResult,
): Promise<void> {
  const { cfn, log, clock } = deps;
  const stackName = result.stack;
  const name = inputs.changeSetNames[stackName] as string;
  const input = createInput(deps, inputs, stack, parameterNames, name);
  log.info(
    `Creating drift-aware change set ${name} (REVERT_DRIFT, ${inputs.template ? 'given template' : 'previous template'}) for stack ${stackName}.`,
  );
  deps.cancel.throwIfCancelled();
  // Registered for cleanup before CreateChangeSet is sent: if its answer is lost, the cleanup deletes by name.
  const tracked = new TrackedChangeSet(deps, stackName, name);
  const changeSet: ChangeSetResult = { name, status: 'ready', changes: [], executed: false, deleted: false };
  try {
    const created = await tracked.create(() => send(clock, () => createChangeSet(cfn, input)));
    if (created.kind === 'empty') {
      result.changeSet = { ...changeSet, status: 'empty', reason: created.reason, deleted: true };
      log.info(
        `Stack ${stackName}: the drift-aware change set is empty (${created.reason.trim()}); nothing to revert.`,
      );
      return;
    }
    changeSet.id = created.id;
    result.changeSet = changeSet;
    await inspectChangeSet(deps, inputs, result, changeSet, tracked);
  } finally {
    if (!changeSet.executed) await removeChangeSet(deps, result, changeSet, tracked);
    tracked.done();
  }
}

/** Delete the change set (awaited) and record what was verified. */
async function removeChangeSet(
  deps: DriftDeps,
  result: StackResult,
  changeSet: ChangeSetResult,
  tracked: TrackedChangeSet,
): Promise<void> {
  const cleanup = await tracked.remove();
  const shown = changeSet.id ?? changeSet.name;
  if (result.changeSet === changeSet) {
    changeSet.deleted = cleanup.ok;
    if (cleanup.ok) deps.log.info(`Deleted change set ${shown} of stack ${result.stack}.`);
  } else if (cleanup.ok && cleanup.detail !== NOT_CREATED) {
    // The create answer was lost: the change set was looked for and deleted by name.
    deps.log.info(`Change set ${shown} of stack ${result.stack}: ${cleanup.detail}.`);
  }
  if (!cleanup.ok) {
    deps.log.warning(`Could not delete change set ${shown} of stack ${result.stack}: ${cleanup.detail}.`);
    result.notes.push(`Change set ${changeSet.name} could not be deleted; delete it by hand.`);
  }
}

/** Wait for the change set, classify it, and revert when asked. */
async function inspectChangeSet(
  deps: DriftDeps,
  inputs: DriftInputs,
  result: StackResult,
  changeSet: ChangeSetResult,
  tracked: TrackedChangeSet,
): Promise<void> {
  const { log } = deps;
  const stackName = result.stack;
  const state = await waitForChangeSet({
    cfn: deps.cfn,
    changeSetId: changeSet.id as string,
    stackName,
    clock: deps.clock,
    timeoutMs: inputs.waitTimeoutMs,
    includePropertyValues: true,
  });
  changeSet.stackDriftStatus = state.description.StackDriftStatus;
  changeSet.deploymentMode = state.description.DeploymentMode;
  const changes = state.description.Changes;
  if (changeSet.stackDriftStatus === 'DRIFTED') result.drifted = true;
  if (state.kind === 'empty') {
    changeSet.status = 'empty';
    changeSet.reason = state.reason;
    log.info(
      `Stack ${stackName}: the drift-aware change set has no changes (${state.reason.trim()}); nothing to revert.`,
    );
    return;
  }
  if (state.kind === 'failed') {
    changeSet.status = 'failed';
    changeSet.reason = state.reason;
    throw new GuardError(
      `The drift-aware change set ${changeSet.name} for stack ${stackName} failed: ${state.reason}`,
    );
  }
  const classification = classifyChangeSet(
    changes,
    { noEchoParameters: result.noEchoParameters },
    changeSet.stackDriftStatus,
  );
  // Kept for the plan only once they classified cleanly (an unexpected shape must not break the report).
  changeSet.changes = changes;
  for (const value of classification.secretValues) addStackSecret(deps, result, value);
  result.classification = classification;
  if (classification.drifted) result.drifted = true;
  const counts = classification.counts;
  log.info(
    `Stack ${stackName}: ${changeSet.changes.length} change(s); ${counts.overwrite} overwrite, ${counts.revert} revert, ${counts.sync} sync, ${counts.recreate} recreate.`,
  );
  for (const row of classification.rows.filter((candidate) => candidate.verdict === 'overwrite')) {
    log.warning(
      `Stack ${stackName}: ${row.logicalId}.${row.property} would be overwritten: previous ${row.previous ?? '(unset)'}, live ${row.live ?? '(unset)'}, proposed ${row.proposed ?? '(unset)'} (D1).`,
    );
  }
  if (inputs.revert) await revertDrift(deps, inputs, result, changeSet, tracked);
}

/** Execute the drift-aware change set, behind fail-on: overwrite and the destructive-change gate (H2). */
async function revertDrift(
  deps: DriftDeps,
  inputs: DriftInputs,
  result: StackResult,
  changeSet: ChangeSetResult,
  tracked: TrackedChangeSet,
): Promise<void> {
  const { cfn, log, clock } = deps;
  const stackName = result.stack;
  const classification = result.classification as Classification;
  if (classification.counts.overwrite > 0 && inputs.failOn === 'overwrite') {
    result.refusal = `Not reverting stack ${stackName}: the change set would overwrite ${classification.counts.overwrite} live value(s) that differ from both the previous template and the proposed one (fail-on: overwrite). Update the template, or set fail-on: never to revert anyway.`;
    log.warning(result.refusal);
    return;
  }
  const plan = renderPlan({
    changeSets: [{ stackName, changeSetName: changeSet.name, changes: changeSet.changes }],
    header: { stack: stackName, environment: inputs.environment },
    secrets: result.secrets,
    noEchoParameters: result.noEchoParameters,
    allowList: inputs.destructiveAllowList,
  });
  const refusal = destructiveRefusal(
    plan,
    inputs.allowDestructive,
    `drift-aware change set ${changeSet.name} of stack ${stackName}`,
  );
  if (refusal) {
    result.refusal = refusal;
    throw new GuardError(refusal);
  }
  log.info(`Reverting drift of stack ${stackName}: executing change set ${changeSet.name}.`);
  // ExecuteChangeSet is asynchronous: the stack may still show its previous final state for a moment, so a
  // final status only counts once the update has visibly started (in progress seen or LastUpdatedTime moved).
  const before = (await describeStackOf(deps, stackName))?.LastUpdatedTime?.getTime() ?? 0;
  let sawProgress = false;
  deps.cancel.throwIfCancelled();
  await tracked.execute(() =>
    send(clock, () =>
      cfn.send(
        new ExecuteChangeSetCommand({
          ChangeSetName: changeSet.id,
          StackName: stackName,
          ClientRequestToken: `${changeSet.name}-exec`.slice(0, 128),
        }),
      ),
    ),
  );
  changeSet.executed = true;
  const final = await pollUntil<Stack>({
    what: `stack ${stackName} to finish reverting drift`,
    timeoutMs: inputs.waitTimeoutMs,
    clock,
    checkFirst: false,
    initialMs: 2000,
    factor: 1.5,
    maxMs: 15_000,
    check: async () => {
      const current = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
      if (!current || current.StackStatus?.endsWith('_IN_PROGRESS')) {
        sawProgress = true;
        return undefined;
      }
      return sawProgress || (current.LastUpdatedTime?.getTime() ?? 0) !== before ? current : undefined;
    },
  });
  result.stackStatus = final.StackStatus;
  if (final.StackStatus !== 'UPDATE_COMPLETE') {
    throw new GuardError(
      `Reverting drift of stack ${stackName} failed: it ended in ${final.StackStatus}${final.StackStatusReason ? ` (${final.StackStatusReason})` : ''}.`,
    );
  }
  result.notes.push(`Drift reverted: change set ${changeSet.name} executed; the stack is UPDATE_COMPLETE.`);
  log.info(`Stack ${stackName}: drift reverted (UPDATE_COMPLETE).`);
}
