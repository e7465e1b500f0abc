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
  return plan.destructive.filter((d) => !d.allowListed);
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
      (d) =>
        `${[...d.path.slice(0, -1), d.logicalId].join('/')} (${d.type}) ${d.action === 'Remove' ? 'Remove' : `Replace${d.replacement === 'Conditional' ? ' (conditional)' : ''}`}`,
    )
    .join(', ');
  return `Refusing to execute ${subject}: ${blocking.length} destructive change(s) not allow-listed: ${list}${blocking.length > 10 ? ', …' : ''}. Review the plan, then set allow-destructive: true or add the logical ids or resource types to destructive-allow-list${alternative ? `, or ${alternative}` : ''} (H2).`;
}

export interface PostCommentOptions {
  mode: CommentMode;
  token?: string;
  action: string;
  stack: string;
  environment?: string;
  /** The rendered body (the outbound channel redacts and caps it). */
  body: string;
}

/**
 * Post or update the sticky plan comment for (action, stack, environment). Never throws. The body goes
 * through the runtime's outbound channel (redacted, capped at GitHub's limit) and the client comes from the
 * runtime's GitHub factory.
 */
export async function postPlanComment(
  rt: Pick<Runtime, 'out' | 'env' | 'github'>,
  o: PostCommentOptions,
): Promise<{ url?: string; action?: string } | undefined> {
  const env = rt.env;
  try {
    if (o.mode === 'never') return undefined;
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
    const octokit = o.token ? await rt.github(o.token) : undefined;
    const t = await resolveCommentTarget({
      mode: o.mode,
      token: o.token,
      eventName: env.GITHUB_EVENT_NAME,
      payload,
      repository: env.GITHUB_REPOSITORY,
      sha: env.GITHUB_SHA,
      octokit,
    });
    if (!t.target || !octokit) {
      if (t.warning) rt.out.warning(`PR comment skipped: ${t.reason}`);
      else rt.out.debug(`PR comment skipped: ${t.reason}`);
      return undefined;
    }
    const r = await upsertStickyComment({
      octokit,
      owner: t.target.owner,
      repo: t.target.repo,
      issueNumber: t.target.issueNumber,
      marker: { action: o.action, stack: o.stack, environment: o.environment },
      body: o.body,
      out: rt.out,
      fromFork: t.target.fromFork,
    });
    if (r) rt.out.info(`Plan comment ${r.action} on #${t.target.issueNumber}${r.url ? `: ${r.url}` : ''}.`);
    return r;
  } catch (e) {
    rt.out.warning(`PR comment failed: ${(e as Error).message}. The step result is unaffected.`);
    return undefined;
  }
}
