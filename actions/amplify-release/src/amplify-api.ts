/**
 * The Amplify calls amplify-release reads with (GetApp, GetBranch, ListJobs), the dependency bundle every
 * step takes, and the one way an AWS error becomes a sentence naming the call and its subject.
 */
import {
  GetAppCommand,
  GetBranchCommand,
  ListJobsCommand,
  type AmplifyClient,
  type App,
  type Branch,
  type JobSummary,
} from '@aws-sdk/client-amplify';
import type { Cancellation } from '../../../src/cancel';
import type { Clock } from '../../../src/clock';
import { GuardError, InputError, awsErrorName, errorMessage } from '../../../src/errors';
import type { Logger } from '../../../src/log';

/** Everything the domain steps touch from outside; only run.ts builds real ones (from the Runtime). */
export interface AmplifyReleaseDeps {
  amplify: AmplifyClient;
  log: Logger;
  clock: Clock;
  /** Register a value read from Amplify as secret (every form redacted from everything we write, C3). */
  addSecret: (value: string) => void;
  cancel: Cancellation;
}

/** A job in one of these states is still working: never start a second one next to it. */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set([
  'PENDING',
  'PROVISIONING',
  'RUNNING',
  'CANCELLING',
]);
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEED', 'FAILED', 'CANCELLED']);
/** Safety net against a paginator that never ends (repeating tokens are caught separately). */
const MAX_JOB_PAGES = 1000;

export function subject(appId: string, branch: string, region: string): string {
  return `app ${appId} branch \`${branch}\` (${region})`;
}

/** Re-throw an AWS error as one sentence that names the call and its subject. */
export function rethrow(error: unknown, call: string, where: string): never {
  if (error instanceof InputError || error instanceof GuardError) throw error;
  throw new Error(`Amplify ${call} for ${where} failed: ${errorMessage(error)}`);
}

export async function getAppAndBranch(
  deps: AmplifyReleaseDeps,
  appId: string,
  branchName: string,
  region: string,
): Promise<{ app: App; branch: Branch }> {
  const where = subject(appId, branchName, region);
  let app: App | undefined;
  try {
    app = (await deps.amplify.send(new GetAppCommand({ appId }))).app;
  } catch (e) {
    if (awsErrorName(e) === 'NotFoundException') {
      throw new Error(
        `Amplify app ${appId} was not found in region ${region} (wanted branch \`${branchName}\`): check app-id and aws-region (or AWS_REGION).`,
      );
    }
    rethrow(e, 'GetApp', where);
  }
  let branch: Branch | undefined;
  try {
    branch = (await deps.amplify.send(new GetBranchCommand({ appId, branchName }))).branch;
  } catch (e) {
    if (awsErrorName(e) === 'NotFoundException') {
      throw new Error(
        `Branch \`${branchName}\` was not found in Amplify app ${appId} in region ${region}: connect the branch in Amplify first, or check the branch input.`,
      );
    }
    rethrow(e, 'GetBranch', where);
  }
  if (!app) throw new Error(`Amplify GetApp for ${where} returned no app.`);
  if (!branch) throw new Error(`Amplify GetBranch for ${where} returned no branch.`);
  return { app, branch };
}

/** Order newest first: numeric job ids grow with time; fall back to start time. */
function newestFirst(a: JobSummary, b: JobSummary): number {
  const aId = Number(a.jobId);
  const bId = Number(b.jobId);
  if (Number.isFinite(aId) && Number.isFinite(bId) && aId !== bId) return bId - aId;
  return (b.startTime?.getTime?.() ?? 0) - (a.startTime?.getTime?.() ?? 0);
}

/** Every job of the branch (all pages via nextToken), newest first. */
export async function listAllJobs(
  deps: AmplifyReleaseDeps,
  appId: string,
  branch: string,
): Promise<JobSummary[]> {
  const jobs: JobSummary[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_JOB_PAGES; page++) {
    const answer = await deps.amplify.send(
      new ListJobsCommand({ appId, branchName: branch, maxResults: 50, nextToken }),
    );
    jobs.push(...(answer.jobSummaries ?? []));
    nextToken = answer.nextToken || undefined;
    deps.log.debug(
      `ListJobs page ${page + 1} for branch ${branch}: ${answer.jobSummaries?.length ?? 0} job(s)${nextToken ? ', more pages' : ''}.`,
    );
    if (!nextToken) return jobs.sort(newestFirst);
    if (seen.has(nextToken))
      throw new Error(`Amplify ListJobs for branch \`${branch}\` repeated a page token.`);
    seen.add(nextToken);
  }
  throw new Error(`Amplify ListJobs for branch \`${branch}\` returned more than ${MAX_JOB_PAGES} pages.`);
}
