/**
 * The drift-aware change set of one stack (REVERT_DRIFT): create it (tracked before the call is sent, by the
 * shared lifecycle in src/cfn/lifecycle.ts), wait for it, classify it three ways, optionally revert behind the
 * gates, and — always, awaited — delete it unless it was executed.
 */
import {
  ExecuteChangeSetCommand,
  type CreateChangeSetCommandInput,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { GuardError } from '../../../src/errors';
import { BACKOFF } from '../../../src/poll';
import { renderPlan } from '../../../src/plan';
import { destructiveRefusal } from '../../../src/plan-report';
import { buildParameters } from '../../../src/cfn/parameters';
import { waitForChangeSet } from '../../../src/cfn/changeset';
import { trackChangeSet, type TrackedChangeSet } from '../../../src/cfn/lifecycle';
import { EXECUTION_FINAL, waitForOwnOperation } from '../../../src/cfn/own-operation';
import { classifyChangeSet, type Classification } from './classify';
import { isFedDetail, redactFedChanges } from './noecho-feeds';
import { send } from './detect';
import {
  addStackSecret,
  describeStackOf,
  type ChangeSetResult,
  type DriftDeps,
  type StackResult,
} from './drift';
import type { DriftInputs } from './inputs';

/** One stack's drift-aware change set on its way: what every step below reads and records into. */
interface ChangeSetRun {
  deps: DriftDeps;
  inputs: DriftInputs;
  result: StackResult;
  changeSet: ChangeSetResult;
  tracked: TrackedChangeSet;
}

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
  const stackName = result.stack;
  const name = inputs.changeSetNames[stackName] as string;
  const input = createInput(deps, inputs, stack, parameterNames, name);
  deps.log.info(
    `Creating drift-aware change set ${name} (REVERT_DRIFT, ${inputs.template ? 'given template' : 'previous template'}) for stack ${stackName}.`,
  );
  // Registered for cleanup before CreateChangeSet is sent: if its answer is lost, the cleanup deletes by name.
  const tracked = trackChangeSet(deps, stackName, name);
  const changeSet: ChangeSetResult = { name, status: 'ready', changes: [], executed: false, deleted: false };
  const run: ChangeSetRun = { deps, inputs, result, changeSet, tracked };
  try {
    const created = await tracked.create(input);
    if (created.kind === 'empty') {
      result.changeSet = { ...changeSet, status: 'empty', reason: created.reason, deleted: true };
      deps.log.info(
        `Stack ${stackName}: the drift-aware change set is empty (${created.reason.trim()}); nothing to revert.`,
      );
      return;
    }
    changeSet.id = created.id;
    result.changeSet = changeSet;
    await inspectChangeSet(run);
  } finally {
    if (!changeSet.executed) await removeChangeSet(run);
    tracked.release();
  }
}

/** Delete the change set (awaited; the lifecycle logs what it did) and record what was verified. */
async function removeChangeSet({ result, changeSet, tracked }: ChangeSetRun): Promise<void> {
  const cleanup = await tracked.cleanup('the drift check is done');
  if (result.changeSet === changeSet) changeSet.deleted = cleanup.ok;
  if (!cleanup.ok) result.notes.push(`Change set ${changeSet.name} could not be deleted; delete it by hand.`);
}

/** Wait for the change set, classify it, and revert when asked. */
async function inspectChangeSet(run: ChangeSetRun): Promise<void> {
  const { deps, inputs, result, changeSet } = run;
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
  if (changeSet.stackDriftStatus === 'DRIFTED') result.drifted = true;
  if (state.kind !== 'ready') {
    changeSet.status = state.kind;
    changeSet.reason = state.reason;
    if (state.kind === 'failed')
      throw new GuardError(
        `The drift-aware change set ${changeSet.name} for stack ${stackName} failed: ${state.reason}`,
      );
    deps.log.info(
      `Stack ${stackName}: the drift-aware change set has no changes (${state.reason.trim()}); nothing to revert.`,
    );
    return;
  }
  const changes = state.description.Changes;
  const feeds = result.noEchoFeeds;
  const classification = classifyChangeSet(
    changes,
    {
      noEchoParameters: result.noEchoParameters,
      isFed: (logicalId, detail) => feeds.kind === 'paths' && isFedDetail(feeds, logicalId, detail),
      hideAll: feeds.kind === 'unknown',
    },
    changeSet.stackDriftStatus,
  );
  // Kept for the plan only once they classified cleanly (an unexpected shape must not break the report),
  // with every NoEcho-fed value already REDACTED (C3).
  changeSet.changes = redactFedChanges(changes, feeds);
  for (const value of classification.secretValues) addStackSecret(deps, result, value);
  result.classification = classification;
  if (classification.drifted) result.drifted = true;
  const counts = classification.counts;
  deps.log.info(
    `Stack ${stackName}: ${changes.length} change(s); ${counts.overwrite} overwrite, ${counts.revert} revert, ${counts.sync} sync, ${counts.recreate} recreate.`,
  );
  for (const row of classification.rows.filter((candidate) => candidate.verdict === 'overwrite')) {
    deps.log.warning(
      `Stack ${stackName}: ${row.logicalId}.${row.property} would be overwritten: previous ${row.previous ?? '(unset)'}, live ${row.live ?? '(unset)'}, proposed ${row.proposed ?? '(unset)'} (D1).`,
    );
  }
  if (inputs.revert) await revertDrift(run, classification);
}

/**
 * The gates before a revert: fail-on: overwrite never overwrites a live fix (returns the refusal, the stack is
 * only reported); a destructive change that is not allowed stops this stack (H2, throws).
 */
function revertRefusal(
  { inputs, result, changeSet }: ChangeSetRun,
  classification: Classification,
): string | undefined {
  const stackName = result.stack;
  if (classification.counts.overwrite > 0 && inputs.failOn === 'overwrite') {
    return `Not reverting stack ${stackName}: the change set would overwrite ${classification.counts.overwrite} live value(s) that differ from both the previous template and the proposed one (fail-on: overwrite). Update the template, or set fail-on: never to revert anyway.`;
  }
  const plan = renderPlan({
    changeSets: [{ stackName, changeSetName: changeSet.name, changes: changeSet.changes }],
    header: { stack: stackName, environment: inputs.environment },
    secrets: result.secrets,
    noEchoParameters: result.noEchoParameters,
    allowList: inputs.destructiveAllowList,
  });
  const destructive = destructiveRefusal(
    plan,
    inputs.allowDestructive,
    `drift-aware change set ${changeSet.name} of stack ${stackName}`,
  );
  if (destructive) {
    result.refusal = destructive;
    throw new GuardError(destructive);
  }
  return undefined;
}

/** Execute the drift-aware change set behind the gates and wait for OUR update to end (src/cfn/own-operation). */
async function revertDrift(run: ChangeSetRun, classification: Classification): Promise<void> {
  const { deps, inputs, result, changeSet, tracked } = run;
  const { cfn, log, clock } = deps;
  const stackName = result.stack;
  const refusal = revertRefusal(run, classification);
  if (refusal) {
    result.refusal = refusal;
    log.warning(refusal);
    return;
  }
  log.info(`Reverting drift of stack ${stackName}: executing change set ${changeSet.name}.`);
  const before = await describeStackOf(deps, stackName);
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
  const final = await waitForOwnOperation({
    cfn,
    clock,
    stack: tracked.stackId ?? before?.StackId ?? stackName,
    what: `stack ${stackName} to finish reverting drift`,
    timeoutMs: inputs.waitTimeoutMs,
    before,
    finalStatuses: EXECUTION_FINAL.UPDATE,
    backoff: BACKOFF.driftRevert,
    checkFirst: false,
    signal: deps.cancel.signal,
  });
  tracked.executionEnded();
  if (!final) throw new GuardError(`Reverting drift of stack ${stackName} failed: the stack is gone.`);
  result.stackStatus = final.StackStatus;
  if (final.StackStatus !== 'UPDATE_COMPLETE') {
    throw new GuardError(
      `Reverting drift of stack ${stackName} failed: it ended in ${final.StackStatus}${final.StackStatusReason ? ` (${final.StackStatusReason})` : ''}.`,
    );
  }
  result.notes.push(`Drift reverted: change set ${changeSet.name} executed; the stack is UPDATE_COMPLETE.`);
  log.info(`Stack ${stackName}: drift reverted (UPDATE_COMPLETE).`);
}
