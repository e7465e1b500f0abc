import {
  GetAppCommand,
  GetBranchCommand,
  GetJobCommand,
  ListJobsCommand,
  StartJobCommand,
  UpdateAppCommand,
  UpdateBranchCommand,
  type AmplifyClient,
  type App,
  type Branch,
  type Job,
  type JobSummary,
  type Step,
} from '@aws-sdk/client-amplify';
import type { Clock } from '../../../src/clock';
import { GuardError, InputError, awsErrorName, errorMessage } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import { code, table } from '../../../src/markdown';
import { maskSecret, redact, type Masker } from '../../../src/mask';
import { pollUntil } from '../../../src/poll';
import { isSecretKey, mergeEnv, type EnvChange, type EnvMap, type EnvScope } from './env-vars';
import type { Inputs, ReleaseMode } from './inputs';

/** Everything the domain logic touches from outside; only main.ts builds real ones. */
export interface Deps {
  amplify: AmplifyClient;
  log: Logger;
  clock: Clock;
  mask: Masker;
}

/** A job in one of these states is still working: never start a second one next to it. */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set([
  'PENDING',
  'PROVISIONING',
  'RUNNING',
  'CANCELLING',
]);
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEED', 'FAILED', 'CANCELLED']);
/** Waiting for someone else's job, then finding yet another one running, is bounded. */
const MAX_WAIT_ROUNDS = 5;
/** Safety net against a paginator that never ends (repeating tokens are caught separately). */
const MAX_JOB_PAGES = 1000;

export type Decision = 'start' | 'skip' | 'busy';

/** What happened; filled in as the run goes, so outputs and summary are right even after a failure. */
export interface ReleaseReport {
  appId: string;
  branch: string;
  region: string;
  release: ReleaseMode;
  envScope: EnvScope;
  envChanges: EnvChange[];
  envChanged: boolean;
  decision?: Decision;
  started: boolean;
  reason: string;
  jobId?: string;
  jobStatus?: string;
  commitId?: string;
  error?: string;
}

export function newReport(inputs: Inputs): ReleaseReport {
  return {
    appId: inputs.appId,
    branch: inputs.branch,
    region: inputs.region,
    release: inputs.release,
    envScope: inputs.envScope,
    envChanges: [],
    envChanged: false,
    started: false,
    reason: '',
  };
}

function subject(appId: string, branch: string, region: string): string {
  return `app ${appId} branch \`${branch}\` (${region})`;
}

/** Re-throw an AWS error as one sentence that names the call and its subject. */
function rethrow(e: unknown, call: string, where: string): never {
  if (e instanceof InputError || e instanceof GuardError) throw e;
  throw new Error(`Amplify ${call} for ${where} failed: ${errorMessage(e)}`);
}

export async function getAppAndBranch(
  deps: Deps,
  appId: string,
  branch: string,
  region: string,
): Promise<{ app: App; branch: Branch }> {
  const where = subject(appId, branch, region);
  let app: App | undefined;
  try {
    app = (await deps.amplify.send(new GetAppCommand({ appId }))).app;
  } catch (e) {
    if (awsErrorName(e) === 'NotFoundException') {
      throw new Error(
        `Amplify app ${appId} was not found in region ${region} (wanted branch \`${branch}\`): check app-id and aws-region (or AWS_REGION).`,
      );
    }
    rethrow(e, 'GetApp', where);
  }
  let br: Branch | undefined;
  try {
    br = (await deps.amplify.send(new GetBranchCommand({ appId, branchName: branch }))).branch;
  } catch (e) {
    if (awsErrorName(e) === 'NotFoundException') {
      throw new Error(
        `Branch \`${branch}\` was not found in Amplify app ${appId} in region ${region}: connect the branch in Amplify first, or check the branch input.`,
      );
    }
    rethrow(e, 'GetBranch', where);
  }
  if (!app) throw new Error(`Amplify GetApp for ${where} returned no app.`);
  if (!br) throw new Error(`Amplify GetBranch for ${where} returned no branch.`);
  return { app, branch: br };
}

/**
 * H5: merge the wanted variables into the scope's current map (missing/`null` is `{}`), keep every key not
 * mentioned, and write the full merged map only when something changed. Values are never printed.
 */
export async function syncEnvVars(
  deps: Deps,
  inputs: Pick<Inputs, 'appId' | 'branch' | 'region' | 'envScope' | 'envVars' | 'secretKeys'>,
  current: EnvMap | null | undefined,
  report: ReleaseReport,
): Promise<void> {
  const { appId, branch, region, envScope } = inputs;
  // Values already stored that look secret are masked too, before anything else happens (C3).
  for (const [k, v] of Object.entries(current ?? {})) {
    if (isSecretKey(k, inputs.secretKeys) && typeof v === 'string') maskSecret(v, deps.mask);
  }
  deps.log.debug(
    `Current ${envScope} environment variable keys: ${
      Object.keys(current ?? {})
        .sort()
        .join(', ') || '(none)'
    }.`,
  );
  const { merged, changes, changed } = mergeEnv(current, inputs.envVars);
  report.envChanges = changes;
  const scopeName = envScope === 'app' ? `app ${appId} (all branches)` : `branch \`${branch}\``;
  if (current === null || current === undefined)
    deps.log.info(`No environment variables set yet on ${scopeName}; starting from an empty map.`);
  for (const c of changes) deps.log.info(`  ${c.key}: ${c.change}`);
  if (!changed) {
    deps.log.info(`Environment variables on ${scopeName} are already up to date; nothing written.`);
    return;
  }
  const kept = Object.keys(merged).length - changes.length;
  try {
    if (envScope === 'app') {
      await deps.amplify.send(new UpdateAppCommand({ appId, environmentVariables: merged }));
    } else {
      await deps.amplify.send(
        new UpdateBranchCommand({ appId, branchName: branch, environmentVariables: merged }),
      );
    }
  } catch (e) {
    rethrow(e, envScope === 'app' ? 'UpdateApp' : 'UpdateBranch', subject(appId, branch, region));
  }
  report.envChanged = true;
  const n = (k: string) => changes.filter((c) => c.change === k).length;
  deps.log.info(
    `Updated environment variables on ${scopeName}: ${n('added')} added, ${n('changed')} changed, ${n('unchanged')} unchanged, ${kept} other key(s) kept.`,
  );
}

/** Order newest first: numeric job ids grow with time; fall back to start time. */
function newestFirst(a: JobSummary, b: JobSummary): number {
  const ai = Number(a.jobId);
  const bi = Number(b.jobId);
  if (Number.isFinite(ai) && Number.isFinite(bi) && ai !== bi) return bi - ai;
  return (b.startTime?.getTime?.() ?? 0) - (a.startTime?.getTime?.() ?? 0);
}

/** Every job of the branch (all pages via nextToken), newest first. */
export async function listAllJobs(deps: Deps, appId: string, branch: string): Promise<JobSummary[]> {
  const jobs: JobSummary[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_JOB_PAGES; page++) {
    const r = await deps.amplify.send(
      new ListJobsCommand({ appId, branchName: branch, maxResults: 50, nextToken }),
    );
    jobs.push(...(r.jobSummaries ?? []));
    nextToken = r.nextToken || undefined;
    deps.log.debug(
      `ListJobs page ${page + 1} for branch ${branch}: ${r.jobSummaries?.length ?? 0} job(s)${nextToken ? ', more pages' : ''}.`,
    );
    if (!nextToken) return jobs.sort(newestFirst);
    if (seen.has(nextToken))
      throw new Error(`Amplify ListJobs for branch \`${branch}\` repeated a page token.`);
    seen.add(nextToken);
  }
  throw new Error(`Amplify ListJobs for branch \`${branch}\` returned more than ${MAX_JOB_PAGES} pages.`);
}

export function shortCommit(c: string | undefined): string {
  if (!c) return 'unknown';
  return /^[0-9a-f]{40}$/i.test(c) ? c.slice(0, 7) : c;
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

/** C1: decide whether to start a release, with one sentence saying why. `jobs` is newest first, none active. */
export function decide(
  release: ReleaseMode,
  branch: string,
  commitId: string | undefined,
  jobs: JobSummary[],
): ReleaseDecision {
  const b = `branch \`${branch}\``;
  const ok = jobs.find((j) => j.status === 'SUCCEED');
  const okText = ok ? `job ${ok.jobId} (commit ${shortCommit(ok.commitId)})` : '';
  switch (release) {
    case 'never':
      return { start: false, reason: `skipped: release is \`never\`, so ${b} was not released.` };
    case 'always':
      return {
        start: true,
        reason: `started: release is \`always\`, so ${b} is released on every run${ok ? ` (last successful: ${okText})` : ''}.`,
      };
    case 'first-deploy':
      if (!ok) return { start: true, reason: `started: ${b} has no successful job yet (first deploy).` };
      return {
        start: false,
        job: ok,
        reason: `skipped: ${b} already has successful ${okText}; set release: always to force.`,
      };
    case 'on-new-commit':
      if (!ok)
        return {
          start: true,
          reason: `started: ${b} has no successful job yet, so commit ${shortCommit(commitId)} is released.`,
        };
      if (sameCommit(ok.commitId, commitId))
        return {
          start: false,
          job: ok,
          reason: `skipped: commit ${shortCommit(commitId)} is already deployed on ${b} by successful job ${ok.jobId}; set release: always to force.`,
        };
      return {
        start: true,
        job: ok,
        reason: `started: commit ${shortCommit(commitId)} differs from the last successful ${okText} on ${b}.`,
      };
  }
}

function stepLine(s: Step): string {
  return `step ${s.stepName ?? '?'}: ${s.status ?? '?'}${s.statusReason ? ` (${s.statusReason})` : ''}`;
}

/**
 * Poll GetJob (fast-start backoff, injected clock) until the job ends; print each step's status as it
 * changes. A timeout throws TimeoutError. Returns the finished job whatever its result.
 */
export async function waitForJob(
  deps: Deps,
  o: {
    appId: string;
    branch: string;
    region: string;
    jobId: string;
    timeoutMs: number;
    onStatus?: (s: string) => void;
  },
): Promise<Job> {
  const seen = new Map<string, string>();
  let last: string | undefined;
  return pollUntil<Job>({
    what: `Amplify job ${o.jobId} on ${subject(o.appId, o.branch, o.region)} to finish`,
    timeoutMs: o.timeoutMs,
    clock: deps.clock,
    check: async () => {
      const job = (
        await deps.amplify.send(new GetJobCommand({ appId: o.appId, branchName: o.branch, jobId: o.jobId }))
      ).job;
      const status = job?.summary?.status;
      for (const s of job?.steps ?? []) {
        const key = s.stepName ?? '?';
        if (seen.get(key) !== s.status) {
          seen.set(key, s.status ?? '?');
          deps.log.info(`  job ${o.jobId} ${stepLine(s)}`);
        }
      }
      if (status && status !== last) {
        last = status;
        o.onStatus?.(status);
        deps.log.info(`Job ${o.jobId}: ${status}`);
      }
      return job && status && TERMINAL_STATUSES.has(status) ? job : undefined;
    },
  });
}

/** Steps that ended badly, with their log links printed; returns the first one's name. */
function reportFailedSteps(deps: Deps, job: Job): Step | undefined {
  const bad = (job.steps ?? []).filter((s) => s.status === 'FAILED' || s.status === 'CANCELLED');
  for (const s of bad) {
    deps.log.info(`Job ${job.summary?.jobId} ${stepLine(s)}${s.logUrl ? `; log: ${s.logUrl}` : ''}`);
  }
  return bad[0];
}

/** The whole action after input parsing and masking: env vars (H5), then the release guard (C1). */
export async function amplifyRelease(deps: Deps, inputs: Inputs, report: ReleaseReport): Promise<void> {
  const { appId, branch, region } = inputs;
  const title = `amplify-release: app ${appId} branch ${branch} (${region})`;
  const timeoutMs = inputs.waitTimeoutMinutes * 60_000;

  await deps.log.group(`${title}: environment variables`, async () => {
    const found = await getAppAndBranch(deps, appId, branch, region);
    deps.log.info(`Found Amplify app ${appId} (${found.app.name ?? 'unnamed'}) and branch \`${branch}\`.`);
    if (Object.keys(inputs.envVars).length === 0) {
      deps.log.info('No environment-variables given; environment variables are left as they are.');
      return;
    }
    const current =
      inputs.envScope === 'app' ? found.app.environmentVariables : found.branch.environmentVariables;
    await syncEnvVars(deps, inputs, current, report);
  });

  await deps.log.group(`${title}: release`, async () => {
    if (inputs.release === 'never') {
      const d = decide('never', branch, inputs.commitId, []);
      report.decision = 'skip';
      report.reason = d.reason;
      deps.log.info(d.reason);
      return;
    }
    for (let round = 0; ; round++) {
      const jobs = await listAllJobs(deps, appId, branch);
      deps.log.info(`Branch \`${branch}\` has ${jobs.length} job(s).`);
      const active = jobs.find((j) => j.status && ACTIVE_STATUSES.has(j.status));
      if (active) {
        report.jobId = active.jobId;
        report.jobStatus = active.status;
        if (!inputs.wait) {
          report.decision = 'busy';
          report.reason = `skipped: job ${active.jobId} (commit ${shortCommit(active.commitId)}) is already ${active.status} on branch \`${branch}\`; not starting another (wait: false).`;
          deps.log.warning(report.reason);
          return;
        }
        if (round >= MAX_WAIT_ROUNDS)
          throw new GuardError(
            `Branch \`${branch}\` of app ${appId} still has a job in progress (job ${active.jobId}, ${active.status}) after waiting for ${MAX_WAIT_ROUNDS} jobs; not starting another.`,
          );
        deps.log.info(
          `Job ${active.jobId} (commit ${shortCommit(active.commitId)}) is ${active.status} on branch \`${branch}\`; waiting for it to finish before deciding (no second job is started next to it).`,
        );
        const done = await waitForJob(deps, { appId, branch, region, jobId: active.jobId!, timeoutMs });
        deps.log.info(`Job ${active.jobId} finished: ${done.summary?.status}. Deciding again.`);
        continue;
      }
      const d = decide(inputs.release, branch, inputs.commitId, jobs);
      report.reason = d.reason;
      if (!d.start) {
        report.decision = 'skip';
        report.jobId = d.job?.jobId;
        report.jobStatus = d.job?.status;
        deps.log.info(d.reason);
        if (report.envChanged)
          deps.log.warning(
            `Environment variables of branch \`${branch}\` changed but no release was started; they take effect on the next build (set release: always to rebuild now).`,
          );
        return;
      }
      report.decision = 'start';
      deps.log.info(d.reason);
      await startAndWait(deps, inputs, report, timeoutMs);
      return;
    }
  });
}

async function startAndWait(
  deps: Deps,
  inputs: Inputs,
  report: ReleaseReport,
  timeoutMs: number,
): Promise<void> {
  const { appId, branch, region } = inputs;
  let summary: JobSummary | undefined;
  try {
    summary = (
      await deps.amplify.send(
        new StartJobCommand({
          appId,
          branchName: branch,
          jobType: 'RELEASE',
          jobReason: inputs.jobReason,
          ...(inputs.commitId ? { commitId: inputs.commitId } : {}),
        }),
      )
    ).jobSummary;
  } catch (e) {
    rethrow(e, 'StartJob', subject(appId, branch, region));
  }
  report.started = true;
  report.jobId = summary?.jobId;
  report.jobStatus = summary?.status;
  report.commitId = inputs.commitId ?? summary?.commitId;
  deps.log.info(
    `Started RELEASE job ${summary?.jobId} on branch \`${branch}\`${inputs.commitId ? ` at commit ${shortCommit(inputs.commitId)}` : ''}.`,
  );
  if (!inputs.wait) {
    deps.log.info('wait: false, so not waiting for the job to finish.');
    return;
  }
  if (!summary?.jobId)
    throw new Error(`Amplify StartJob for ${subject(appId, branch, region)} returned no job id.`);
  const job = await waitForJob(deps, {
    appId,
    branch,
    region,
    jobId: summary.jobId,
    timeoutMs,
    onStatus: (s) => (report.jobStatus = s),
  });
  const status = job.summary?.status;
  report.jobStatus = status;
  if (status === 'SUCCEED') {
    deps.log.info(`Job ${summary.jobId} on branch \`${branch}\` succeeded.`);
    return;
  }
  const step = reportFailedSteps(deps, job);
  throw new Error(
    `Amplify job ${summary.jobId} on ${subject(appId, branch, region)} ended ${status}${
      step
        ? ` at step ${step.stepName}${step.statusReason ? ` (${step.statusReason})` : ''}`
        : ' (no failed step reported)'
    }; step logs are linked above.`,
  );
}

/** Job summary markdown (no values, ever: only keys and their change). */
export function renderSummary(report: ReleaseReport, secrets: Iterable<string> = []): string {
  const decision =
    report.decision === 'start'
      ? 'release started'
      : report.decision === 'busy'
        ? 'job already in progress'
        : report.decision === 'skip'
          ? 'skipped'
          : 'not decided';
  const facts = table(
    ['App', 'Branch', 'Region', 'Release mode', 'Decision', 'Reason', 'Job', 'Job status'],
    [
      [
        report.appId,
        report.branch,
        report.region,
        report.release,
        decision,
        report.reason || '—',
        report.jobId ?? '—',
        report.jobStatus ?? '—',
      ],
    ],
  );
  const parts = [
    `### Amplify release: ${code(report.appId)} / ${code(report.branch)} (${report.region})`,
    '',
    facts,
    '',
  ];
  if (report.envChanges.length > 0) {
    parts.push(
      `Environment variables (${report.envScope} scope; ${report.envChanged ? 'written' : 'nothing written'}):`,
      '',
      table(
        ['Key', 'Change'],
        report.envChanges.map((c) => [c.key, c.change]),
      ),
      '',
    );
  } else {
    parts.push('Environment variables: none given, left as they are.', '');
  }
  if (report.error) parts.push(`**Failed:** ${report.error}`, '');
  return redact(parts.join('\n'), secrets);
}
