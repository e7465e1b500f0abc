/**
 * Plan rendering shared by deploy-stack (normal change sets) and drift-check (drift-aware change sets):
 * one verdict line, a header table, destructive changes first (H2), then everything else grouped by action,
 * with every secret and NoEcho value masked (C3) and every AWS/user string escaped. The same plan is rendered
 * twice: in full for the job summary (≤ 1 MiB) and size-capped for a PR comment (≤ 65,536 characters).
 */
import type { Change, ResourceChange, ResourceChangeDetail } from '@aws-sdk/client-cloudformation';
import { codeCell, escapeMarkdown } from './markdown';

/** GitHub rejects issue/PR comment bodies longer than this many characters. */
export const COMMENT_LIMIT = 65_536;
/** GitHub's job summary limit per step (bytes). */
export const SUMMARY_LIMIT = 1_048_576;
/** Room left in the comment for the sticky-comment marker and anything a caller wraps around it. */
export const COMMENT_RESERVE = 1_024;

export type PlanKind = 'add' | 'modify' | 'replace' | 'remove' | 'import' | 'dynamic' | 'sync';

export interface PlanChangeSet {
  stackName: string;
  changeSetName?: string;
  /** All pages of DescribeChangeSet already concatenated. */
  changes: Change[];
  /** Nested stacks: the stacks above this one, outermost first. */
  parentPath?: string[];
  status?: string;
  statusReason?: string;
}

export interface PlanHeader {
  stack: string;
  environment?: string;
  account?: string;
  region?: string;
  changeSetName?: string;
  commit?: string;
  /** Replaces the default "Plan for `stack` (environment)". */
  title?: string;
  /** Link to the run whose job summary holds the full plan (see `runUrlFromEnv`). */
  runUrl?: string;
}

export interface PlanInput {
  changeSets: PlanChangeSet[];
  header: PlanHeader;
  /** Values shown as `****` wherever they appear (raw or JSON-escaped). */
  secrets?: string[];
  /** Parameter names declared NoEcho: property values they feed are masked and treated as secrets. */
  noEchoParameters?: string[];
  /** Logical ids or resource types (`*` wildcards allowed) whose destructive change is accepted. */
  allowList?: string[];
  /** Trusted Markdown (e.g. drift-check's three-way table) inserted after the destructive section. */
  extraSections?: string[];
  /** Trusted Markdown appended at the end. */
  footer?: string;
  /** Override the size limits (tests). */
  limits?: { comment?: number; markdownBytes?: number };
}

export interface PlanCounts {
  add: number;
  modify: number;
  replace: number;
  remove: number;
  import: number;
  dynamic?: number;
  /** Drift-aware change sets: SyncWithActual. */
  sync?: number;
}

export interface DestructiveCause {
  /** Property name, or the attribute (Tags, Metadata, …) when there is no name. */
  name: string;
  attribute?: string;
  requiresRecreation?: string;
  causingEntity?: string;
  changeSource?: string;
  evaluation?: string;
}

export interface DestructiveChange {
  stackName: string;
  /** parentPath + stackName. */
  path: string[];
  logicalId: string;
  physicalId?: string;
  type: string;
  /** `Remove`, or `Modify` for a replacement. */
  action: string;
  replacement?: 'True' | 'Conditional';
  /** DeletionPolicy/UpdateReplacePolicy outcome reported by CloudFormation (Delete, Retain, Snapshot, …). */
  policyAction?: string;
  causes: DestructiveCause[];
  allowListed: boolean;
}

export interface PlanResult {
  /** Full plan for the job summary (≤ 1 MiB). */
  markdown: string;
  /** Size-capped plan for a PR comment (≤ 65,536 − COMMENT_RESERVE characters by default). */
  comment: string;
  counts: PlanCounts;
  destructive: DestructiveChange[];
  hasChanges: boolean;
  /** What the comment left out (empty when it is the full plan). */
  commentOmitted: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Classification

/** What a change does, Terraform-style. Modify with Replacement True is `replace`; Conditional stays `modify`. */
export function classifyChange(change: Change): PlanKind | undefined {
  const rc = change.ResourceChange;
  switch (rc?.Action) {
    case 'Add':
      return 'add';
    case 'Remove':
      return 'remove';
    case 'Import':
      return 'import';
    case 'Dynamic':
      return 'dynamic';
    case 'SyncWithActual':
      return 'sync';
    case 'Modify':
      return rc.Replacement === 'True' ? 'replace' : 'modify';
    default:
      return undefined;
  }
}

/** Remove, or Modify whose Replacement is True or Conditional (H2). */
export function isDestructive(change: Change): boolean {
  const rc = change.ResourceChange;
  if (!rc) return false;
  if (rc.Action === 'Remove') return true;
  return rc.Action === 'Modify' && (rc.Replacement === 'True' || rc.Replacement === 'Conditional');
}

export function emptyCounts(): PlanCounts {
  return { add: 0, modify: 0, replace: 0, remove: 0, import: 0 };
}

/** `3 to add, 2 to modify, 1 to replace, 1 to remove` (+ import/dynamic/sync when non-zero), or `No changes`. */
export function summaryLine(counts: PlanCounts): string {
  const total =
    counts.add +
    counts.modify +
    counts.replace +
    counts.remove +
    counts.import +
    (counts.dynamic ?? 0) +
    (counts.sync ?? 0);
  if (total === 0) return 'No changes';
  const parts = [
    `${counts.add} to add`,
    `${counts.modify} to modify`,
    `${counts.replace} to replace`,
    `${counts.remove} to remove`,
  ];
  if (counts.import) parts.push(`${counts.import} to import`);
  if (counts.dynamic) parts.push(`${counts.dynamic} dynamic`);
  if (counts.sync) parts.push(`${counts.sync} to sync with actual`);
  return parts.join(', ');
}

/** `<server>/<repo>/actions/runs/<id>` from the runner's environment, when all three are set. */
export function runUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  if (!server || !repo || !id) return undefined;
  return `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${id}`;
}

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Is this logical id / resource type on the allow-list (exact or `*` glob)? */
export function isAllowListed(allowList: readonly string[], logicalId: string, type: string): boolean {
  return allowList.some((p) => globMatch(p, logicalId) || globMatch(p, type));
}

// ---------------------------------------------------------------------------------------------------------
// Masking

/** Every form a secret can take in our output: raw, JSON-escaped, and escaped for Markdown. */
function secretForms(secrets: Iterable<string>): string[] {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    const json = JSON.stringify(s).slice(1, -1);
    forms.add(json);
    forms.add(escapeMarkdown(s));
    forms.add(escapeMarkdown(json));
    for (const line of s.split(/\r?\n/)) if (line.trim().length > 0) forms.add(line);
  }
  return [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
}

class Redactor {
  private forms: string[];
  constructor(secrets: Iterable<string>) {
    this.forms = secretForms(secrets);
  }
  get active(): boolean {
    return this.forms.length > 0;
  }
  text(s: string): string {
    if (this.forms.length === 0 || s.length === 0) return s;
    let out = s;
    for (const f of this.forms) if (out.includes(f)) out = out.split(f).join('****');
    return out;
  }
}

const MASK = '****';

/** Walk parsed JSON, redacting every string (keys too) and masking the values at the given JSON pointers. */
function redactJson(value: unknown, r: Redactor, pointers: Set<string>, at = ''): unknown {
  if (pointers.has(at)) return MASK;
  if (typeof value === 'string') return r.text(value);
  if (Array.isArray(value)) return value.map((v, i) => redactJson(v, r, pointers, `${at}/${i}`));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const ptr = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      out[r.text(k)] = redactJson(v, r, pointers, ptr);
    }
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Model

interface PropChange {
  name: string;
  attribute?: string;
  recreation?: string;
  before?: string;
  after?: string;
  beforeFrom?: string;
  afterFrom?: string;
  drift?: { previous?: string; actual?: string };
  changeType?: string;
  source?: string;
  entity?: string;
  evaluation?: string;
}

interface Item {
  kind: PlanKind;
  location: string;
  logicalId: string;
  physicalId?: string;
  type: string;
  replacement?: string;
  policyAction?: string;
  driftStatus?: string;
  props: PropChange[];
  before?: string;
  after?: string;
  destructive?: DestructiveChange;
}

const MAX_VALUE = 300;
const MAX_CONTEXT = 6_000;

function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}… (+${s.length - max} chars)`;
}

function detailName(d: ResourceChangeDetail): string {
  return d.Target?.Name ?? d.Target?.Path ?? d.Target?.Attribute ?? '(resource)';
}

function buildItems(input: PlanInput, r0: Redactor): { items: Item[]; r: Redactor } {
  const noEcho = new Set(input.noEchoParameters ?? []);
  const allowList = input.allowList ?? [];
  // First pass: values fed by NoEcho parameters are secrets themselves.
  const extra: string[] = [];
  const isNoEcho = (d: ResourceChangeDetail): boolean =>
    noEcho.size > 0 &&
    ((d.ChangeSource === 'ParameterReference' && !!d.CausingEntity && noEcho.has(d.CausingEntity)) ||
      (!!d.Target?.Name && noEcho.has(d.Target.Name)));
  if (noEcho.size > 0) {
    for (const cs of input.changeSets)
      for (const c of cs.changes)
        for (const d of c.ResourceChange?.Details ?? [])
          if (isNoEcho(d)) {
            const t = d.Target;
            for (const v of [t?.BeforeValue, t?.AfterValue, t?.Drift?.PreviousValue, t?.Drift?.ActualValue])
              if (v && v !== MASK) extra.push(v);
          }
  }
  const r = extra.length > 0 ? new Redactor([...(input.secrets ?? []), ...extra]) : r0;

  const items: Item[] = [];
  for (const cs of input.changeSets) {
    const path = [...(cs.parentPath ?? []), cs.stackName];
    const location = path.join(' › ');
    for (const c of cs.changes) {
      const kind = classifyChange(c);
      const rc = c.ResourceChange;
      if (!kind || !rc) continue;
      const logicalId = rc.LogicalResourceId ?? '(unknown)';
      const type = rc.ResourceType ?? '(unknown type)';
      const pointers = new Set<string>();
      const props: PropChange[] = (rc.Details ?? []).map((d) => {
        const t = d.Target;
        const masked = isNoEcho(d);
        if (masked && t?.Path) {
          pointers.add(t.Path);
          pointers.add(t.Path.replace(/^\/Properties(?=\/)/, ''));
        }
        const v = (x: string | undefined): string | undefined =>
          x === undefined ? undefined : masked ? MASK : r.text(x);
        return {
          name: r.text(detailName(d)),
          attribute: t?.Attribute,
          recreation: t?.RequiresRecreation,
          before: v(t?.BeforeValue),
          after: v(t?.AfterValue),
          beforeFrom: t?.BeforeValueFrom,
          afterFrom: t?.AfterValueFrom,
          drift: t?.Drift
            ? { previous: v(t.Drift.PreviousValue), actual: v(t.Drift.ActualValue) }
            : undefined,
          changeType: t?.AttributeChangeType,
          source: d.ChangeSource,
          entity: d.CausingEntity === undefined ? undefined : r.text(d.CausingEntity),
          evaluation: d.Evaluation,
        };
      });
      const item: Item = {
        kind,
        location,
        logicalId: r.text(logicalId),
        physicalId: rc.PhysicalResourceId === undefined ? undefined : r.text(rc.PhysicalResourceId),
        type: r.text(type),
        replacement: rc.Replacement,
        policyAction: rc.PolicyAction,
        driftStatus: rc.ResourceDriftStatus,
        props,
        before: context(rc.BeforeContext, r, pointers),
        after: context(rc.AfterContext, r, pointers),
      };
      if (isDestructive(c)) item.destructive = destructiveOf(rc, cs.stackName, path, props, allowList, r);
      items.push(item);
    }
  }
  return { items, r };
}

function context(raw: string | undefined, r: Redactor, pointers: Set<string>): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.stringify(redactJson(JSON.parse(raw), r, pointers), null, 2);
  } catch {
    return r.text(raw);
  }
}

function destructiveOf(
  rc: ResourceChange,
  stackName: string,
  path: string[],
  props: PropChange[],
  allowList: readonly string[],
  r: Redactor,
): DestructiveChange {
  const logicalId = rc.LogicalResourceId ?? '(unknown)';
  const type = rc.ResourceType ?? '(unknown type)';
  const forcing = props.filter((p) => p.recreation === 'Always' || p.recreation === 'Conditionally');
  const causes: DestructiveCause[] = (rc.Action === 'Remove' ? [] : forcing.length ? forcing : props).map(
    (p) => ({
      name: p.name,
      attribute: p.attribute,
      requiresRecreation: p.recreation,
      causingEntity: p.entity,
      changeSource: p.source,
      evaluation: p.evaluation,
    }),
  );
  return {
    stackName: r.text(stackName),
    path: path.map((p) => r.text(p)),
    logicalId: r.text(logicalId),
    physicalId: rc.PhysicalResourceId === undefined ? undefined : r.text(rc.PhysicalResourceId),
    type: r.text(type),
    action: rc.Action ?? 'Remove',
    replacement: rc.Replacement === 'True' || rc.Replacement === 'Conditional' ? rc.Replacement : undefined,
    policyAction: rc.PolicyAction,
    causes,
    allowListed: isAllowListed(allowList, logicalId, type),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Generic table helper (drift-check's three-way table uses it through extraSections)

/** A table cell: plain text (escaped), `{ code }` (escaped inline code), or `{ md }` (trusted Markdown). */
export type Cell =
  string | number | boolean | null | undefined | { code: string | undefined } | { md: string };

export interface RenderTableOptions {
  /** Values shown as `****`. */
  secrets?: Iterable<string>;
  /** Longest text/code value before it is clipped (default 300). */
  maxCellLength?: number;
  /** Render at most this many rows, then "… and N more rows". */
  maxRows?: number;
}

/**
 * A Markdown table whose every cell is redacted, clipped and escaped — e.g. drift-check's
 * `renderTable(['Property', 'Previous template', 'Live', 'Proposed', 'Verdict'], rows, { secrets })`
 * with `{ code: value }` cells for values.
 */
export function renderTable(headers: string[], rows: Cell[][], opts: RenderTableOptions = {}): string {
  const r = new Redactor(opts.secrets ?? []);
  const max = opts.maxCellLength ?? MAX_VALUE;
  const fmt = (c: Cell): string => {
    if (c === undefined || c === null) return '';
    if (typeof c === 'object') {
      if ('md' in c) return r.text(c.md).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
      return c.code === undefined ? '' : codeCell(clip(r.text(c.code), max));
    }
    return escapeMarkdown(clip(r.text(String(c)), max));
  };
  const shown = opts.maxRows !== undefined ? rows.slice(0, opts.maxRows) : rows;
  const lines = [
    `| ${headers.map(fmt).join(' | ')} |`,
    `|${headers.map(() => ' --- |').join('')}`,
    ...shown.map((row) => `| ${headers.map((_, i) => fmt(row[i])).join(' | ')} |`),
  ];
  const more = rows.length - shown.length;
  if (more > 0) lines.push('', `_… and ${more} more rows_`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

interface Detail {
  /** Property before/after values: everywhere, for destructive changes only, or nowhere. */
  values: 'all' | 'destructive' | 'none';
  /** JSON before/after contexts. */
  contexts: boolean;
  /** Non-destructive resource rows per group (Infinity = all). */
  maxRows: number;
  /** full: causes with entity/source; compact: property names only; list: one line per resource. */
  destructive: 'full' | 'compact' | 'list' | 'ids';
  extras: boolean;
}

const GROUPS: Array<{ kind: PlanKind; title: string }> = [
  { kind: 'add', title: 'Add' },
  { kind: 'modify', title: 'Modify' },
  { kind: 'import', title: 'Import' },
  { kind: 'dynamic', title: 'Dynamic' },
  { kind: 'sync', title: 'Sync with actual' },
];

const v = (s: string | undefined): string => (s === undefined ? '' : codeCell(clip(s, MAX_VALUE)));

function actionText(d: DestructiveChange): string {
  let s = d.action === 'Remove' ? 'Remove' : d.replacement === 'True' ? 'Replace' : 'Replace (conditional)';
  if (d.policyAction) s += ` (policy: ${escapeMarkdown(d.policyAction)})`;
  return s;
}

function causeText(c: DestructiveCause, full: boolean): string {
  let s = codeCell(c.name);
  if (!full) return s;
  if (c.requiresRecreation) s += ` (recreation: ${escapeMarkdown(c.requiresRecreation)})`;
  const by = [
    c.changeSource ? escapeMarkdown(c.changeSource) : '',
    c.causingEntity ? codeCell(c.causingEntity) : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (by) s += ` ← ${by}`;
  return s;
}

function allowedText(d: DestructiveChange): string {
  return d.allowListed ? '✅ allowed (allow-list)' : '⚠️ needs review';
}

class Doc {
  private cache = new Map<string, string>();
  private memo(key: string, fn: () => string): string {
    let hit = this.cache.get(key);
    if (hit === undefined) {
      hit = fn();
      this.cache.set(key, hit);
    }
    return hit;
  }
  private ids = new Map<Item, number>();
  private id(i: Item): number {
    let n = this.ids.get(i);
    if (n === undefined) {
      n = this.ids.size;
      this.ids.set(i, n);
    }
    return n;
  }

  constructor(
    private input: PlanInput,
    private items: Item[],
    private counts: PlanCounts,
    private destructive: DestructiveChange[],
    private r: Redactor,
  ) {}

  private multiStack(): boolean {
    return this.input.changeSets.length > 1 || this.input.changeSets.some((c) => c.parentPath?.length);
  }

  head(): string[] {
    const h = this.input.header;
    const title = h.title
      ? escapeMarkdown(this.r.text(h.title))
      : `Plan for ${codeCell(this.r.text(h.stack))}${h.environment ? ` (${escapeMarkdown(this.r.text(h.environment))})` : ''}`;
    const nDestr = this.destructive.length;
    const allowed = this.destructive.filter((d) => d.allowListed).length;
    const icon = nDestr > allowed ? '⚠️' : this.items.length === 0 ? '✅' : '📝';
    let verdict = `### ${icon} ${title}: ${summaryLine(this.counts)}`;
    if (nDestr > 0)
      verdict += ` — ${nDestr} destructive change${nDestr === 1 ? '' : 's'}${allowed ? ` (${allowed} allow-listed)` : ''}`;
    const cols: Array<[string, string | undefined]> = [
      ['Stack', h.stack],
      ['Environment', h.environment],
      ['Account', h.account],
      ['Region', h.region],
      ['Change set', h.changeSetName ?? this.input.changeSets[0]?.changeSetName],
      ['Commit', h.commit],
    ];
    const present = cols.filter(([, val]) => val !== undefined && val !== '');
    const out = [
      verdict,
      '',
      `| ${present.map(([k]) => k).join(' | ')} |`,
      `|${present.map(() => ' --- |').join('')}`,
      `| ${present.map(([, val]) => codeCell(this.r.text(val as string))).join(' | ')} |`,
    ];
    const sets = this.input.changeSets;
    if (sets.length > 1 || sets.some((c) => c.status && c.status !== 'CREATE_COMPLETE')) {
      out.push(
        '',
        '| Stack | Change set | Status | Reason |',
        '| --- | --- | --- | --- |',
        ...sets.map(
          (c) =>
            `| ${escapeMarkdown(this.r.text([...(c.parentPath ?? []), c.stackName].join(' › ')))} | ${v(
              c.changeSetName && this.r.text(c.changeSetName),
            )} | ${escapeMarkdown(c.status ?? '')} | ${v(c.statusReason && this.r.text(c.statusReason))} |`,
        ),
      );
    }
    return out;
  }

  destructiveSection(d: Detail): string[] {
    const items = this.items.filter((i) => i.destructive);
    if (items.length === 0) return [];
    const multi = this.multiStack();
    const out = ['', `#### ⚠️ Destructive changes (${items.length})`, ''];
    if (d.destructive === 'ids') {
      // Last resort for thousands of destructive changes: logical ids grouped by stack, action and allow-list.
      const groups = new Map<string, string[]>();
      for (const i of items) {
        const x = i.destructive as DestructiveChange;
        const key = `${multi ? `${escapeMarkdown(i.location)}: ` : ''}${actionText(x)}, ${allowedText(x)}`;
        const list = groups.get(key) ?? [];
        list.push(escapeMarkdown(i.logicalId));
        groups.set(key, list);
      }
      for (const [key, ids] of groups) out.push(`- **${key}** (${ids.length}): ${ids.join(', ')}`);
      return out;
    }
    if (d.destructive === 'list') {
      for (const i of items) {
        const x = i.destructive as DestructiveChange;
        out.push(
          `- ${actionText(x)} ${codeCell(i.logicalId)} ${escapeMarkdown(i.type)}${multi ? ` in ${escapeMarkdown(i.location)}` : ''}${x.causes.length ? ` — ${x.causes.map((c) => causeText(c, false)).join(', ')}` : ''} — ${allowedText(x)}`,
        );
      }
      return out;
    }
    const full = d.destructive === 'full';
    out.push(
      `| ${multi ? 'Stack | ' : ''}Logical ID | Type | Action | Caused by | Allowed |`,
      `| ${multi ? '--- | ' : ''}--- | --- | --- | --- | --- |`,
    );
    for (const i of items) {
      const x = i.destructive as DestructiveChange;
      out.push(
        this.memo(
          `d${this.id(i)}:${d.destructive}`,
          () =>
            `| ${multi ? `${escapeMarkdown(i.location)} | ` : ''}${codeCell(i.logicalId)} | ${escapeMarkdown(i.type)} | ${actionText(
              x,
            )} | ${x.causes.map((c) => causeText(c, full)).join('<br>')} | ${allowedText(x)} |`,
        ),
      );
    }
    if (d.values !== 'none') out.push(...this.propertyDetails(items, d));
    return out;
  }

  private propertyDetails(items: Item[], d: Detail): string[] {
    const withProps = items.filter((i) =>
      i.props.some((p) => p.before !== undefined || p.after !== undefined),
    );
    const out: string[] = [];
    if (withProps.length > 0) {
      const drift = withProps.some((i) => i.props.some((p) => p.drift || p.beforeFrom));
      const rows: string[] = [];
      let count = 0;
      for (const i of withProps) {
        const block = this.memo(`p${this.id(i)}:${drift}`, () => {
          const rows: string[] = [];
          for (const p of i.props) {
            if (p.before === undefined && p.after === undefined) continue;
            const cols = [
              codeCell(i.logicalId),
              codeCell(p.name),
              v(p.before),
              v(p.after),
              escapeMarkdown(p.changeType ?? ''),
              escapeMarkdown(p.recreation ?? ''),
            ];
            if (drift)
              cols.push(
                p.drift ? `${v(p.drift.previous)} → ${v(p.drift.actual)}` : '',
                escapeMarkdown([p.beforeFrom, p.afterFrom].filter(Boolean).join(' → ')),
              );
            rows.push(`| ${cols.join(' | ')} |`);
          }
          return rows.join('\n');
        });
        rows.push(block);
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
        ...rows,
        '',
        '</details>',
      );
    }
    if (d.contexts) {
      for (const i of items) {
        if (i.before === undefined && i.after === undefined) continue;
        out.push(
          this.memo(`c${this.id(i)}`, () => {
            const parts: string[] = [];
            if (i.before !== undefined)
              parts.push('Before:', '', '````json', clip(i.before, MAX_CONTEXT), '````', '');
            if (i.after !== undefined)
              parts.push('After:', '', '````json', clip(i.after, MAX_CONTEXT), '````', '');
            return [
              '',
              `<details><summary>${codeCell(i.logicalId)} property values</summary>`,
              '',
              ...parts,
              '</details>',
            ].join('\n');
          }),
        );
      }
    }
    return out;
  }

  groups(d: Detail): { lines: string[]; omitted: Array<[string, number]> } {
    const multi = this.multiStack();
    const out: string[] = [];
    const omitted: Array<[string, number]> = [];
    for (const g of GROUPS) {
      const items = this.items.filter((i) => i.kind === g.kind && !i.destructive);
      if (items.length === 0) continue;
      const shown = Number.isFinite(d.maxRows) ? items.slice(0, d.maxRows) : items;
      out.push('', `#### ${g.title} (${items.length})`, '');
      if (shown.length > 0) {
        const drift = items.some((i) => i.driftStatus);
        out.push(
          `| ${multi ? 'Stack | ' : ''}Logical ID | Type | Physical ID | Properties${drift ? ' | Drift' : ''} |`,
          `| ${multi ? '--- | ' : ''}--- | --- | --- | ---${drift ? ' | ---' : ''} |`,
        );
        for (const i of shown) {
          out.push(
            this.memo(`g${this.id(i)}:${drift}`, () => {
              const names = [...new Set(i.props.map((p) => p.name))];
              const propText =
                names
                  .slice(0, 10)
                  .map((n) => codeCell(n))
                  .join(', ') + (names.length > 10 ? `, +${names.length - 10}` : '');
              return `| ${multi ? `${escapeMarkdown(i.location)} | ` : ''}${codeCell(i.logicalId)} | ${escapeMarkdown(i.type)} | ${v(
                i.physicalId,
              )} | ${propText}${drift ? ` | ${escapeMarkdown(i.driftStatus ?? '')}` : ''} |`;
            }),
          );
        }
        if (d.values === 'all') out.push(...this.propertyDetails(shown, d));
      }
      if (shown.length < items.length) {
        const more = items.length - shown.length;
        omitted.push([g.title, more]);
        out.push('', `_… and ${more} more ${g.title} change${more === 1 ? '' : 's'}_`);
      }
    }
    return { lines: out, omitted };
  }

  render(d: Detail, note: (omitted: string[]) => string[]): { text: string; omitted: string[] } {
    const lines = [...this.head(), ...this.destructiveSection(d)];
    const omitted: string[] = [];
    if (d.extras) for (const s of this.input.extraSections ?? []) lines.push('', this.r.text(s));
    else if (this.input.extraSections?.length) omitted.push('additional sections');
    const g = this.groups(d);
    lines.push(...g.lines);
    if (!d.contexts && this.items.some((i) => i.before !== undefined || i.after !== undefined))
      omitted.push('JSON property contexts');
    const hasValues = (i: Item) => i.props.some((p) => p.before !== undefined || p.after !== undefined);
    if (d.values === 'none' && this.items.some(hasValues)) omitted.push('property values');
    else if (d.values === 'destructive' && this.items.some((i) => !i.destructive && hasValues(i)))
      omitted.push('property values of non-destructive changes');
    if (d.destructive !== 'full' && this.items.some((i) => i.destructive))
      omitted.push('details of destructive changes (their list is complete)');
    for (const [title, n] of g.omitted) omitted.push(`${n} ${title} resource rows`);
    if (omitted.length > 0) lines.push(...note(omitted));
    if (this.input.footer) lines.push('', this.r.text(this.input.footer));
    return { text: lines.join('\n') + '\n', omitted };
  }
}

const LADDER: Detail[] = [
  { values: 'all', contexts: true, maxRows: Infinity, destructive: 'full', extras: true },
  { values: 'all', contexts: false, maxRows: Infinity, destructive: 'full', extras: true },
  { values: 'destructive', contexts: false, maxRows: Infinity, destructive: 'full', extras: true },
  { values: 'none', contexts: false, maxRows: Infinity, destructive: 'full', extras: true },
];

/** Render the biggest version of the document that fits in `fits`. */
function fit(
  doc: Doc,
  fits: (s: string) => boolean,
  note: (omitted: string[]) => string[],
  /** A rendering of LADDER[0] with nothing omitted (so no note), to reuse instead of rendering again. */
  full?: string,
): { text: string; omitted: string[] } {
  for (const d of LADDER) {
    if (d === LADDER[0] && full !== undefined) {
      if (fits(full)) return { text: full, omitted: [] };
      continue;
    }
    const out = doc.render(d, note);
    if (fits(out.text)) return out;
  }
  // Fewer non-destructive rows: binary search the largest per-group row count that fits.
  for (const destructive of ['full', 'compact', 'list', 'ids'] as const) {
    for (const extras of [true, false]) {
      const base: Detail = { values: 'none', contexts: false, maxRows: 0, destructive, extras };
      const zero = doc.render(base, note);
      if (!fits(zero.text)) continue;
      let lo = 0;
      let hi = 4096;
      let best = zero;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        const out = doc.render({ ...base, maxRows: mid }, note);
        if (fits(out.text)) {
          best = out;
          lo = mid;
        } else hi = mid - 1;
      }
      return best;
    }
  }
  // Even the list of destructive changes does not fit: hard cut (never expected in practice).
  const out = doc.render(
    { values: 'none', contexts: false, maxRows: 0, destructive: 'ids', extras: false },
    note,
  );
  const cutNote = '\n\n_… plan cut to fit the size limit._\n';
  let text = out.text;
  while (!fits(text + cutNote) && text.length > 0) text = text.slice(0, Math.floor(text.length * 0.9));
  return { text: text + cutNote, omitted: [...out.omitted, 'the end of the plan'] };
}

export function renderPlan(input: PlanInput): PlanResult {
  const base = new Redactor(input.secrets ?? []);
  const { items, r } = buildItems(input, base);
  const counts = emptyCounts();
  for (const i of items) {
    if (i.kind === 'dynamic' || i.kind === 'sync') counts[i.kind] = (counts[i.kind] ?? 0) + 1;
    else counts[i.kind] += 1;
  }
  const destructive = items.flatMap((i) => (i.destructive ? [i.destructive] : []));
  const doc = new Doc(input, items, counts, destructive, r);

  const url = input.header.runUrl;
  const where = url
    ? `full plan in the job summary of run ${/^https?:\/\/[^\s<>"'`()[\]]+$/.test(url) ? `<${url}>` : escapeMarkdown(url)}`
    : 'full plan in the job summary of this run';
  const commentNote = (omitted: string[]) => [
    '',
    `> [!NOTE]`,
    `> Shortened to fit a PR comment (${COMMENT_LIMIT.toLocaleString('en-US')} characters): left out ${omitted.join(', ')}; ${where}.`,
  ];
  const summaryNote = (omitted: string[]) => [
    '',
    `> [!NOTE]`,
    `> Shortened to fit the job summary (1 MiB): left out ${omitted.join(', ')}.`,
  ];
  const commentMax = input.limits?.comment ?? COMMENT_LIMIT - COMMENT_RESERVE;
  const markdownMax = input.limits?.markdownBytes ?? SUMMARY_LIMIT;
  const safe = (s: string) => (r.active ? r.text(s) : s);
  const md = fit(doc, (s) => Buffer.byteLength(s, 'utf8') <= markdownMax, summaryNote);
  const cm = fit(
    doc,
    (s) => s.length <= commentMax,
    commentNote,
    md.omitted.length === 0 ? md.text : undefined,
  );
  return {
    markdown: safe(md.text),
    comment: safe(cm.text),
    counts,
    destructive,
    hasChanges: items.length > 0,
    commentOmitted: cm.omitted,
  };
}
