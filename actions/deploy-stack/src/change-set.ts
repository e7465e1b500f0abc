/**
 * createPlan: create our change set (tracked before the call is sent), wait for it by the stack's id, and
 * read it. An empty change set is success (M1) and is deleted (awaited) unless asked to keep it.
 */
import { createHash } from 'node:crypto';
import {
  ListChangeSetsCommand,
  type CreateChangeSetCommandInput,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import {
  deleteChangeSet,
  waitForChangeSet,
  type DescribeChangeSetOutputAll,
} from '../../../src/cfn/changeset';
import type { CleanupResult, TrackedChangeSet } from '../../../src/cfn/lifecycle';
import { buildParameters } from '../../../src/cfn/parameters';
import { GuardError, InputError } from '../../../src/errors';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';
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
    };

/**
 * Change set description: `guarded-deploy plan <scope> <commit>` for create-only plans (scope `pr-<n>` on pull
 * requests, `ref-<branch>` otherwise), `guarded-deploy <commit>` for deploys.
 */
export function changeSetDescription(mode: string, env: NodeJS.ProcessEnv): string {
  const commit =
    env.GITHUB_SHA && /^[0-9a-f]{7,40}$/i.test(env.GITHUB_SHA) ? env.GITHUB_SHA.slice(0, 12) : 'local';
  if (mode !== 'create-only') return `guarded-deploy ${commit}`;
  const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  const ref = (env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '').replace(/[^\w./-]/g, '_').slice(0, 200);
  const scope = pr ? `pr-${pr}` : ref ? `ref-${ref}` : undefined;
  return scope ? `guarded-deploy plan ${scope} ${commit}` : `guarded-deploy ${commit}`;
}

export function planScopeOf(description: string | undefined): string | undefined {
  return /^guarded-deploy plan (\S+) /.exec(description ?? '')?.[1];
}

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
    Description: changeSetDescription(inputs.mode, deps.env),
    ...(await templateArgs(deps, inputs, facts)),
  };
}

/** Create the change set through its tracker, wait for it by the stack's id, and read every page of it. */
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
      cleanup = { ok: true, detail: `change set ${inputs.changeSetName} kept (no-delete-failed-changeset)` };
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
    throw new GuardError(
      `Change set ${inputs.changeSetName} for stack ${inputs.stackName} failed: ${ready.reason}`,
    );
  }
  log.info(`Change set ${inputs.changeSetName} has ${ready.description.Changes.length} change(s).`);
  return {
    kind: 'ready',
    changeSet: ready.description,
    stackId: stackId ?? ready.description.StackId,
    description: request.Description as string,
  };
}

/**
 * H1: a new plan for the same pull request (or branch) supersedes the previous ones: delete our earlier
 * AVAILABLE change sets with the same plan scope, so plan change sets do not pile up on the stack.
 * Plans of other pull requests are left alone. Never fails the step. Returns a note, if any.
 */
export async function deleteSupersededPlans(
  deps: DeployDeps,
  inputs: DeployInputs,
  keepId: string,
  description: string,
): Promise<string | undefined> {
  const scope = planScopeOf(description);
  if (!scope) return undefined;
  const { stackName } = inputs;
  try {
    let token: string | undefined;
    let pages = 0;
    const stale: string[] = [];
    do {
      const page = await deps.cfn.send(new ListChangeSetsCommand({ StackName: stackName, NextToken: token }));
      for (const summary of page.Summaries ?? []) {
        if (
          summary.ChangeSetId &&
          summary.ChangeSetId !== keepId &&
          summary.StackName === stackName &&
          summary.ExecutionStatus === 'AVAILABLE' &&
          planScopeOf(summary.Description) === scope
        ) {
          stale.push(summary.ChangeSetId);
        }
      }
      token = page.NextToken;
    } while (token && ++pages < 20);
    for (const id of stale) await deleteChangeSet(deps.cfn, id, stackName, deps.log);
    return stale.length
      ? `Deleted ${stale.length} earlier plan change set(s) of ${scope} superseded by this one.`
      : undefined;
  } catch (e) {
    deps.log.warning(
      `Could not clean up earlier plan change sets of stack ${stackName}: ${(e as Error).message}`,
    );
    return undefined;
  }
}
