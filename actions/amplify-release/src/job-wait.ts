/**
 * Starting our release job and waiting for a job to finish. Everything printed from a job (status, step
 * names, reasons, log URLs) comes from the service and is untrusted: it goes to the log only, through the
 * outbound channel (redacted, workflow commands neutralised, W1).
 */
import {
  GetJobCommand,
  StartJobCommand,
  type Job,
  type JobSummary,
  type Step,
} from '@aws-sdk/client-amplify';
import { BACKOFF, pollUntil } from '../../../src/poll';
import { TERMINAL_STATUSES, rethrow, subject, type AmplifyReleaseDeps } from './amplify-api';
import type { AmplifyReleaseInputs } from './inputs';
import type { AmplifyReleaseOutcome } from './outcome';
import { shortCommit } from './release-guard';

function stepLine(step: Step): string {
  return `step ${step.stepName ?? '?'}: ${step.status ?? '?'}${step.statusReason ? ` (${step.statusReason})` : ''}`;
}

export interface JobToWaitFor {
  appId: string;
  branch: string;
  region: string;
  jobId: string;
  timeoutMs: number;
  onStatus?: (status: string) => void;
}

/**
 * Poll GetJob (BACKOFF.amplifyJob: at once, then 1 s growing ×1.25 to 10 s; injected clock) until the job ends; print each step's status as it
 * changes. A timeout throws TimeoutError, cancellation CancelledError. Returns the finished job whatever its result.
 */
export async function waitForJob(deps: AmplifyReleaseDeps, wanted: JobToWaitFor): Promise<Job> {
  const { appId, branch, jobId } = wanted;
  const seen = new Map<string, string>();
  let lastStatus: string | undefined;
  return pollUntil<Job>({
    what: `Amplify job ${jobId} on ${subject(appId, branch, wanted.region)} to finish`,
    timeoutMs: wanted.timeoutMs,
    clock: deps.clock,
    ...BACKOFF.amplifyJob,
    check: async () => {
      deps.cancel.throwIfCancelled();
      const job = (await deps.amplify.send(new GetJobCommand({ appId, branchName: branch, jobId }))).job;
      const status = job?.summary?.status;
      for (const step of job?.steps ?? []) {
        const key = step.stepName ?? '?';
        if (seen.get(key) !== step.status) {
          seen.set(key, step.status ?? '?');
          deps.log.info(`  job ${jobId} ${stepLine(step)}`);
        }
      }
      if (status && status !== lastStatus) {
        lastStatus = status;
        wanted.onStatus?.(status);
        deps.log.info(`Job ${jobId}: ${status}`);
      }
      return job && status && TERMINAL_STATUSES.has(status) ? job : undefined;
    },
  });
}

/** Print the steps that ended badly, with their log links; returns the first one. */
function printFailedSteps(deps: AmplifyReleaseDeps, job: Job): Step | undefined {
  const failed = (job.steps ?? []).filter((step) => step.status === 'FAILED' || step.status === 'CANCELLED');
  for (const step of failed) {
    deps.log.info(`Job ${job.summary?.jobId} ${stepLine(step)}${step.logUrl ? `; log: ${step.logUrl}` : ''}`);
  }
  return failed[0];
}

/**
 * Start one RELEASE job and (with `wait`) wait for it. Cancelling this step does not stop the job on
 * Amplify: a registered cleanup says so in the cancellation note, with the job id when we know it.
 */
export async function startReleaseJob(
  deps: AmplifyReleaseDeps,
  inputs: AmplifyReleaseInputs,
  outcome: AmplifyReleaseOutcome,
  timeoutMs: number,
): Promise<void> {
  const { appId, branch, region } = inputs;
  let started: JobSummary | undefined;
  deps.cancel.throwIfCancelled();
  const forget = deps.cancel.onCancel('Amplify release job', async () => ({
    ok: false,
    detail: started?.jobId
      ? `release job ${started.jobId} keeps running on Amplify (cancelling this step does not stop it; stop it in the Amplify console if needed)`
      : `StartJob was in flight: a release job may have started on ${subject(appId, branch, region)} and keeps running; check the Amplify console`,
  }));
  try {
    try {
      started = (
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
    outcome.started = true;
    outcome.jobId = started?.jobId;
    outcome.jobStatus = started?.status;
    outcome.commitId = inputs.commitId ?? started?.commitId;
    deps.log.info(
      `Started RELEASE job ${started?.jobId} on branch \`${branch}\`${inputs.commitId ? ` at commit ${shortCommit(inputs.commitId)}` : ''}.`,
    );
    if (!inputs.wait) {
      deps.log.info('wait: false, so not waiting for the job to finish.');
      return;
    }
    const jobId = started?.jobId;
    if (!jobId) throw new Error(`Amplify StartJob for ${subject(appId, branch, region)} returned no job id.`);
    const job = await waitForJob(deps, {
      appId,
      branch,
      region,
      jobId,
      timeoutMs,
      onStatus: (status) => (outcome.jobStatus = status),
    });
    const status = job.summary?.status;
    outcome.jobStatus = status;
    if (status === 'SUCCEED') {
      deps.log.info(`Job ${jobId} on branch \`${branch}\` succeeded.`);
      return;
    }
    const step = printFailedSteps(deps, job);
    throw new Error(
      `Amplify job ${jobId} on ${subject(appId, branch, region)} ended ${status}${
        step
          ? ` at step ${step.stepName}${step.statusReason ? ` (${step.statusReason})` : ''}`
          : ' (no failed step reported)'
      }; step logs are linked above.`,
    );
  } finally {
    forget();
  }
}
