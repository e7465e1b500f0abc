/**
 * Pure classification of a drift-aware (REVERT_DRIFT) change set: for every changed property of every drifted
 * resource, compare the previous deployment's value, the live value and the proposed (template) value.
 *
 *  overwrite  live ≠ previous (drifted) and proposed ≠ live: the deploy replaces a live fix with a third value (D1)
 *  revert     drifted and proposed = previous: the live drift is undone (D2)
 *  sync       SyncWithActual, or proposed = live: the drift is resolved by adopting the live value
 *  recreate   the resource was deleted outside CloudFormation and is created again (D3)
 *  change     no drift on this property: an ordinary template change
 */
import type { Change, ResourceChangeDetail } from '@aws-sdk/client-cloudformation';

export type Verdict = 'overwrite' | 'revert' | 'sync' | 'recreate' | 'change';

/** Worst first: the order rows, resources and stacks are shown in. */
export const VERDICT_ORDER: Verdict[] = ['overwrite', 'recreate', 'revert', 'sync', 'change'];

export const MASK = '****';

export interface PropertyRow {
  logicalId: string;
  type: string;
  physicalId?: string;
  /** Property name or path; `(resource)` for a whole-resource row (recreate). */
  property: string;
  previous?: string;
  live?: string;
  proposed?: string;
  verdict: Verdict;
  /** The value is fed by a NoEcho parameter: shown as ****. */
  secret: boolean;
  /** Replacement the property change forces (Always / Conditionally / Never). */
  recreation?: string;
  /** `ResourceDriftStatus` of the resource. */
  resourceDrift?: string;
}

export interface Classification {
  rows: PropertyRow[];
  counts: Record<Verdict, number>;
  /** Values fed by NoEcho parameters found in the change set (to mask and redact). */
  secretValues: string[];
  /** The change set reports drift (stack or resource level). */
  drifted: boolean;
}

export interface ClassifyOptions {
  /** NoEcho parameter names: property values they feed are secrets. */
  noEchoParameters?: readonly string[];
}

/** Canonical form for comparison: JSON values compare structurally (key order ignored), anything else as text. */
export function canonical(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  try {
    return JSON.stringify(sortKeys(JSON.parse(v)));
  } catch {
    return v;
  }
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === 'object') {
    return Object.fromEntries(
      Object.keys(x as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]),
    );
  }
  return x;
}

export function sameValue(a: string | undefined, b: string | undefined): boolean {
  return canonical(a) === canonical(b);
}

/**
 * The three values of one property. With `Target.Drift` (a drifted property): previous = Drift.PreviousValue,
 * live = Drift.ActualValue. Without it the property did not drift, so previous = live = BeforeValue (whichever
 * state BeforeValueFrom names). Proposed is always AfterValue (AfterValueFrom TEMPLATE).
 */
export function threeWay(d: ResourceChangeDetail): {
  previous?: string;
  live?: string;
  proposed?: string;
  drifted: boolean;
} {
  const t = d.Target ?? {};
  if (t.Drift) {
    const { PreviousValue: previous, ActualValue: live } = t.Drift;
    return { previous, live, proposed: t.AfterValue, drifted: !sameValue(previous, live) };
  }
  return { previous: t.BeforeValue, live: t.BeforeValue, proposed: t.AfterValue, drifted: false };
}

export function verdictOf(d: ResourceChangeDetail): Verdict {
  const t = d.Target ?? {};
  const v = threeWay(d);
  if (t.AttributeChangeType === 'SyncWithActual') return 'sync';
  if (!v.drifted) return 'change';
  if (sameValue(v.proposed, v.live)) return 'sync';
  if (sameValue(v.proposed, v.previous)) return 'revert';
  return 'overwrite';
}

function isNoEchoFed(d: ResourceChangeDetail, noEcho: ReadonlySet<string>): boolean {
  if (noEcho.size === 0) return false;
  return (
    (d.ChangeSource === 'ParameterReference' && !!d.CausingEntity && noEcho.has(d.CausingEntity)) ||
    (!!d.Target?.Name && noEcho.has(d.Target.Name))
  );
}

function propertyName(d: ResourceChangeDetail): string {
  const t = d.Target ?? {};
  return t.Name ?? t.Path ?? t.Attribute ?? '(resource)';
}

/** Classify every property change of a drift-aware change set (all pages). Resources without drift are skipped. */
export function classifyChangeSet(
  changes: Change[],
  opts: ClassifyOptions = {},
  stackDriftStatus?: string,
): Classification {
  const noEcho = new Set(opts.noEchoParameters ?? []);
  const rows: PropertyRow[] = [];
  const secretValues: string[] = [];
  let drifted = stackDriftStatus === 'DRIFTED';
  for (const change of changes) {
    const rc = change.ResourceChange;
    if (change.Type !== 'Resource' || !rc) continue;
    const logicalId = rc.LogicalResourceId ?? '(unknown)';
    const type = rc.ResourceType ?? '(unknown type)';
    const base = {
      logicalId,
      type,
      physicalId: rc.PhysicalResourceId,
      resourceDrift: rc.ResourceDriftStatus,
    };
    const details = rc.Details ?? [];
    if (rc.ResourceDriftStatus === 'DELETED') {
      drifted = true;
      rows.push({
        ...base,
        property: '(resource)',
        previous: 'exists',
        live: 'deleted',
        proposed: 'created again',
        verdict: 'recreate',
        secret: false,
      });
      continue;
    }
    const resourceDrifted =
      rc.ResourceDriftStatus === 'MODIFIED' ||
      rc.Action === 'SyncWithActual' ||
      details.some(
        (d) => d.Target?.Drift !== undefined || d.Target?.AttributeChangeType === 'SyncWithActual',
      );
    if (!resourceDrifted) continue;
    drifted = true;
    for (const d of details) {
      const secret = isNoEchoFed(d, noEcho);
      const v = threeWay(d);
      if (secret) for (const x of [v.previous, v.live, v.proposed]) if (x && x !== MASK) secretValues.push(x);
      rows.push({
        ...base,
        property: propertyName(d),
        previous: secret && v.previous !== undefined ? MASK : v.previous,
        live: secret && v.live !== undefined ? MASK : v.live,
        proposed: secret && v.proposed !== undefined ? MASK : v.proposed,
        verdict: verdictOf(d),
        secret,
        recreation: d.Target?.RequiresRecreation,
      });
    }
  }
  const worst = new Map<string, number>();
  for (const r of rows)
    worst.set(r.logicalId, Math.min(worst.get(r.logicalId) ?? 99, VERDICT_ORDER.indexOf(r.verdict)));
  rows.sort(
    (a, b) =>
      (worst.get(a.logicalId) as number) - (worst.get(b.logicalId) as number) ||
      (a.logicalId < b.logicalId ? -1 : a.logicalId > b.logicalId ? 1 : 0) ||
      VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict),
  );
  const counts: Record<Verdict, number> = { overwrite: 0, revert: 0, sync: 0, recreate: 0, change: 0 };
  for (const r of rows) counts[r.verdict]++;
  return { rows, counts, secretValues, drifted };
}

/** The worst verdict among one resource's rows. */
export function resourceVerdict(rows: readonly PropertyRow[], logicalId: string): Verdict {
  let best = VERDICT_ORDER.length - 1;
  for (const r of rows)
    if (r.logicalId === logicalId) best = Math.min(best, VERDICT_ORDER.indexOf(r.verdict));
  return VERDICT_ORDER[best] as Verdict;
}
