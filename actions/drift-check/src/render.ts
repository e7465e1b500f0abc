/**
 * Rendering: one document for all stacks — the shared plan (renderPlan) with drift-check's sections passed as
 * extraSections: the per-stack verdict table (overwrites first), the overwrite list, a three-way table per
 * drifted resource (renderTable) and the detection results. The same document feeds the job summary and the
 * sticky PR comment (`publish.ts`); the JSON report file (`report-file.ts`) holds the same facts.
 */
import { renderPlan, renderTable, type Cell, type PlanResult } from '../../../src/plan';
import { codeCell, escapeMarkdown } from '../../../src/markdown';
import { VERDICT_ORDER, type PropertyRow, type Verdict } from './classify';
import { STACK_VERDICT_ORDER, type StackResult, type StackVerdict } from './drift';
import type { DriftInputs } from './inputs';

export const VERDICT_LABEL: Record<Verdict, string> = {
  overwrite: '⛔ overwrite',
  recreate: '♻️ recreate',
  revert: '↩️ revert',
  sync: '🔄 sync',
  change: 'change (no drift)',
};

export const STACK_LABEL: Record<StackVerdict, string> = {
  overwrite: '⛔ overwrite',
  error: '❌ error',
  'detection-failed': '⚠️ detection failed',
  drifted: '⚠️ drifted',
  reverted: '↩️ reverted',
  skipped: '⏭️ skipped',
  'in-sync': '✅ in sync',
};

export function sortStacks(results: readonly StackResult[]): StackResult[] {
  return [...results].sort(
    (first, second) =>
      STACK_VERDICT_ORDER.indexOf(first.verdict) - STACK_VERDICT_ORDER.indexOf(second.verdict),
  );
}

export function allSecrets(results: readonly StackResult[]): string[] {
  return [...new Set(results.flatMap((result) => result.secrets))];
}

/** Total overwrites over all stacks (the `overwrites` output). */
export function overwriteCount(results: readonly StackResult[]): number {
  return results.reduce((total, result) => total + (result.classification?.counts.overwrite ?? 0), 0);
}

const show = (value: string | undefined): Cell =>
  value === undefined ? { md: '_(unset)_' } : { code: value };

function overviewTable(results: StackResult[], secrets: string[]): string {
  const rows: Cell[][] = results.map((result) => {
    const counts = result.classification?.counts;
    const changeSet = result.changeSet;
    const note = result.error ?? result.refusal ?? result.notes[0] ?? '';
    return [
      { code: result.stack },
      STACK_LABEL[result.verdict],
      result.detection
        ? `${result.detection.stackDriftStatus ?? result.detection.status}`
        : (changeSet?.stackDriftStatus ?? ''),
      counts?.overwrite ?? '',
      counts?.revert ?? '',
      counts?.sync ?? '',
      counts?.recreate ?? '',
      changeSet
        ? `${changeSet.status}${changeSet.executed ? ', executed' : changeSet.deleted ? ', deleted' : ''}`
        : '',
      note,
    ];
  });
  return renderTable(
    ['Stack', 'Verdict', 'Drift', 'Overwrite', 'Revert', 'Sync', 'Recreate', 'Change set', 'Note'],
    rows,
    {
      secrets,
    },
  );
}

export function overwriteLines(results: readonly StackResult[]): string[] {
  const lines: string[] = [];
  for (const result of results)
    for (const row of result.classification?.rows ?? [])
      if (row.verdict === 'overwrite')
        lines.push(
          `${result.stack}/${row.logicalId}.${row.property} (previous ${row.previous ?? '(unset)'}, live ${row.live ?? '(unset)'}, proposed ${row.proposed ?? '(unset)'})`,
        );
  return lines;
}

function threeWaySection(result: StackResult, secrets: string[]): string | undefined {
  const rows = result.classification?.rows ?? [];
  if (rows.length === 0) return undefined;
  const out = [`#### Three-way view: ${codeCell(result.stack)}`];
  const byResource = new Map<string, PropertyRow[]>();
  for (const row of rows) byResource.set(row.logicalId, [...(byResource.get(row.logicalId) ?? []), row]);
  for (const [id, list] of byResource) {
    const worst = VERDICT_ORDER.find((verdict) => list.some((row) => row.verdict === verdict)) as Verdict;
    const first = list[0] as PropertyRow;
    out.push(
      '',
      `##### ${codeCell(id)} ${escapeMarkdown(first.type)} — ${escapeMarkdown(VERDICT_LABEL[worst])}${first.resourceDrift ? ` (${escapeMarkdown(first.resourceDrift)})` : ''}`,
      '',
      renderTable(
        ['Property', 'Previous template', 'Live', 'Proposed', 'Verdict'],
        list.map((row) => [
          { code: row.property },
          show(row.previous),
          show(row.live),
          show(row.proposed),
          VERDICT_LABEL[row.verdict],
        ]),
        { secrets },
      ),
    );
  }
  return out.join('\n');
}

function detectionSection(result: StackResult, secrets: string[]): string | undefined {
  const detection = result.detection;
  if (!detection) return undefined;
  const notable = detection.resources.filter((resource) => resource.status !== 'IN_SYNC');
  const inSync = detection.resources.length - notable.length;
  const head = `#### Drift detection: ${codeCell(result.stack)} — ${escapeMarkdown(detection.status)}, ${escapeMarkdown(detection.stackDriftStatus ?? 'UNKNOWN')}${detection.reason ? ` — ${escapeMarkdown(detection.reason)}` : ''} (${inSync} resource(s) in sync)`;
  if (notable.length === 0) return head;
  const rows: Cell[][] = [];
  for (const resource of notable) {
    const note =
      resource.status === 'NOT_CHECKED' || resource.status === 'UNSUPPORTED'
        ? 'not checked: drift detection does not support this resource type'
        : resource.status === 'DELETED'
          ? 'deleted outside CloudFormation'
          : (resource.reason ?? '');
    if (resource.differences.length === 0)
      rows.push([{ code: resource.logicalId }, resource.type, resource.status, '', '', '', note]);
    for (const diff of resource.differences)
      rows.push([
        { code: resource.logicalId },
        resource.type,
        resource.status,
        { code: diff.path },
        show(diff.expected),
        show(diff.actual),
        diff.difference ?? '',
      ]);
  }
  return [
    head,
    '',
    renderTable(['Resource', 'Type', 'Status', 'Property', 'Expected', 'Actual', 'Difference / note'], rows, {
      secrets,
    }),
  ].join('\n');
}

export function driftSections(results: readonly StackResult[], secrets: string[]): string[] {
  const sorted = sortStacks(results);
  const sections = [`#### Stacks (${sorted.length})`, overviewTable(sorted, secrets)];
  const overwrites = overwriteLines(sorted);
  if (overwrites.length) {
    sections.push(
      [
        `#### ⛔ Overwrites (${overwrites.length})`,
        '',
        'A deploy would replace a live value that someone changed outside CloudFormation with a third value (D1):',
        '',
        ...overwrites.map((line) => `- ${escapeMarkdown(line)}`),
      ].join('\n'),
    );
  }
  for (const result of sorted) {
    const section = threeWaySection(result, secrets);
    if (section) sections.push(section);
  }
  for (const result of sorted) {
    const section = detectionSection(result, secrets);
    if (section) sections.push(section);
  }
  return sections;
}

export function titleOf(results: readonly StackResult[], inputs: Pick<DriftInputs, 'environment'>): string {
  const stacksWith = (verdict: StackVerdict) => results.filter((result) => result.verdict === verdict).length;
  const overwrites = overwriteCount(results);
  const drifted = results.filter((result) => result.drifted).length;
  const parts = [
    overwrites ? `${overwrites} overwrite(s) in ${stacksWith('overwrite')} stack(s)` : '',
    drifted ? `${drifted} drifted` : '',
    stacksWith('detection-failed') ? `${stacksWith('detection-failed')} detection failed` : '',
    stacksWith('error') ? `${stacksWith('error')} error(s)` : '',
  ].filter(Boolean);
  return `Drift check of ${results.length} stack(s)${inputs.environment ? ` (${inputs.environment})` : ''} — ${parts.length ? parts.join(', ') : 'no drift'}`;
}

/** The one document (summary and PR comment) for all stacks. */
export function renderDriftPlan(
  results: readonly StackResult[],
  inputs: Pick<DriftInputs, 'environment' | 'destructiveAllowList' | 'region'>,
  runUrl?: string,
): PlanResult {
  const secrets = allSecrets(results);
  const stacks = results.map((result) => result.stack);
  return renderPlan({
    changeSets: sortStacks(results)
      .filter((result) => result.changeSet)
      .map((result) => ({
        stackName: result.stack,
        changeSetName: result.changeSet?.name,
        changes: result.changeSet?.changes ?? [],
        status:
          result.changeSet?.status === 'ready' ? 'CREATE_COMPLETE' : result.changeSet?.status.toUpperCase(),
        statusReason: result.changeSet?.reason,
      })),
    header: {
      stack: stacks.length <= 5 ? stacks.join(', ') : `${stacks.length} stacks`,
      environment: inputs.environment,
      region: inputs.region,
      title: titleOf(results, inputs),
      runUrl,
    },
    secrets,
    noEchoParameters: [...new Set(results.flatMap((result) => result.noEchoParameters))],
    allowList: inputs.destructiveAllowList,
    extraSections: driftSections(results, secrets),
  });
}
