/** H5: write the wanted environment variables into the scope's map, key-wise, only when something changed. */
import { UpdateAppCommand, UpdateBranchCommand } from '@aws-sdk/client-amplify';
import { rethrow, subject, type AmplifyReleaseDeps } from './amplify-api';
import { isSecretKey, mergeEnv, type EnvMap } from './env-vars';
import type { AmplifyReleaseInputs } from './inputs';
import type { AmplifyReleaseOutcome } from './outcome';

/**
 * H5: merge the wanted variables into the scope's current map (missing/`null` is `{}`), keep every key not
 * mentioned, and write the full merged map only when something changed. Values are never printed.
 */
export async function syncEnvVars(
  deps: AmplifyReleaseDeps,
  inputs: Pick<AmplifyReleaseInputs, 'appId' | 'branch' | 'region' | 'envScope' | 'envVars' | 'secretKeys'>,
  current: EnvMap | null | undefined,
  outcome: AmplifyReleaseOutcome,
): Promise<void> {
  const { appId, branch, region, envScope } = inputs;
  // Values already stored that look secret are registered too, before anything else happens (C3).
  for (const [key, value] of Object.entries(current ?? {})) {
    if (isSecretKey(key, inputs.secretKeys) && typeof value === 'string') deps.addSecret(value);
  }
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
