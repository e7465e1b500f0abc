/**
 * One document for all stacks: the shared plan (renderPlan) with drift-check's sections passed as
 * extraSections — the per-stack verdict table (overwrites first), the overwrite list, a three-way table per
 * drifted resource (renderTable) and the detection results. The same document feeds the job summary and the
 * sticky PR comment; a JSON report with the same facts is written under RUNNER_TEMP.
 */
import { renderPlan, renderTable, type Cell, type PlanResult } from '../../../src/plan';
import { codeCell, escapeMarkdown } from '../../../src/markdown';
import { VERDICT_ORDER, type PropertyRow, type Verdict } from './classify';
import { STACK_VERDICT_ORDER, type StackReport, type StackVerdict } from './drift';
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

export function sortStacks(reports: readonly StackReport[]): StackReport[] {
  return [...reports].sort(
    (a, b) => STACK_VERDICT_ORDER.indexOf(a.verdict) - STACK_VERDICT_ORDER.indexOf(b.verdict),
  );
}

export function allSecrets(reports: readonly StackReport[]): string[] {
  return [...new Set(reports.flatMap((r) => r.secrets))];
}

const show = (v: string | undefined): Cell => (v === undefined ? { md: '_(unset)_' } : { code: v });

function overviewTable(reports: StackReport[], secrets: string[]): string {
  const rows: Cell[][] = reports.map((r) => {
    const c = r.classification?.counts;
    const note = r.error ?? r.refusal ?? r.notes[0] ?? '';
    return [
      { code: r.stack },
      STACK_LABEL[r.verdict],
      r.detection
        ? `${r.detection.stackDriftStatus ?? r.detection.status}`
        : (r.changeSet?.stackDriftStatus ?? ''),
      c?.overwrite ?? '',
      c?.revert ?? '',
      c?.sync ?? '',
      c?.recreate ?? '',
      r.changeSet
        ? `${r.changeSet.status}${r.changeSet.executed ? ', executed' : r.changeSet.deleted ? ', deleted' : ''}`
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

export function overwriteLines(reports: readonly StackReport[]): string[] {
  const out: string[] = [];
  for (const r of reports)
    for (const row of r.classification?.rows ?? [])
      if (row.verdict === 'overwrite')
        out.push(
          `${r.stack}/${row.logicalId}.${row.property} (previous ${row.previous ?? '(unset)'}, live ${row.live ?? '(unset)'}, proposed ${row.proposed ?? '(unset)'})`,
        );
  return out;
}

function threeWaySection(r: StackReport, secrets: string[]): string | undefined {
  const rows = r.classification?.rows ?? [];
  if (rows.length === 0) return undefined;
  const out = [`#### Three-way view: ${codeCell(r.stack)}`];
  const byResource = new Map<string, PropertyRow[]>();
  for (const row of rows) byResource.set(row.logicalId, [...(byResource.get(row.logicalId) ?? []), row]);
  for (const [id, list] of byResource) {
    const worst = VERDICT_ORDER.find((v) => list.some((x) => x.verdict === v)) as Verdict;
    const first = list[0] as PropertyRow;
    out.push(
      '',
      `##### ${codeCell(id)} ${escapeMarkdown(first.type)} — ${escapeMarkdown(VERDICT_LABEL[worst])}${first.resourceDrift ? ` (${escapeMarkdown(first.resourceDrift)})` : ''}`,
      '',
      renderTable(
        ['Property', 'Previous template', 'Live', 'Proposed', 'Verdict'],
        list.map((x) => [
          { code: x.property },
          show(x.previous),
          show(x.live),
          show(x.proposed),
          VERDICT_LABEL[x.verdict],
        ]),
        { secrets },
      ),
    );
  }
  return out.join('\n');
}

function detectionSection(r: StackReport, secrets: string[]): string | undefined {
  const d = r.detection;
  if (!d) return undefined;
  const notable = d.resources.filter((x) => x.status !== 'IN_SYNC');
  const inSync = d.resources.length - notable.length;
  const head = `#### Drift detection: ${codeCell(r.stack)} — ${escapeMarkdown(d.status)}, ${escapeMarkdown(d.stackDriftStatus ?? 'UNKNOWN')}${d.reason ? ` — ${escapeMarkdown(d.reason)}` : ''} (${inSync} resource(s) in sync)`;
  if (notable.length === 0) return head;
  const rows: Cell[][] = [];
  for (const x of notable) {
    const note =
      x.status === 'NOT_CHECKED' || x.status === 'UNSUPPORTED'
        ? 'not checked: drift detection does not support this resource type'
        : x.status === 'DELETED'
          ? 'deleted outside CloudFormation'
          : (x.reason ?? '');
    if (x.differences.length === 0) rows.push([{ code: x.logicalId }, x.type, x.status, '', '', '', note]);
    for (const p of x.differences)
      rows.push([
        { code: x.logicalId },
        x.type,
        x.status,
        { code: p.path },
        show(p.expected),
        show(p.actual),
        p.difference ?? '',
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

export function driftSections(reports: readonly StackReport[], secrets: string[]): string[] {
  const sorted = sortStacks(reports);
  const sections = [`#### Stacks (${sorted.length})`, overviewTable(sorted, secrets)];
  const ow = overwriteLines(sorted);
  if (ow.length) {
    sections.push(
      [
        `#### ⛔ Overwrites (${ow.length})`,
        '',
        'A deploy would replace a live value that someone changed outside CloudFormation with a third value (D1):',
        '',
        ...ow.map((l) => `- ${escapeMarkdown(l)}`),
      ].join('\n'),
    );
  }
  for (const r of sorted) {
    const t = threeWaySection(r, secrets);
    if (t) sections.push(t);
  }
  for (const r of sorted) {
    const d = detectionSection(r, secrets);
    if (d) sections.push(d);
  }
  return sections;
}

export function titleOf(reports: readonly StackReport[], inp: Pick<DriftInputs, 'environment'>): string {
  const n = (v: StackVerdict) => reports.filter((r) => r.verdict === v).length;
  const overwrites = reports.reduce((s, r) => s + (r.classification?.counts.overwrite ?? 0), 0);
  const parts = [
    overwrites ? `${overwrites} overwrite(s) in ${n('overwrite')} stack(s)` : '',
    reports.filter((r) => r.drifted).length ? `${reports.filter((r) => r.drifted).length} drifted` : '',
    n('detection-failed') ? `${n('detection-failed')} detection failed` : '',
    n('error') ? `${n('error')} error(s)` : '',
  ].filter(Boolean);
  return `Drift check of ${reports.length} stack(s)${inp.environment ? ` (${inp.environment})` : ''} — ${parts.length ? parts.join(', ') : 'no drift'}`;
}

export function renderDriftPlan(
  reports: readonly StackReport[],
  inp: Pick<DriftInputs, 'environment' | 'destructiveAllowList' | 'region'>,
  runUrl?: string,
): PlanResult {
  const secrets = allSecrets(reports);
  const stacks = reports.map((r) => r.stack);
  return renderPlan({
    changeSets: sortStacks(reports)
      .filter((r) => r.changeSet)
      .map((r) => ({
        stackName: r.stack,
        changeSetName: r.changeSet?.name,
        changes: r.changeSet?.changes ?? [],
        status: r.changeSet?.status === 'ready' ? 'CREATE_COMPLETE' : r.changeSet?.status.toUpperCase(),
        statusReason: r.changeSet?.reason,
      })),
    header: {
      stack: stacks.length <= 5 ? stacks.join(', ') : `${stacks.length} stacks`,
      environment: inp.environment,
      region: inp.region,
      title: titleOf(reports, inp),
      runUrl,
    },
    secrets,
    noEchoParameters: [...new Set(reports.flatMap((r) => r.noEchoParameters))],
    allowList: inp.destructiveAllowList,
    extraSections: driftSections(reports, secrets),
  });
}

/** The JSON report (RUNNER_TEMP): the same facts as the summary, secrets redacted by the caller. */
export function jsonReport(reports: readonly StackReport[], inp: DriftInputs): unknown {
  return {
    action: 'drift-check',
    environment: inp.environment ?? null,
    region: inp.region,
    mode: inp.mode,
    failOn: inp.failOn,
    revert: inp.revert,
    drifted: reports.some((r) => r.drifted),
    driftedStacks: reports.filter((r) => r.drifted).map((r) => r.stack),
    overwrites: reports.reduce((s, r) => s + (r.classification?.counts.overwrite ?? 0), 0),
    stacks: reports.map((r) => ({
      stack: r.stack,
      verdict: r.verdict,
      stackStatus: r.stackStatus ?? null,
      drifted: r.drifted,
      error: r.error ?? null,
      refusal: r.refusal ?? null,
      notes: r.notes,
      detection: r.detection
        ? {
            id: r.detection.detectionId,
            status: r.detection.status,
            stackDriftStatus: r.detection.stackDriftStatus ?? null,
            reason: r.detection.reason ?? null,
            resources: r.detection.resources,
          }
        : null,
      changeSet: r.changeSet
        ? {
            name: r.changeSet.name,
            id: r.changeSet.id ?? null,
            status: r.changeSet.status,
            reason: r.changeSet.reason ?? null,
            stackDriftStatus: r.changeSet.stackDriftStatus ?? null,
            deploymentMode: r.changeSet.deploymentMode ?? null,
            changes: r.changeSet.changes.length,
            executed: r.changeSet.executed,
            deleted: r.changeSet.deleted,
          }
        : null,
      counts: r.classification?.counts ?? null,
      properties: (r.classification?.rows ?? []).map((x) => ({
        resource: x.logicalId,
        type: x.type,
        property: x.property,
        previous: x.previous ?? null,
        live: x.live ?? null,
        proposed: x.proposed ?? null,
        verdict: x.verdict,
      })),
    })),
  };
}
