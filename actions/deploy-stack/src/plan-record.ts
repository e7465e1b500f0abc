/**
 * What a plan records in its change set's description, and the cleanup of plans a newer one supersedes (H1).
 *
 *   guarded-deploy plan <scope> <commit> plan-digest=sha256:<hex>     a create-only plan (P1: the digest)
 *   guarded-deploy <commit>                                           a change set created to be executed now
 *
 * `<scope>` is `<owner>/<repo>:pr-<n>` (or `:ref-<branch>`) and `:<environment>` when an environment label is
 * given: plans of another repository, pull request or environment on a shared stack are never touched.
 */
import { ListChangeSetsCommand } from '@aws-sdk/client-cloudformation';
import { deleteChangeSet } from '../../../src/cfn/changeset';
import { errorMessage } from '../../../src/errors';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';

const REPOSITORY = /^[\w.-]+\/[\w.-]+$/;

/** The commit a change set is created for (12 hex digits), or `local` outside Actions. */
function commitOf(env: NodeJS.ProcessEnv): string {
  return env.GITHUB_SHA && /^[0-9a-f]{7,40}$/i.test(env.GITHUB_SHA) ? env.GITHUB_SHA.slice(0, 12) : 'local';
}

/**
 * H1/P1: the scope plans supersede each other in: repository + pull request (or branch) + environment.
 * Undefined when the run knows no pull request or branch (such plans are never cleaned up).
 */
export function planScope(env: NodeJS.ProcessEnv, environment: string | undefined): string | undefined {
  const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  const ref = (env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '').replace(/[^\w./-]/g, '_').slice(0, 200);
  const where = pr ? `pr-${pr}` : ref ? `ref-${ref}` : undefined;
  if (!where) return undefined;
  const repository =
    env.GITHUB_REPOSITORY && REPOSITORY.test(env.GITHUB_REPOSITORY) ? env.GITHUB_REPOSITORY : 'local';
  return `${repository}:${where}${environment ? `:${encodeURIComponent(environment)}` : ''}`;
}

/**
 * The change set's description (without the plan digest, which create-only adds once it is known):
 * `guarded-deploy plan <scope> <commit>` for create-only plans, `guarded-deploy <commit>` otherwise.
 */
export function changeSetDescription(
  inputs: Pick<DeployInputs, 'mode' | 'environment'>,
  env: NodeJS.ProcessEnv,
): string {
  const commit = commitOf(env);
  const scope = inputs.mode === 'create-only' ? planScope(env, inputs.environment) : undefined;
  return scope ? `guarded-deploy plan ${scope} ${commit}` : `guarded-deploy ${commit}`;
}

/** The description of a plan's draft (deleted as soon as the plan is recorded; never executable: no digest). */
export function draftDescription(env: NodeJS.ProcessEnv): string {
  return `guarded-deploy draft ${commitOf(env)}`;
}

/** The scope of a plan's description; undefined for anything else, including plans of the old format. */
export function planScopeOf(description: string | undefined): string | undefined {
  const scope = /^guarded-deploy plan (\S+) /.exec(description ?? '')?.[1];
  // Scopes carry the repository (`owner/repo:pr-7`): an old-format `pr-7` is never matched, so never deleted.
  return scope && /^[\w.-]+\/[\w.-]+:/.test(scope) ? scope : undefined;
}

/**
 * H1: a new plan for the same repository, pull request (or branch) and environment supersedes the previous
 * ones: delete our earlier AVAILABLE change sets with the same plan scope, so plan change sets do not pile up on
 * the stack. Plans of other repositories, pull requests or environments, and plans of the old format (no
 * repository), are left alone. Never fails the step. Returns a note, if any.
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
    deps.log.warning(`Could not clean up earlier plan change sets of stack ${stackName}: ${errorMessage(e)}`);
    return undefined;
  }
}
