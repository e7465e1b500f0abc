/**
 * The mutating calls, each an idempotent, queued StackSet operation (H1, S1):
 *
 * - every operation has a deterministic OperationId (`operation-id.ts`): a retried call whose first answer was
 *   lost gets OperationIdAlreadyExistsException, and we follow the operation the first call started;
 * - OperationInProgressException (someone started an operation between our look and our call) → wait for the
 *   stack set to be idle, then send again — all within the step's deadline;
 * - before the call, a cancellation cleanup is registered (K1) that reads the operation and says honestly what
 *   it is doing: CloudFormation runs it without us (it is not stopped: a stopped rollout leaves instances
 *   OUTDATED, and after a cancellation only reads are sent); a re-run of the job reports the same operation.
 */
import {
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DeleteStackInstancesCommand,
  UpdateStackInstancesCommand,
  UpdateStackSetCommand,
  type CloudFormationClient,
  type StackSetOperation,
  type StackSetOperationPreferences,
  type StackSetOperationResultSummary,
} from '@aws-sdk/client-cloudformation';
import { awsErrorName, errorMessage, GuardError } from '../../../src/errors';
import { describeOperation, listResults, readStackSet, type StackSetDeps, type StackSetRef } from './api';
import type { StackSetInputs } from './inputs';
import { operationId, type RunIdentity } from './operation-id';
import type { Rollout } from './rollout';
import { canonicalJson, parseCurrentTemplate } from './template-diff';
import { waitForIdle, waitForOperation, type Deadline } from '../../../src/cfn/stackset';

/** One operation we started or followed, as it ended, with its per-instance results. */
export interface OperationRecord {
  operationId: string;
  phase: string;
  operation: StackSetOperation;
  results: StackSetOperationResultSummary[];
  /** Started by an earlier attempt of this step (a re-run resumed or reported it). */
  earlierAttempt?: number;
}

export interface OperationContext {
  deps: StackSetDeps;
  ref: StackSetRef;
  inputs: StackSetInputs;
  identity: RunIdentity;
  deadline: Deadline;
}

/** CloudFormation's operation preferences from the inputs. */
export function preferences(inputs: StackSetInputs): StackSetOperationPreferences {
  const max = inputs.maxConcurrent;
  const tolerance = inputs.failureTolerance;
  return {
    RegionOrder: inputs.regionOrder.length ? inputs.regionOrder : undefined,
    RegionConcurrencyType: inputs.regionConcurrency,
    ...('count' in max ? { MaxConcurrentCount: max.count } : { MaxConcurrentPercentage: max.percentage }),
    ...('count' in tolerance
      ? { FailureToleranceCount: tolerance.count }
      : { FailureTolerancePercentage: tolerance.percentage }),
  };
}

/** K1: what a cancellation can honestly do for a running operation of ours: read it and say so. */
function cancellationCleanup(context: OperationContext, id: () => string) {
  return async (): Promise<{ ok: boolean; detail: string }> => {
    const operation = await describeOperation(context.deps, context.ref, id()).catch(() => undefined);
    const status = operation?.Status ?? 'unknown (not readable)';
    const finished = ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(status);
    return {
      ok: finished,
      detail: finished
        ? `stack set operation ${id()} had already finished: ${status}`
        : `stack set operation ${id()} on ${context.ref.StackSetName} is ${status} and goes on in CloudFormation without this job (not stopped: a stopped rollout leaves instances OUTDATED); re-run this job to follow and report the same operation`,
    };
  };
}

/**
 * Start one operation (or adopt the one a lost answer left), wait for it, read its results. `send` gets the
 * OperationId and returns the id CloudFormation answered (the emulator makes up its own).
 */
export async function runOperation(
  context: OperationContext,
  phase: string,
  send: (operationId: string) => Promise<string | undefined>,
): Promise<OperationRecord> {
  const { deps, ref, deadline } = context;
  let id = operationId(context.identity, phase);
  const unregister = deps.cancel.onCancel(
    `stack set operation ${id}`,
    cancellationCleanup(context, () => id),
  );
  try {
    for (;;) {
      deps.cancel.throwIfCancelled();
      try {
        id = (await send(id)) ?? id;
        deps.log.info(`Started operation ${id} (${phase}) on stack set ${ref.StackSetName}.`);
        break;
      } catch (error) {
        const name = awsErrorName(error);
        if (name === 'OperationIdAlreadyExistsException') {
          deps.log.info(
            `Operation ${id} already exists (an earlier answer was lost and the call retried): following it.`,
          );
          break;
        }
        if (name !== 'OperationInProgressException') throw error;
        deps.log.info(`Stack set ${ref.StackSetName} is busy (${errorMessage(error)}).`);
        await waitForIdle(deps, ref, deadline);
      }
    }
    const operation = await waitForOperation(deps, ref, id, deadline);
    return { operationId: id, phase, operation, results: await listResults(deps, ref, id) };
  } finally {
    unregister();
  }
}

/** What CreateStackSet and UpdateStackSet both send: the template, parameters, tags and roles. */
function settings(inputs: StackSetInputs, rollout: Rollout) {
  return {
    TemplateBody: inputs.templateBody,
    Parameters: rollout.parameters,
    Capabilities: inputs.capabilities.length ? inputs.capabilities : undefined,
    Description: inputs.description,
    AdministrationRoleARN: inputs.administrationRoleArn,
    ExecutionRoleName: inputs.executionRoleName,
    AutoDeployment:
      inputs.autoDeployment === undefined
        ? undefined
        : { Enabled: inputs.autoDeployment, RetainStacksOnAccountRemoval: false },
    ManagedExecution: inputs.managedExecution === undefined ? undefined : { Active: inputs.managedExecution },
  };
}

/** CreateStackSet (not an operation; idempotent by its client request token). Returns the stack set id. */
export async function createStackSet(
  context: OperationContext,
  rollout: Rollout,
): Promise<string | undefined> {
  const { inputs, ref } = context;
  context.deps.cancel.throwIfCancelled();
  try {
    const answer = await context.deps.cfn.send(
      new CreateStackSetCommand({
        ...ref,
        ...settings(inputs, rollout),
        Tags: inputs.tags.length ? inputs.tags : undefined,
        PermissionModel: inputs.permissionModel,
        ClientRequestToken: operationId(context.identity, 'create-set'),
      }),
    );
    context.deps.log.info(
      `Created stack set ${ref.StackSetName} (${answer.StackSetId ?? 'id not returned'}).`,
    );
    return answer.StackSetId;
  } catch (error) {
    if (awsErrorName(error) !== 'NameAlreadyExistsException') throw error;
    // A retried create whose first answer was lost left our stack set: go on. One someone else created
    // between our look and our call is not ours to roll out over.
    const found = await readStackSet(context.deps, ref);
    const template = parseCurrentTemplate(found?.TemplateBody).template;
    if (!template || canonicalJson(template) !== canonicalJson(inputs.template))
      throw new GuardError(
        `Stack set ${ref.StackSetName} was created by someone else while this step ran (its template is not ours): run the step again to plan against it.`,
      );
    return found?.StackSetId;
  }
}

/** UpdateStackSet: the template, parameters, tags and roles, applied to every instance. */
export function updateStackSet(context: OperationContext, rollout: Rollout): Promise<OperationRecord> {
  const { inputs, ref } = context;
  return runOperation(context, 'update', async (OperationId) => {
    const answer = await context.deps.cfn.send(
      new UpdateStackSetCommand({
        ...ref,
        ...settings(inputs, rollout),
        OperationId,
        Tags: inputs.tags,
        OperationPreferences: preferences(inputs),
      }),
    );
    return answer.OperationId;
  });
}

/** The targets of one instance call: accounts (self-managed) or DeploymentTargets (service-managed). */
function targetsOf(inputs: StackSetInputs, accounts: string[]) {
  return inputs.permissionModel === 'SERVICE_MANAGED'
    ? { DeploymentTargets: { OrganizationalUnitIds: accounts } }
    : { Accounts: accounts };
}

/** The instance calls: create for new targets, update for OUTDATED ones, delete (only after the gate). */
const INSTANCE_CALLS = {
  create: async (cfn: CloudFormationClient, input: InstanceCallInput) =>
    (await cfn.send(new CreateStackInstancesCommand(input))).OperationId,
  update: async (cfn: CloudFormationClient, input: InstanceCallInput) =>
    (await cfn.send(new UpdateStackInstancesCommand(input))).OperationId,
  // The stacks are deleted too (RetainStacks false): only after the destructive gate let it through.
  delete: async (cfn: CloudFormationClient, input: InstanceCallInput) =>
    (await cfn.send(new DeleteStackInstancesCommand({ ...input, RetainStacks: false }))).OperationId,
};

type InstanceCallInput = StackSetRef & {
  OperationId: string;
  Accounts?: string[];
  DeploymentTargets?: { OrganizationalUnitIds: string[] };
  Regions: string[];
  OperationPreferences: StackSetOperationPreferences;
};

/** One instance operation over a cross product of accounts (or OUs) × regions. */
export function instanceOperation(
  context: OperationContext,
  kind: keyof typeof INSTANCE_CALLS,
  phase: string,
  group: { accounts: string[]; regions: string[] },
): Promise<OperationRecord> {
  return runOperation(context, phase, (OperationId) =>
    INSTANCE_CALLS[kind](context.deps.cfn, {
      ...context.ref,
      OperationId,
      ...targetsOf(context.inputs, group.accounts),
      Regions: group.regions,
      OperationPreferences: preferences(context.inputs),
    }),
  );
}
