/** What an amplify-release run did: filled in as it goes, so outputs and summary are right even after a failure. */
import type { EnvChange, EnvScope } from './env-vars';
import type { AmplifyReleaseInputs, ReleaseMode } from './inputs';

export type ReleaseChoice = 'start' | 'skip' | 'busy';

export interface AmplifyReleaseOutcome {
  appId: string;
  branch: string;
  region: string;
  release: ReleaseMode;
  envScope: EnvScope;
  envChanges: EnvChange[];
  envChanged: boolean;
  decision?: ReleaseChoice;
  started: boolean;
  reason: string;
  jobId?: string;
  jobStatus?: string;
  commitId?: string;
  error?: string;
}

export function newOutcome(inputs: AmplifyReleaseInputs): AmplifyReleaseOutcome {
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

/** The step outputs (action.yml `outputs`). */
export function outputsOf(outcome: AmplifyReleaseOutcome): Record<string, string | boolean | undefined> {
  return {
    started: outcome.started,
    reason: outcome.reason,
    'job-id': outcome.jobId ?? '',
    'job-status': outcome.jobStatus ?? '',
    'env-changed': outcome.envChanged,
  };
}
