/** The job summary of a helm-guard run. */
import { codeBlock, escapeMarkdown } from '../../../src/escape';
import { renderTable, type Cell } from '../../../src/markdown';
import { ACTION, type HelmGuardOutcome } from './flow';
import type { HelmGuardInputs } from './inputs';

/**
 * Job summary markdown. Table cells are escaped by `renderTable`; redaction and the size cap happen in the
 * outbound channel when it is written.
 */
export function renderSummary(inputs: HelmGuardInputs, outcome: HelmGuardOutcome): string {
  const live =
    outcome.installed && outcome.installed.status !== 'uninstalled' ? outcome.installed : undefined;
  const rows: Cell[][] = [
    ['Release', { code: inputs.release }],
    ['Namespace', { code: inputs.namespace }],
    [
      'Installed (before this run)',
      live
        ? `${live.chart} ${live.version} (status ${live.status || '?'}, revision ${live.revision ?? '?'})`
        : 'not installed',
    ],
    ['Pinned', `${inputs.chart ? `${inputs.chart.name} ` : ''}${inputs.version}`],
    ['Decision', outcome.verdict.decision ? { code: outcome.verdict.decision } : 'refused'],
    ['Why', outcome.verdict.reason],
    ['Read with', `${outcome.source}${outcome.helmVersion ? ` (helm ${outcome.helmVersion})` : ''}`],
  ];
  if (inputs.kubeContext) rows.splice(2, 0, ['Kube context', { code: inputs.kubeContext }]);
  const parts = [
    `### ${ACTION}: ${escapeMarkdown(inputs.release)} in ${escapeMarkdown(inputs.namespace)}`,
    '',
    renderTable(['', ''], rows, { maxCellLength: 2_000 }),
    '',
  ];
  if (outcome.verdict.error) parts.push(`**Refused:** ${escapeMarkdown(outcome.verdict.error)}`, '');
  if (outcome.command) {
    const result = outcome.upgradeExitCode === 0 ? 'succeeded' : `failed (exit ${outcome.upgradeExitCode})`;
    parts.push(`Ran (${result}):`, '', codeBlock(outcome.command), '');
  } else if (inputs.upgrade) {
    parts.push('helm upgrade was not run.', '');
  } else {
    parts.push(`Guard only (upgrade: false); should-upgrade=${outcome.verdict.shouldUpgrade}.`, '');
  }
  return parts.join('\n');
}
