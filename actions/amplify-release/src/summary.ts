/** The job summary of an amplify-release run (keys and their change only, never a value). */
import { code, escapeMarkdown } from '../../../src/escape';
import { renderTable } from '../../../src/markdown';
import type { AmplifyReleaseOutcome } from './outcome';

const CHOICE_TEXT = {
  start: 'release started',
  busy: 'job already in progress',
  skip: 'skipped',
} as const;

/**
 * Job summary markdown. Table cells are redacted (`secrets`: every registered secret) *before* they are
 * clipped and escaped by `renderTable` — a clip must not leave the start of a secret in a cell — and the
 * outbound channel redacts the escaped text again when it is written (C3).
 */
export function renderSummary(outcome: AmplifyReleaseOutcome, secrets: readonly string[] = []): string {
  const facts = renderTable(
    ['App', 'Branch', 'Region', 'Release mode', 'Decision', 'Reason', 'Job', 'Job status'],
    [
      [
        outcome.appId,
        outcome.branch,
        outcome.region,
        outcome.release,
        outcome.decision ? CHOICE_TEXT[outcome.decision] : 'not decided',
        outcome.reason || '—',
        outcome.jobId ?? '—',
        outcome.jobStatus ?? '—',
      ],
    ],
    { secrets },
  );
  const parts = [
    `### Amplify release: ${code(outcome.appId)} / ${code(outcome.branch)} (${outcome.region})`,
    '',
    facts,
    '',
  ];
  if (outcome.envChanges.length > 0) {
    parts.push(
      `Environment variables (${outcome.envScope} scope; ${outcome.envChanged ? 'written' : 'nothing written'}):`,
      '',
      renderTable(
        ['Key', 'Change'],
        outcome.envChanges.map((change) => [change.key, change.change]),
        { secrets },
      ),
      '',
    );
  } else {
    parts.push('Environment variables: none given, left as they are.', '');
  }
  if (outcome.error) parts.push(`**Failed:** ${escapeMarkdown(outcome.error)}`, '');
  return parts.join('\n');
}
