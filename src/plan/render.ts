/**
 * Markdown rendering of a plan at a given level of detail: one verdict line, a header table, destructive
 * changes first (H2), extra sections, then everything else grouped by action. Every AWS/user string is
 * escaped with `src/escape.ts`; items arrive already redacted (`./model`). `./fit` picks the level.
 */
import { codeCell, escapeMarkdown } from '../escape';
import { clip, MAX_CELL_LENGTH } from '../markdown';
import type { Redactor } from '../secrets';
import { summaryLine, type PlanCounts, type PlanKind } from './classify';
import type { DestructiveCause, DestructiveChange, PlanInput, PlanItem } from './model';

/** One rung of the detail ladder. */
export interface Detail {
  /** Property before/after values: everywhere, for destructive changes only, or nowhere. */
  values: 'all' | 'destructive' | 'none';
  /** JSON before/after contexts. */
  contexts: boolean;
  /** Non-destructive resource rows per group (Infinity = all). */
  maxRows: number;
  /** full: causes with entity/source; compact: property names only; list: one line per resource; ids: ids only. */
  destructive: 'full' | 'compact' | 'list' | 'ids';
  extras: boolean;
}

/** Builds the "shortened" note from what was left out. */
export type OmittedNote = (omitted: string[]) => string[];

const GROUPS: Array<{ kind: PlanKind; title: string }> = [
  { kind: 'add', title: 'Add' },
  { kind: 'modify', title: 'Modify' },
  { kind: 'import', title: 'Import' },
  { kind: 'dynamic', title: 'Dynamic' },
  { kind: 'sync', title: 'Sync with actual' },
];

/** Longest JSON context shown per resource. */
const MAX_CONTEXT = 6_000;

/** A (redacted) value as a clipped code cell; nothing when there is no value. */
function valueCell(value: string | undefined): string {
  return value === undefined ? '' : codeCell(clip(value, MAX_CELL_LENGTH));
}

function actionText(change: DestructiveChange): string {
  let text =
    change.action === 'Remove'
      ? 'Remove'
      : change.replacement === 'True'
        ? 'Replace'
        : 'Replace (conditional)';
  if (change.policyAction) text += ` (policy: ${escapeMarkdown(change.policyAction)})`;
  return text;
}

function causeText(cause: DestructiveCause, full: boolean): string {
  let text = codeCell(cause.name);
  if (!full) return text;
  if (cause.requiresRecreation) text += ` (recreation: ${escapeMarkdown(cause.requiresRecreation)})`;
  const by = [
    cause.changeSource ? escapeMarkdown(cause.changeSource) : '',
    cause.causingEntity ? codeCell(cause.causingEntity) : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (by) text += ` ← ${by}`;
  return text;
}

function allowedText(change: DestructiveChange): string {
  return change.allowListed ? '✅ allowed (allow-list)' : '⚠️ needs review';
}

function hasValues(item: PlanItem): boolean {
  return item.props.some((prop) => prop.before !== undefined || prop.after !== undefined);
}

/**
 * The plan as Markdown at any level of detail. Rendering is repeated while fitting, so rows that do not
 * depend on the level are memoised per item.
 */
export class PlanDocument {
  private readonly cache = new Map<string, string>();
  private readonly itemIds = new Map<PlanItem, number>();

  constructor(
    private readonly input: PlanInput,
    private readonly items: PlanItem[],
    private readonly counts: PlanCounts,
    private readonly destructive: DestructiveChange[],
    private readonly redactor: Redactor,
  ) {}

  private memo(key: string, build: () => string): string {
    let hit = this.cache.get(key);
    if (hit === undefined) {
      hit = build();
      this.cache.set(key, hit);
    }
    return hit;
  }

  private itemId(item: PlanItem): number {
    let id = this.itemIds.get(item);
    if (id === undefined) {
      id = this.itemIds.size;
      this.itemIds.set(item, id);
    }
    return id;
  }

  private redact(text: string): string {
    return this.redactor.redact(text);
  }

  private multiStack(): boolean {
    return this.input.changeSets.length > 1 || this.input.changeSets.some((set) => set.parentPath?.length);
  }

  head(): string[] {
    const header = this.input.header;
    const title = header.title
      ? escapeMarkdown(this.redact(header.title))
      : `Plan for ${codeCell(this.redact(header.stack))}${header.environment ? ` (${escapeMarkdown(this.redact(header.environment))})` : ''}`;
    const destructiveCount = this.destructive.length;
    const allowed = this.destructive.filter((change) => change.allowListed).length;
    const icon = destructiveCount > allowed ? '⚠️' : this.items.length === 0 ? '✅' : '📝';
    let verdict = `### ${icon} ${title}: ${summaryLine(this.counts)}`;
    if (destructiveCount > 0)
      verdict += ` — ${destructiveCount} destructive change${destructiveCount === 1 ? '' : 's'}${allowed ? ` (${allowed} allow-listed)` : ''}`;
    const columns: Array<[string, string | undefined]> = [
      ['Stack', header.stack],
      ['Environment', header.environment],
      ['Account', header.account],
      ['Region', header.region],
      ['Change set', header.changeSetName ?? this.input.changeSets[0]?.changeSetName],
      ['Commit', header.commit],
    ];
    const present = columns.filter(([, value]) => value !== undefined && value !== '');
    const out = [
      verdict,
      '',
      `| ${present.map(([name]) => name).join(' | ')} |`,
      `|${present.map(() => ' --- |').join('')}`,
      `| ${present.map(([, value]) => codeCell(this.redact(value as string))).join(' | ')} |`,
    ];
    const sets = this.input.changeSets;
    if (sets.length > 1 || sets.some((set) => set.status && set.status !== 'CREATE_COMPLETE')) {
      out.push(
        '',
        '| Stack | Change set | Status | Reason |',
        '| --- | --- | --- | --- |',
        ...sets.map(
          (set) =>
            `| ${escapeMarkdown(this.redact([...(set.parentPath ?? []), set.stackName].join(' › ')))} | ${valueCell(
              set.changeSetName && this.redact(set.changeSetName),
            )} | ${escapeMarkdown(set.status ?? '')} | ${valueCell(set.statusReason && this.redact(set.statusReason))} |`,
        ),
      );
    }
    return out;
  }

  destructiveSection(detail: Detail): string[] {
    const items = this.items.filter((item) => item.destructive);
    if (items.length === 0) return [];
    const multi = this.multiStack();
    const out = ['', `#### ⚠️ Destructive changes (${items.length})`, ''];
    if (detail.destructive === 'ids') {
      // Last resort for thousands of destructive changes: logical ids grouped by stack, action and allow-list.
      const groups = new Map<string, string[]>();
      for (const item of items) {
        const change = item.destructive as DestructiveChange;
        const key = `${multi ? `${escapeMarkdown(item.location)}: ` : ''}${actionText(change)}, ${allowedText(change)}`;
        const ids = groups.get(key) ?? [];
        ids.push(escapeMarkdown(item.logicalId));
        groups.set(key, ids);
      }
      for (const [key, ids] of groups) out.push(`- **${key}** (${ids.length}): ${ids.join(', ')}`);
      return out;
    }
    if (detail.destructive === 'list') {
      for (const item of items) {
        const change = item.destructive as DestructiveChange;
        out.push(
          `- ${actionText(change)} ${codeCell(item.logicalId)} ${escapeMarkdown(item.type)}${multi ? ` in ${escapeMarkdown(item.location)}` : ''}${change.causes.length ? ` — ${change.causes.map((cause) => causeText(cause, false)).join(', ')}` : ''} — ${allowedText(change)}`,
        );
      }
      return out;
    }
    const full = detail.destructive === 'full';
    out.push(
      `| ${multi ? 'Stack | ' : ''}Logical ID | Type | Action | Caused by | Allowed |`,
      `| ${multi ? '--- | ' : ''}--- | --- | --- | --- | --- |`,
    );
    for (const item of items) {
      const change = item.destructive as DestructiveChange;
      out.push(
        this.memo(
          `d${this.itemId(item)}:${detail.destructive}`,
          () =>
            `| ${multi ? `${escapeMarkdown(item.location)} | ` : ''}${codeCell(item.logicalId)} | ${escapeMarkdown(item.type)} | ${actionText(
              change,
            )} | ${change.causes.map((cause) => causeText(cause, full)).join('<br>')} | ${allowedText(change)} |`,
        ),
      );
    }
    if (detail.values !== 'none') out.push(...this.propertyDetails(items, detail));
    return out;
  }

  private propertyRows(item: PlanItem, drift: boolean): string {
    const rows: string[] = [];
    for (const prop of item.props) {
      if (prop.before === undefined && prop.after === undefined) continue;
      const columns = [
        codeCell(item.logicalId),
        codeCell(prop.name),
        valueCell(prop.before),
        valueCell(prop.after),
        escapeMarkdown(prop.changeType ?? ''),
        escapeMarkdown(prop.recreation ?? ''),
      ];
      if (drift)
        columns.push(
          prop.drift ? `${valueCell(prop.drift.previous)} → ${valueCell(prop.drift.actual)}` : '',
          escapeMarkdown([prop.beforeFrom, prop.afterFrom].filter(Boolean).join(' → ')),
        );
      rows.push(`| ${columns.join(' | ')} |`);
    }
    return rows.join('\n');
  }

  private contextBlock(item: PlanItem): string {
    const parts: string[] = [];
    if (item.before !== undefined)
      parts.push('Before:', '', '````json', clip(item.before, MAX_CONTEXT), '````', '');
    if (item.after !== undefined)
      parts.push('After:', '', '````json', clip(item.after, MAX_CONTEXT), '````', '');
    return [
      '',
      `<details><summary>${codeCell(item.logicalId)} property values</summary>`,
      '',
      ...parts,
      '</details>',
    ].join('\n');
  }

  private propertyDetails(items: PlanItem[], detail: Detail): string[] {
    const withValues = items.filter(hasValues);
    const out: string[] = [];
    if (withValues.length > 0) {
      const drift = withValues.some((item) => item.props.some((prop) => prop.drift || prop.beforeFrom));
      const blocks: string[] = [];
      let count = 0;
      for (const item of withValues) {
        const block = this.memo(`p${this.itemId(item)}:${drift}`, () => this.propertyRows(item, drift));
        blocks.push(block);
        count += block.split('\n').length;
      }
      const head = drift
        ? '| Resource | Property | Before | After | Change | Recreation | Drift (previous → live) | Values from |\n| --- | --- | --- | --- | --- | --- | --- | --- |'
        : '| Resource | Property | Before | After | Change | Recreation |\n| --- | --- | --- | --- | --- | --- |';
      out.push(
        '',
        `<details><summary>Property changes (${count})</summary>`,
        '',
        head,
        ...blocks,
        '',
        '</details>',
      );
    }
    if (detail.contexts) {
      for (const item of items) {
        if (item.before === undefined && item.after === undefined) continue;
        out.push(this.memo(`c${this.itemId(item)}`, () => this.contextBlock(item)));
      }
    }
    return out;
  }

  private resourceRow(item: PlanItem, multi: boolean, drift: boolean): string {
    const names = [...new Set(item.props.map((prop) => prop.name))];
    const propText =
      names
        .slice(0, 10)
        .map((name) => codeCell(name))
        .join(', ') + (names.length > 10 ? `, +${names.length - 10}` : '');
    return `| ${multi ? `${escapeMarkdown(item.location)} | ` : ''}${codeCell(item.logicalId)} | ${escapeMarkdown(item.type)} | ${valueCell(
      item.physicalId,
    )} | ${propText}${drift ? ` | ${escapeMarkdown(item.driftStatus ?? '')}` : ''} |`;
  }

  groups(detail: Detail): { lines: string[]; omitted: Array<[string, number]> } {
    const multi = this.multiStack();
    const out: string[] = [];
    const omitted: Array<[string, number]> = [];
    for (const group of GROUPS) {
      const items = this.items.filter((item) => item.kind === group.kind && !item.destructive);
      if (items.length === 0) continue;
      const shown = Number.isFinite(detail.maxRows) ? items.slice(0, detail.maxRows) : items;
      out.push('', `#### ${group.title} (${items.length})`, '');
      if (shown.length > 0) {
        const drift = items.some((item) => item.driftStatus);
        out.push(
          `| ${multi ? 'Stack | ' : ''}Logical ID | Type | Physical ID | Properties${drift ? ' | Drift' : ''} |`,
          `| ${multi ? '--- | ' : ''}--- | --- | --- | ---${drift ? ' | ---' : ''} |`,
        );
        for (const item of shown)
          out.push(this.memo(`g${this.itemId(item)}:${drift}`, () => this.resourceRow(item, multi, drift)));
        if (detail.values === 'all') out.push(...this.propertyDetails(shown, detail));
      }
      if (shown.length < items.length) {
        const more = items.length - shown.length;
        omitted.push([group.title, more]);
        out.push('', `_… and ${more} more ${group.title} change${more === 1 ? '' : 's'}_`);
      }
    }
    return { lines: out, omitted };
  }

  /** The document at this level of detail; what it left out is listed in `note` and returned. */
  render(detail: Detail, note: OmittedNote): { text: string; omitted: string[] } {
    const lines = [...this.head(), ...this.destructiveSection(detail)];
    const omitted: string[] = [];
    if (detail.extras)
      for (const section of this.input.extraSections ?? []) lines.push('', this.redact(section));
    else if (this.input.extraSections?.length) omitted.push('additional sections');
    const groups = this.groups(detail);
    lines.push(...groups.lines);
    if (!detail.contexts && this.items.some((item) => item.before !== undefined || item.after !== undefined))
      omitted.push('JSON property contexts');
    if (detail.values === 'none' && this.items.some(hasValues)) omitted.push('property values');
    else if (
      detail.values === 'destructive' &&
      this.items.some((item) => !item.destructive && hasValues(item))
    )
      omitted.push('property values of non-destructive changes');
    if (detail.destructive !== 'full' && this.items.some((item) => item.destructive))
      omitted.push('details of destructive changes (their list is complete)');
    for (const [title, count] of groups.omitted) omitted.push(`${count} ${title} resource rows`);
    if (omitted.length > 0) lines.push(...note(omitted));
    if (this.input.footer) lines.push('', this.redact(this.input.footer));
    return { text: lines.join('\n') + '\n', omitted };
  }
}
