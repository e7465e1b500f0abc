/** The amplify-release flow after input parsing: environment variables (H5), then the release guard (C1). */
import { GuardError } from '../../../src/errors';
import { ACTIVE_STATUSES, getAppAndBranch, listAllJobs, type AmplifyReleaseDeps } from './amplify-api';
import { registerStoredSecrets, syncEnvVars } from './env-sync';
import type { AmplifyReleaseInputs } from './inputs';
import { startReleaseJob, waitForJob } from './job-wait';
import type { AmplifyReleaseOutcome } from './outcome';
import { decideWhetherToRelease, shortCommit } from './release-guard';

/** Waiting for someone else's job, then finding yet another one running, is bounded. */
const MAX_WAIT_ROUNDS = 5;

/** The whole action after input parsing and secret registration; fills in `outcome` as it goes. */
export async function amplifyRelease(
  deps: AmplifyReleaseDeps,
  inputs: AmplifyReleaseInputs,
  outcome: AmplifyReleaseOutcome,
): Promise<void> {
  const { appId, branch, region } = inputs;
  const title = `amplify-release: app ${appId} branch ${branch} (${region})`;
  const timeoutMs = inputs.waitTimeoutMinutes * 60_000;

  await deps.log.group(`${title}: environment variables`, async () => {
    const found = await getAppAndBranch(deps, appId, branch, region);
    registerStoredSecrets(deps, found, inputs.secretKeys);
    deps.log.info(`Found Amplify app ${appId} (${found.app.name ?? 'unnamed'}) and branch \`${branch}\`.`);
    if (Object.keys(inputs.envVars).length === 0) {
      deps.log.info('No environment-variables given; environment variables are left as they are.');
      return;
    }
    const current =
      inputs.envScope === 'app' ? found.app.environmentVariables : found.branch.environmentVariables;
    await syncEnvVars(deps, inputs, current, outcome);
  });

  await deps.log.group(`${title}: release`, async () => {
    if (inputs.release === 'never') {
      const decision = decideWhetherToRelease('never', branch, inputs.commitId, []);
      outcome.decision = 'skip';
      outcome.reason = decision.reason;
      deps.log.info(decision.reason);
      return;
    }
    for (let round = 0; ; round++) {
      const jobs = await listAllJobs(deps, appId, branch);
      deps.log.info(`Branch \`${branch}\` has ${jobs.length} job(s).`);
      const active = jobs.find((job) => job.status && ACTIVE_STATUSES.has(job.status));
      if (active) {
        outcome.jobId = active.jobId;
        outcome.jobStatus = active.status;
        if (!inputs.wait) {
          outcome.decision = 'busy';
          outcome.reason = `skipped: job ${active.jobId} (commit ${shortCommit(active.commitId)}) is already ${active.status} on branch \`${branch}\`; not starting another (wait: false).`;
          deps.log.warning(outcome.reason);
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
      const decision = decideWhetherToRelease(inputs.release, branch, inputs.commitId, jobs);
      outcome.reason = decision.reason;
      if (!decision.start) {
        outcome.decision = 'skip';
        outcome.jobId = decision.job?.jobId;
        outcome.jobStatus = decision.job?.status;
        deps.log.info(decision.reason);
        if (outcome.envChanged)
          deps.log.warning(
            `Environment variables of branch \`${branch}\` changed but no release was started; they take effect on the next build (set release: always to rebuild now).`,
          );
        return;
      }
      outcome.decision = 'start';
      deps.log.info(decision.reason);
      await startReleaseJob(deps, inputs, outcome, timeoutMs);
      return;
    }
  });
}
