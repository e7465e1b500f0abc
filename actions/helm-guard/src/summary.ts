/** The job summary of a helm-guard run. */
import { code, table } from '../../../src/markdown';
import { ACTION, type HelmGuardOutcome } from './flow';
import type { HelmGuardInputs } from './inputs';

/**
 * Job summary markdown. Table cells are escaped by `table`; redaction and the size cap happen in the
 * outbound channel when it is written.
 */
export function renderSummary(inputs: HelmGuardInputs, outcome: HelmGuardOutcome): string {
  const live =
    outcome.installed && outcome.installed.status !== 'uninstalled' ? outcome.installed : undefined;
  const rows: unknown[][] = [
    ['Release', code(inputs.release)],
    ['Namespace', code(inputs.namespace)],
    [
      'Installed (before this run)',
      live
        ? `${live.chart} ${live.version} (status ${live.status || '?'}, revision ${live.revision ?? '?'})`
        : 'not installed',
    ],
    ['Pinned', `${inputs.chart ? `${inputs.chart.name} ` : ''}${inputs.version}`],
    ['Decision', outcome.verdict.decision ? code(outcome.verdict.decision) : 'refused'],
    ['Why', outcome.verdict.reason],
    ['Read with', `${outcome.source}${outcome.helmVersion ? ` (helm ${outcome.helmVersion})` : ''}`],
  ];
  if (inputs.kubeContext) rows.splice(2, 0, ['Kube context', code(inputs.kubeContext)]);
  const parts = [`### ${ACTION}: ${inputs.release} in ${inputs.namespace}`, '', table(['', ''], rows), ''];
  if (outcome.verdict.error) parts.push(`**Refused:** ${outcome.verdict.error}`, '');
  if (outcome.command) {
    const result = outcome.upgradeExitCode === 0 ? 'succeeded' : `failed (exit ${outcome.upgradeExitCode})`;
    parts.push(`Ran (${result}):`, '', '```', outcome.command, '```', '');
  } else if (inputs.upgrade) {
    parts.push('helm upgrade was not run.', '');
  } else {
    parts.push(`Guard only (upgrade: false); should-upgrade=${outcome.verdict.shouldUpgrade}.`, '');
  }
  return parts.join('\n');
}
