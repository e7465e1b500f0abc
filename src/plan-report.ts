/**
 * The glue every plan-producing action shares: the destructive-change gate (H2) and posting a rendered
 * plan as a sticky PR comment (L2: any failure is a warning, never a failed deploy).
 */
import fs from 'node:fs';
import type { DestructiveChange, PlanResult } from './plan';
import type { CommentMode } from './pr-comment';
import type { Runtime } from './runtime';

/** Destructive changes that are not allow-listed. */
export function blockingDestructive(plan: Pick<PlanResult, 'destructive'>): DestructiveChange[] {
  return plan.destructive.filter((change) => !change.allowListed);
}

/** H2: the reason to refuse executing this plan, or undefined when it may run. */
export function destructiveRefusal(
  plan: Pick<PlanResult, 'destructive'>,
  allowDestructive: boolean,
  subject: string,
  /** What else the user can do (deploy-stack: execute the reviewed change set with mode: execute-only). */
  alternative = '',
): string | undefined {
  if (allowDestructive) return undefined;
  const blocking = blockingDestructive(plan);
  if (blocking.length === 0) return undefined;
  const list = blocking
    .slice(0, 10)
    .map(
      (change) =>
        `${[...change.path.slice(0, -1), change.logicalId].join('/')} (${change.type}) ${change.action === 'Remove' ? 'Remove' : `Replace${change.replacement === 'Conditional' ? ' (conditional)' : ''}`}`,
    )
    .join(', ');
  return `Refusing to execute ${subject}: ${blocking.length} destructive change(s) not allow-listed: ${list}${blocking.length > 10 ? ', …' : ''}. Review the plan, then set allow-destructive: true or add the logical ids or resource types to destructive-allow-list${alternative ? `, or ${alternative}` : ''} (H2).`;
}

/** `changes-only`: like auto, but a plan with no changes posts nothing — it only updates an existing comment. */
export type PlanCommentMode = CommentMode | 'changes-only';

export interface PostCommentOptions {
  mode: PlanCommentMode;
  token?: string;
  action: string;
  stack: string;
  environment?: string;
  /** The target's account and region: part of the comment's key when given (src/pr-comment.ts markerFor). */
  account?: string;
  region?: string;
  /** The plan has no changes (with changes-only: update an existing comment, never post one). */
  empty?: boolean;
  /** The rendered body (the outbound channel redacts and caps it). */
  body: string;
}

/**
 * Post or update the sticky plan comment for (action, stack, environment[, account, region]). Never throws. The body goes
 * through the runtime's outbound channel (redacted, capped at GitHub's limit) and the client comes from the
 * runtime's GitHub factory.
 */
export async function postPlanComment(
  rt: Pick<Runtime, 'out' | 'env' | 'github'>,
  options: PostCommentOptions,
): Promise<{ url?: string; action?: string } | undefined> {
  const env = rt.env;
  try {
    if (options.mode === 'never') return undefined;
    // Loaded on demand: Octokit is a large part of the bundle, and most runs post no comment.
    const { resolveCommentTarget, upsertStickyComment } = await import('./pr-comment');
    let payload: Record<string, unknown> | undefined;
    if (env.GITHUB_EVENT_PATH && fs.existsSync(env.GITHUB_EVENT_PATH)) {
      try {
        payload = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>;
      } catch {
        payload = undefined;
      }
    }
    const octokit = options.token ? await rt.github(options.token) : undefined;
    const resolved = await resolveCommentTarget({
      mode: options.mode === 'changes-only' ? 'auto' : options.mode,
      token: options.token,
      eventName: env.GITHUB_EVENT_NAME,
      payload,
      repository: env.GITHUB_REPOSITORY,
      sha: env.GITHUB_SHA,
      octokit,
    });
    if (!resolved.target || !octokit) {
      if (resolved.warning) rt.out.warning(`PR comment skipped: ${resolved.reason}`);
      else rt.out.debug(`PR comment skipped: ${resolved.reason}`);
      return undefined;
    }
    const result = await upsertStickyComment({
      octokit,
      owner: resolved.target.owner,
      repo: resolved.target.repo,
      issueNumber: resolved.target.issueNumber,
      marker: {
        action: options.action,
        stack: options.stack,
        environment: options.environment,
        ...(options.account !== undefined || options.region !== undefined
          ? { account: options.account, region: options.region }
          : {}),
      },
      body: options.body,
      out: rt.out,
      fromFork: resolved.target.fromFork,
      create: !(options.mode === 'changes-only' && options.empty === true),
    });
    if (result)
      rt.out.info(
        `Plan comment ${result.action} on #${resolved.target.issueNumber}${result.url ? `: ${result.url}` : ''}.`,
      );
    return result;
  } catch (error) {
    rt.out.warning(`PR comment failed: ${(error as Error).message}. The step result is unaffected.`);
    return undefined;
  }
}
