/** The fail-on decision: why the step fails (naming stacks and properties), or undefined when it passes. */
import type { StackResult } from './drift';
import type { DriftInputs } from './inputs';
import { overwriteLines } from './render';

/** Drifted properties of one stack, for the fail-on: drift message. */
function driftedProperties(result: StackResult): string {
  if (result.verdict === 'detection-failed' && !result.drifted)
    return `${result.stack} (detection failed: ${result.detection?.reason ?? 'no reason given'})`;
  const rows = (result.classification?.rows ?? []).filter((row) => row.verdict !== 'change');
  const named = new Set(rows.map((row) => row.logicalId));
  const properties = [
    ...new Set([
      ...rows.map((row) =>
        row.verdict === 'recreate' ? `${row.logicalId} (recreate)` : `${row.logicalId}.${row.property}`,
      ),
      ...(result.detection?.resources ?? [])
        .filter(
          (resource) =>
            (resource.status === 'MODIFIED' || resource.status === 'DELETED') &&
            !named.has(resource.logicalId),
        )
        .flatMap((resource) =>
          resource.differences.length && resource.status === 'MODIFIED'
            ? resource.differences.map((diff) => `${resource.logicalId}${diff.path.replace(/\//g, '.')}`)
            : [`${resource.logicalId} (${resource.status.toLowerCase()})`],
        ),
    ]),
  ];
  return `${result.stack} (${properties.slice(0, 10).join(', ') || 'drifted'}${properties.length > 10 ? ', …' : ''})`;
}

/** Why the step fails under `fail-on`, naming stacks and properties; errors always fail. */
export function failureReason(
  results: readonly StackResult[],
  inputs: Pick<DriftInputs, 'failOn'>,
): string | undefined {
  const parts: string[] = [];
  const errors = results.filter((result) => result.error);
  if (errors.length)
    parts.push(
      `${errors.length} stack(s) could not be checked: ${errors.map((result) => `${result.stack}: ${result.error}`).join('; ')}`,
    );
  if (inputs.failOn === 'overwrite') {
    const overwrites = overwriteLines(results);
    if (overwrites.length) {
      parts.push(
        `${overwrites.length} drifted live value(s) would be overwritten by a deploy (fail-on: overwrite): ${overwrites.slice(0, 20).join('; ')}${overwrites.length > 20 ? '; …' : ''}. Put the live value into the template (or revert the drift on purpose), then run again`,
      );
    }
  }
  if (inputs.failOn === 'drift') {
    const drifted = results.filter((result) => result.drifted || result.verdict === 'detection-failed');
    if (drifted.length) {
      parts.push(
        `drift found (fail-on: drift) in ${drifted.length} stack(s): ${drifted.map(driftedProperties).join('; ')}`,
      );
    }
  }
  return parts.length ? `drift-check: ${parts.join('. ')}.` : undefined;
}
