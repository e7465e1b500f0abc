import { InputError } from '../../../src/errors';
import {
  bool,
  int,
  list,
  oneOf,
  optional,
  printable,
  required,
  validateRegion,
  type InputGetter,
} from '../../../src/inputs';
import { regionFromEnv } from '../../../src/aws';
import { isSecretKey, parseEnvVars, type EnvMap, type EnvScope } from './env-vars';

export const INPUTS = [
  'app-id',
  'branch',
  'release',
  'commit-id',
  'environment-variables',
  'env-scope',
  'secret-keys',
  'wait',
  'wait-timeout-minutes',
  'job-reason',
  'aws-region',
] as const;

export const OUTPUTS = ['started', 'reason', 'job-id', 'job-status', 'env-changed'] as const;

export const RELEASE_MODES = ['first-deploy', 'on-new-commit', 'always', 'never'] as const;
export type ReleaseMode = (typeof RELEASE_MODES)[number];
export const ENV_SCOPES = ['branch', 'app'] as const;

/** Defaults, shared with action.yml (a unit test keeps them equal). */
export const DEFAULTS = {
  release: 'first-deploy' as ReleaseMode,
  'env-scope': 'branch' as EnvScope,
  wait: true,
  'wait-timeout-minutes': 30,
};

export const APP_ID = /^d[a-z0-9]{1,20}$/;
/** Amplify branch names are git branch names: 1-255 chars, no whitespace/control chars, none of git's forbidden ones. */
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
export const BRANCH = /^[^\s\x00-\x1f\x7f~^:?*[\\]{1,255}$/;
export const COMMIT_ID = /^[0-9a-f]{7,40}$/i;
const JOB_REASON_MAX = 255;

export interface AmplifyReleaseInputs {
  appId: string;
  branch: string;
  release: ReleaseMode;
  /** Commit to release / compare against; undefined means "whatever the branch points at". */
  commitId: string | undefined;
  /** Variables to set; empty when the input was not given (then nothing is read or written). */
  envVars: EnvMap;
  envScope: EnvScope;
  /** Keys listed in `secret-keys` (keys matching SECRET|TOKEN|PASSWORD|KEY are secret as well). */
  secretKeys: Set<string>;
  wait: boolean;
  waitTimeoutMinutes: number;
  jobReason: string;
  region: string;
}

export function validateAppId(appId: string): string {
  if (!APP_ID.test(appId)) {
    throw new InputError(
      `Input 'app-id' is not an Amplify app id: '${printable(appId)}' (expected 'd' then 1-20 lower-case letters or digits, e.g. d1a2b3c4d5e6f7).`,
    );
  }
  return appId;
}

export function validateBranch(branch: string): string {
  const bad =
    !BRANCH.test(branch) ||
    branch.includes('..') ||
    branch.includes('@{') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.startsWith('-') ||
    branch.endsWith('.lock') ||
    branch.includes('//');
  if (bad) {
    throw new InputError(
      `Input 'branch' is not a valid Amplify branch name: '${printable(branch)}' (1-255 characters, no whitespace, control characters, '..' or any of ~^:?*[\\).`,
    );
  }
  return branch;
}

function validateCommit(commit: string, source: string): string {
  if (!COMMIT_ID.test(commit)) {
    throw new InputError(
      `${source} is not a git commit id: '${printable(commit)}' (expected 7-40 hex digits).`,
    );
  }
  return commit.toLowerCase();
}

function defaultJobReason(env: NodeJS.ProcessEnv): string {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: runId } = env;
  if (server && repo && runId)
    return `Guarded Deploy amplify-release: ${server}/${repo}/actions/runs/${runId}`;
  return 'Guarded Deploy amplify-release';
}

/** Parse and validate every input (L1): any problem is one InputError, before any AWS call. */
export function parseInputs(get: InputGetter, env: NodeJS.ProcessEnv): AmplifyReleaseInputs {
  const appId = validateAppId(required(get, 'app-id'));
  const rawBranch = get('branch');
  if (rawBranch.trim() === '')
    throw new InputError(
      "Input 'branch' is required (there is no default: name the Amplify branch to release, e.g. release/demo).",
    );
  const branch = validateBranch(rawBranch);
  const release = oneOf(get, 'release', RELEASE_MODES, DEFAULTS.release);
  const envScope = oneOf(get, 'env-scope', ENV_SCOPES, DEFAULTS['env-scope']);
  const wait = bool(get, 'wait', DEFAULTS.wait);
  const waitTimeoutMinutes = int(get, 'wait-timeout-minutes', DEFAULTS['wait-timeout-minutes'], 1, 480)!;

  const commitInput = optional(get, 'commit-id');
  let commitId: string | undefined;
  if (commitInput !== undefined) commitId = validateCommit(commitInput, "Input 'commit-id'");
  else if (release === 'on-new-commit') {
    if (!env.GITHUB_SHA)
      throw new InputError(
        "release: on-new-commit needs a commit to compare: set the 'commit-id' input (GITHUB_SHA is not set).",
      );
    commitId = validateCommit(env.GITHUB_SHA, 'GITHUB_SHA');
  }

  const secretKeys = new Set(list(get, 'secret-keys', true));
  for (const key of secretKeys) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(key))
      throw new InputError(`Input 'secret-keys': '${printable(key)}' is not a valid variable name.`);
  }
  const envVars = parseEnvVars(get('environment-variables'));

  const jobReason = optional(get, 'job-reason') ?? defaultJobReason(env);
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (jobReason.length > JOB_REASON_MAX || /[\x00-\x1f\x7f]/.test(jobReason)) {
    throw new InputError(
      `Input 'job-reason' must be one line of at most ${JOB_REASON_MAX} characters, got '${printable(jobReason)}'.`,
    );
  }

  const region = validateRegion(optional(get, 'aws-region') ?? regionFromEnv(env));

  return {
    appId,
    branch,
    release,
    commitId,
    envVars,
    envScope,
    secretKeys,
    wait,
    waitTimeoutMinutes,
    jobReason,
    region,
  };
}

/** Values that must never be printed: those of `secret-keys` and of keys that look secret. */
export function secretValues(inputs: Pick<AmplifyReleaseInputs, 'envVars' | 'secretKeys'>): string[] {
  return Object.entries(inputs.envVars)
    .filter(([key]) => isSecretKey(key, inputs.secretKeys))
    .map(([, value]) => value);
}
