/** H5: write the wanted environment variables into the scope's map, key-wise, only when something changed. */
import { UpdateAppCommand, UpdateBranchCommand, type App, type Branch } from '@aws-sdk/client-amplify';
import { rethrow, subject, type AmplifyReleaseDeps } from './amplify-api';
import { isSecretKey, mergeEnv, type EnvMap } from './env-vars';
import type { AmplifyReleaseInputs } from './inputs';
import type { AmplifyReleaseOutcome } from './outcome';

/**
 * C3: values already stored on the app and the branch that look secret (a secret-looking key, a key listed in
 * secret-keys, basic-auth credentials — base64 of `user:password` — in every scope, whether or not this run
 * writes environment variables) are registered as soon as they are read, before anything is printed: Amplify
 * echoes them back in build step reasons and errors.
 */
export function registerStoredSecrets(
  deps: Pick<AmplifyReleaseDeps, 'addSecret'>,
  stored: { app: App; branch: Branch },
  secretKeys: ReadonlySet<string>,
): void {
  for (const scope of [stored.app, stored.branch]) {
    for (const [key, value] of Object.entries(scope.environmentVariables ?? {}))
      if (isSecretKey(key, secretKeys) && typeof value === 'string') deps.addSecret(value);
    const basicAuth = scope.basicAuthCredentials;
    if (typeof basicAuth === 'string' && basicAuth !== '') {
      deps.addSecret(basicAuth);
      const decoded = Buffer.from(basicAuth, 'base64').toString('utf8');
      deps.addSecret(decoded);
      const password = decoded.slice(decoded.indexOf(':') + 1);
      if (decoded.includes(':') && password !== '') deps.addSecret(password);
    }
  }
}

/**
 * H5: merge the wanted variables into the scope's current map (missing/`null` is `{}`), keep every key not
 * mentioned, and write the full merged map only when something changed. Values are never printed.
 */
export async function syncEnvVars(
  deps: AmplifyReleaseDeps,
  inputs: Pick<AmplifyReleaseInputs, 'appId' | 'branch' | 'region' | 'envScope' | 'envVars'>,
  current: EnvMap | null | undefined,
  outcome: AmplifyReleaseOutcome,
): Promise<void> {
  const { appId, branch, region, envScope } = inputs;
  deps.log.debug(
    `Current ${envScope} environment variable keys: ${
      Object.keys(current ?? {})
        .sort()
        .join(', ') || '(none)'
    }.`,
  );
  const { merged, changes, changed } = mergeEnv(current, inputs.envVars);
  outcome.envChanges = changes;
  const scopeName = envScope === 'app' ? `app ${appId} (all branches)` : `branch \`${branch}\``;
  if (current === null || current === undefined)
    deps.log.info(`No environment variables set yet on ${scopeName}; starting from an empty map.`);
  for (const change of changes) deps.log.info(`  ${change.key}: ${change.change}`);
  if (!changed) {
    deps.log.info(`Environment variables on ${scopeName} are already up to date; nothing written.`);
    return;
  }
  const kept = Object.keys(merged).length - changes.length;
  deps.cancel.throwIfCancelled();
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
  outcome.envChanged = true;
  const count = (kind: string) => changes.filter((change) => change.change === kind).length;
  deps.log.info(
    `Updated environment variables on ${scopeName}: ${count('added')} added, ${count('changed')} changed, ${count('unchanged')} unchanged, ${kept} other key(s) kept.`,
  );
}
