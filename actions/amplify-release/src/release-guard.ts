/** C1, pure: given the branch's finished jobs and the release mode, start a release or not, and why. */
import type { JobSummary } from '@aws-sdk/client-amplify';
import type { ReleaseMode } from './inputs';

export function shortCommit(commit: string | undefined): string {
  if (!commit) return 'unknown';
  return /^[0-9a-f]{40}$/i.test(commit) ? commit.slice(0, 7) : commit;
}

/** Same commit when one id is a prefix of the other (short vs full SHA), ignoring case. */
export function sameCommit(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^[0-9a-f]{7,}$/i.test(a) || !/^[0-9a-f]{7,}$/i.test(b)) return false;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.startsWith(y) || y.startsWith(x);
}

export interface ReleaseDecision {
  start: boolean;
  reason: string;
  /** The job the decision refers to (last successful one), if any. */
  job?: JobSummary;
}

/**
 * C1: whether to start a release job, with one sentence saying why. `jobs` is newest first, none active.
 */
export function decideWhetherToRelease(
  release: ReleaseMode,
  branch: string,
  commitId: string | undefined,
  jobs: JobSummary[],
): ReleaseDecision {
  const where = `branch \`${branch}\``;
  const lastSuccess = jobs.find((job) => job.status === 'SUCCEED');
  const lastSuccessText = lastSuccess
    ? `job ${lastSuccess.jobId} (commit ${shortCommit(lastSuccess.commitId)})`
    : '';
  switch (release) {
    case 'never':
      return { start: false, reason: `skipped: release is \`never\`, so ${where} was not released.` };
    case 'always':
      return {
        start: true,
        reason: `started: release is \`always\`, so ${where} is released on every run${lastSuccess ? ` (last successful: ${lastSuccessText})` : ''}.`,
      };
    case 'first-deploy':
      if (!lastSuccess)
        return { start: true, reason: `started: ${where} has no successful job yet (first deploy).` };
      return {
        start: false,
        job: lastSuccess,
        reason: `skipped: ${where} already has successful ${lastSuccessText}; set release: always to force.`,
      };
    case 'on-new-commit':
      if (!lastSuccess)
        return {
          start: true,
          reason: `started: ${where} has no successful job yet, so commit ${shortCommit(commitId)} is released.`,
        };
      if (sameCommit(lastSuccess.commitId, commitId))
        return {
          start: false,
          job: lastSuccess,
          reason: `skipped: commit ${shortCommit(commitId)} is already deployed on ${where} by successful job ${lastSuccess.jobId}; set release: always to force.`,
        };
      return {
        start: true,
        job: lastSuccess,
        reason: `started: commit ${shortCommit(commitId)} differs from the last successful ${lastSuccessText} on ${where}.`,
      };
  }
}
