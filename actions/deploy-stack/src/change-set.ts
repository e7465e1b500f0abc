/**
 * createPlan: create our change set (tracked before the call is sent), wait for it by the stack's id, and
 * read it. An empty change set is success (M1) and is deleted (awaited) unless asked to keep it.
 */
import { createHash } from 'node:crypto';
import type { CreateChangeSetCommandInput, Stack } from '@aws-sdk/client-cloudformation';
import { waitForChangeSet, type DescribeChangeSetOutputAll } from '../../../src/cfn/changeset';
import { trackChangeSet, type CleanupResult, type TrackedChangeSet } from '../../../src/cfn/lifecycle';
import { withPlanDigest } from '../../../src/cfn/plan-digest';
import { buildParameters } from '../../../src/cfn/parameters';
import { GuardError, InputError } from '../../../src/errors';
import { planDigestOf } from './gate';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';
import { changeSetDescription, draftDescription } from './plan-record';
import { rollbackConfiguration } from './rails';
import type { TemplateFacts } from './preflight-inputs';
import type { StackState } from './stack-state';

export type ChangeSetPlan =
  | {
      kind: 'empty';
      reason: string;
      /** The stack as it is (unchanged). */
      stack: Stack | undefined;
      /** The empty change set's id and stack id (CloudFormation created one that reports no changes). */
      changeSetId?: string;
      stackId?: string;
      /** What happened to the empty change set (deleted, or kept as asked). */
      cleanup?: CleanupResult;
    }
  | {
      kind: 'ready';
      changeSet: DescribeChangeSetOutputAll;
      /** The stack's id from CreateChangeSet (or DescribeStacks): every later poll uses it. */
      stackId: string | undefined;
      description: string;
      /** P1: the digest of the change set's changes (create-only: also recorded in its description). */
      digest: string;
    };

/** TemplateBody inline, TemplateURL as given, or upload a large local body to s3-bucket first. */
async function templateArgs(
  deps: DeployDeps,
  inputs: DeployInputs,
  facts: TemplateFacts,
): Promise<Pick<CreateChangeSetCommandInput, 'TemplateBody' | 'TemplateURL'>> {
  const template = inputs.template;
  if (!template) throw new InputError("Input 'template' is required.");
  if (template.kind === 'url') return { TemplateURL: template.url };
  if (facts.delivery === 'inline') return { TemplateBody: template.body };
  const bucket = inputs.s3Bucket as string; // preflightInputs refused an over-size body without a bucket
  const hash = createHash('sha256').update(template.body).digest('hex').slice(0, 32);
  const prefix = inputs.s3Prefix;
  const key = `${prefix}${prefix && !prefix.endsWith('/') ? '/' : ''}${inputs.stackName}/${hash}.template`;
  deps.cancel.throwIfCancelled();
  await (await deps.s3()).putObject(bucket, key, template.body);
  deps.log.info(`Uploaded the ${Buffer.byteLength(template.body)}-byte template to s3://${bucket}/${key}.`);
  return { TemplateURL: `https://${bucket}.s3.${inputs.region}.amazonaws.com/${key}` };
}

/** The CreateChangeSet request. */
export async function changeSetRequest(
  deps: DeployDeps,
  inputs: DeployInputs,
  facts: TemplateFacts,
  state: StackState,
): Promise<CreateChangeSetCommandInput> {
  const { stack, type } = state;
  return {
    StackName: inputs.stackName,
    ChangeSetName: inputs.changeSetName,
    ChangeSetType: type,
    ClientToken: inputs.changeSetName,
    Capabilities: inputs.capabilities,
    Parameters: buildParameters(
      inputs.parameterOverrides,
      facts.parameters?.map((param) => param.name),
      stack ? (stack.Parameters ?? []).map((param) => param.ParameterKey as string) : undefined,
    ),
    Tags: inputs.tags.length ? inputs.tags : undefined,
    RoleARN: inputs.roleArn,
    NotificationARNs: inputs.notificationArns.length ? inputs.notificationArns : undefined,
    IncludeNestedStacks: inputs.includeNestedStacks || undefined,
    DeploymentMode: inputs.deploymentMode,
    OnStackFailure: type === 'CREATE' && inputs.disableRollback ? 'DO_NOTHING' : undefined,
    RollbackConfiguration: rollbackConfiguration(inputs.guards),
    Description: changeSetDescription(inputs, deps.env),
    ...(await templateArgs(deps, inputs, facts)),
  };
}

/** The change set a request created, once CloudFormation finished it: ready, or empty (M1). Failed → thrown. */
type Created =
  | Extract<ChangeSetPlan, { kind: 'empty' }>
  | { kind: 'ready'; changeSet: DescribeChangeSetOutputAll; stackId: string | undefined };

/** Create one change set through its tracker, wait for it by the stack's id, and read every page of it. */
async function createAndRead(
  deps: DeployDeps,
  inputs: DeployInputs,
  state: StackState,
  tracked: TrackedChangeSet,
  request: CreateChangeSetCommandInput,
): Promise<Created> {
  const name = request.ChangeSetName as string;
  const created = await tracked.create(request);
  deps.cancel.throwIfCancelled();
  if (created.kind === 'empty') return { kind: 'empty', reason: created.reason, stack: state.stack };

  const stackId = tracked.stackId ?? state.stack?.StackId;
  const ready = await waitForChangeSet({
    cfn: deps.cfn,
    changeSetId: created.id,
    stackName: stackId ?? inputs.stackName,
    clock: deps.clock,
    timeoutMs: inputs.waitTimeoutMs,
    signal: deps.cancel.signal,
  });
  if (ready.kind === 'empty') {
    let cleanup: CleanupResult;
    if (inputs.noDeleteFailedChangeset) {
      tracked.keep();
      cleanup = { ok: true, detail: `change set ${name} kept (no-delete-failed-changeset)` };
    } else cleanup = await tracked.cleanup('it has no changes');
    return {
      kind: 'empty',
      reason: ready.reason,
      stack: state.stack,
      changeSetId: created.id,
      stackId,
      cleanup,
    };
  }
  if (ready.kind === 'failed') {
    if (inputs.noDeleteFailedChangeset) tracked.keep();
    throw new GuardError(`Change set ${name} for stack ${inputs.stackName} failed: ${ready.reason}`);
  }
  return { kind: 'ready', changeSet: ready.description, stackId: stackId ?? ready.description.StackId };
}

/** The name of a plan's draft: the plan's name with `-draft` (within CloudFormation's 128 characters). */
export function draftName(name: string): string {
  return `${name.slice(0, 128 - '-draft'.length)}-draft`;
}

/**
 * Create our change set and read it. create-and-execute: one change set, executed right after. create-only
 * (P1): a change set's description is fixed when it is created, before CloudFormation has computed its
 * changes, so the plan is made twice: a draft (deleted again) gives the digest of the changes, then the plan
 * itself is created with that digest in its description and must come out with the same digest (else the
 * stack or something it reads changed meanwhile, and the plan is refused: run it again).
 */
export async function createPlan(
  deps: DeployDeps,
  inputs: DeployInputs,
  facts: TemplateFacts,
  state: StackState,
  tracked: TrackedChangeSet,
): Promise<ChangeSetPlan> {
  const { log } = deps;
  const request = await changeSetRequest(deps, inputs, facts, state);
  log.info(`Creating ${state.type} change set ${inputs.changeSetName} for stack ${inputs.stackName}.`);
  log.debug(`CreateChangeSet parameters: ${JSON.stringify(request.Parameters ?? [])}`);
  const description = request.Description as string;
  if (inputs.mode !== 'create-only') {
    const created = await createAndRead(deps, inputs, state, tracked, request);
    if (created.kind === 'empty') return created;
    return ready(
      deps,
      inputs,
      created,
      description,
      await planDigestOf(deps.cfn, created.changeSet, inputs.stackName),
    );
  }

  const draftTracked = trackChangeSet(deps, inputs.stackName, draftName(inputs.changeSetName));
  try {
    const draft = await createAndRead(deps, inputs, state, draftTracked, {
      ...request,
      ChangeSetName: draftTracked.name,
      ClientToken: draftTracked.name,
      Description: draftDescription(deps.env),
    });
    if (draft.kind === 'empty') return draft;
    const digest = await planDigestOf(deps.cfn, draft.changeSet, inputs.stackName);
    const sealedDescription = withPlanDigest(description, digest);
    const sealed = await createAndRead(deps, inputs, state, tracked, {
      ...request,
      Description: sealedDescription,
    });
    if (sealed.kind === 'empty') return sealed;
    const sealedDigest = await planDigestOf(deps.cfn, sealed.changeSet, inputs.stackName);
    if (sealedDigest !== digest) {
      throw new GuardError(
        `The plan for stack ${inputs.stackName} changed while it was being recorded (${digest} became ${sealedDigest}): the stack or something the template reads changed meanwhile. Run the plan again.`,
      );
    }
    return ready(deps, inputs, sealed, sealedDescription, digest);
  } finally {
    // Deleted (awaited) whatever happened, unless no-delete-failed-changeset kept an empty or failed draft.
    await draftTracked.cleanup('the plan is recorded under its own name');
    draftTracked.release();
  }
}

function ready(
  deps: DeployDeps,
  inputs: DeployInputs,
  created: Extract<Created, { kind: 'ready' }>,
  description: string,
  digest: string,
): ChangeSetPlan {
  deps.log.info(
    `Change set ${inputs.changeSetName} has ${created.changeSet.Changes.length} change(s); plan digest ${digest}.`,
  );
  return { kind: 'ready', changeSet: created.changeSet, stackId: created.stackId, description, digest };
}
