/** CloudFormation's limit for change set names (and client request tokens). */
export const MAX_CHANGE_SET_NAME = 128;

/**
 * The suffix that makes our names unique per workflow run and attempt (`<run id>-<attempt>`), so a re-run
 * never collides with the change set of an earlier attempt; outside Actions a timestamp.
 */
export function runIdSuffix(env: NodeJS.ProcessEnv, now: number): string {
  const runId = env.GITHUB_RUN_ID && /^\d+$/.test(env.GITHUB_RUN_ID) ? env.GITHUB_RUN_ID : undefined;
  const attempt = /^\d+$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? env.GITHUB_RUN_ATTEMPT : '1';
  return runId ? `${runId}-${attempt}` : `${now}`;
}

/**
 * `<prefix><stack>-<run id>-<attempt>`, the stack part cut so the whole name fits in 128 characters.
 * deploy-stack: no prefix; drift-check: `drift-` (it also trims dashes left at the cut).
 */
export function uniqueChangeSetName(stack: string, env: NodeJS.ProcessEnv, now: number, prefix = ''): string {
  const suffix = runIdSuffix(env, now);
  const room = MAX_CHANGE_SET_NAME - prefix.length - suffix.length - 1;
  return `${prefix}${stack.slice(0, room)}-${suffix}`;
}
