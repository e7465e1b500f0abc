/**
 * The JSON report file (`report-path` output): the same facts as the summary, for artifacts and later steps.
 * Written through the outbound channel (`rt.out.report`), which redacts every secret after JSON encoding.
 */
import path from 'node:path';
import type { StackResult } from './drift';
import type { DriftInputs } from './inputs';
import { overwriteCount } from './render';

/** `$RUNNER_TEMP/drift-check-<run id>-<attempt>[-<step id>].json` (a timestamp outside Actions). */
export function reportFilePath(env: NodeJS.ProcessEnv, now: number, tmpdir: string): string {
  const dir = env.RUNNER_TEMP || tmpdir;
  const id =
    env.GITHUB_RUN_ID && /^\d+$/.test(env.GITHUB_RUN_ID)
      ? `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`
      : `${now}`;
  const step = /^[\w-]{1,64}$/.test(env.GITHUB_ACTION ?? '') ? `-${env.GITHUB_ACTION}` : '';
  return path.join(dir, `drift-check-${id}${step}.json`);
}

/** The report file's content. Not redacted here: `rt.out.report` redacts the encoded text. */
export function reportFileContent(results: readonly StackResult[], inputs: DriftInputs): unknown {
  return {
    action: 'drift-check',
    environment: inputs.environment ?? null,
    region: inputs.region,
    mode: inputs.mode,
    failOn: inputs.failOn,
    revert: inputs.revert,
    drifted: results.some((result) => result.drifted),
    driftedStacks: results.filter((result) => result.drifted).map((result) => result.stack),
    overwrites: overwriteCount(results),
    stacks: results.map((result) => ({
      stack: result.stack,
      verdict: result.verdict,
      stackStatus: result.stackStatus ?? null,
      drifted: result.drifted,
      error: result.error ?? null,
      refusal: result.refusal ?? null,
      notes: result.notes,
      detection: result.detection
        ? {
            id: result.detection.detectionId,
            status: result.detection.status,
            stackDriftStatus: result.detection.stackDriftStatus ?? null,
            reason: result.detection.reason ?? null,
            resources: result.detection.resources,
          }
        : null,
      changeSet: result.changeSet
        ? {
            name: result.changeSet.name,
            id: result.changeSet.id ?? null,
            status: result.changeSet.status,
            reason: result.changeSet.reason ?? null,
            stackDriftStatus: result.changeSet.stackDriftStatus ?? null,
            deploymentMode: result.changeSet.deploymentMode ?? null,
            changes: result.changeSet.changes.length,
            executed: result.changeSet.executed,
            deleted: result.changeSet.deleted,
          }
        : null,
      counts: result.classification?.counts ?? null,
      properties: (result.classification?.rows ?? []).map((row) => ({
        resource: row.logicalId,
        type: row.type,
        property: row.property,
        previous: row.previous ?? null,
        live: row.live ?? null,
        proposed: row.proposed ?? null,
        verdict: row.verdict,
      })),
    })),
  };
}
