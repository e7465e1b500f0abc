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
import { REDACTED } from '../../../src/secrets';

export type Verdict = 'overwrite' | 'revert' | 'sync' | 'recreate' | 'change';

/** Worst first: the order rows, resources and stacks are shown in. */
export const VERDICT_ORDER: Verdict[] = ['overwrite', 'recreate', 'revert', 'sync', 'change'];

/** What CloudFormation itself shows for a NoEcho value: never a secret to register. Ours is REDACTED. */
export const CLOUDFORMATION_NOECHO_MASK = '****';

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
  /** The value is fed by a NoEcho parameter: shown as REDACTED (src/secrets.ts). */
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
  /** The template says a NoEcho parameter feeds this value (noecho-feeds.ts): a secret, collected. */
  isFed?: (logicalId: string, detail: ResourceChangeDetail) => boolean;
  /** Show every value as REDACTED without collecting any (which values are secret cannot be known). */
  hideAll?: boolean;
}

/** Canonical form for comparison: JSON values compare structurally (key order ignored), anything else as text. */
export function canonical(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(sortKeys(JSON.parse(value)));
  } catch {
    return value;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sortKeys(record[key])]),
    );
  }
  return value;
}

export function sameValue(left: string | undefined, right: string | undefined): boolean {
  return canonical(left) === canonical(right);
}

/**
 * The three values of one property. With `Target.Drift` (a drifted property): previous = Drift.PreviousValue,
 * live = Drift.ActualValue. Without it the property did not drift, so previous = live = BeforeValue (whichever
 * state BeforeValueFrom names). Proposed is always AfterValue (AfterValueFrom TEMPLATE).
 */
export function threeWay(detail: ResourceChangeDetail): {
  previous?: string;
  live?: string;
  proposed?: string;
  drifted: boolean;
} {
  const target = detail.Target ?? {};
  if (target.Drift) {
    const { PreviousValue: previous, ActualValue: live } = target.Drift;
    return { previous, live, proposed: target.AfterValue, drifted: !sameValue(previous, live) };
  }
  return {
    previous: target.BeforeValue,
    live: target.BeforeValue,
    proposed: target.AfterValue,
    drifted: false,
  };
}

/** The verdict for one changed property (see the table at the top of this file). */
export function propertyVerdict(detail: ResourceChangeDetail): Verdict {
  const values = threeWay(detail);
  if (detail.Target?.AttributeChangeType === 'SyncWithActual') return 'sync';
  if (!values.drifted) return 'change';
  if (sameValue(values.proposed, values.live)) return 'sync';
  if (sameValue(values.proposed, values.previous)) return 'revert';
  return 'overwrite';
}

function isNoEchoFed(detail: ResourceChangeDetail, noEcho: ReadonlySet<string>): boolean {
  if (noEcho.size === 0) return false;
  return (
    (detail.ChangeSource === 'ParameterReference' &&
      !!detail.CausingEntity &&
      noEcho.has(detail.CausingEntity)) ||
    (!!detail.Target?.Name && noEcho.has(detail.Target.Name))
  );
}

function propertyName(detail: ResourceChangeDetail): string {
  const target = detail.Target ?? {};
  return target.Name ?? target.Path ?? target.Attribute ?? '(resource)';
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
    const resourceChange = change.ResourceChange;
    if (change.Type !== 'Resource' || !resourceChange) continue;
    const logicalId = resourceChange.LogicalResourceId ?? '(unknown)';
    const type = resourceChange.ResourceType ?? '(unknown type)';
    const base = {
      logicalId,
      type,
      physicalId: resourceChange.PhysicalResourceId,
      resourceDrift: resourceChange.ResourceDriftStatus,
    };
    const details = resourceChange.Details ?? [];
    if (resourceChange.ResourceDriftStatus === 'DELETED') {
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
      resourceChange.ResourceDriftStatus === 'MODIFIED' ||
      resourceChange.Action === 'SyncWithActual' ||
      details.some(
        (detail) =>
          detail.Target?.Drift !== undefined || detail.Target?.AttributeChangeType === 'SyncWithActual',
      );
    if (!resourceDrifted) continue;
    drifted = true;
    for (const detail of details) {
      const secret = isNoEchoFed(detail, noEcho) || (opts.isFed?.(logicalId, detail) ?? false);
      const values = threeWay(detail);
      if (secret)
        for (const value of [values.previous, values.live, values.proposed])
          if (value && value !== CLOUDFORMATION_NOECHO_MASK && value !== REDACTED) secretValues.push(value);
      const hidden = secret || opts.hideAll === true;
      const shown = (value: string | undefined) => (hidden && value !== undefined ? REDACTED : value);
      rows.push({
        ...base,
        property: propertyName(detail),
        previous: shown(values.previous),
        live: shown(values.live),
        proposed: shown(values.proposed),
        verdict: propertyVerdict(detail),
        secret: hidden,
        recreation: detail.Target?.RequiresRecreation,
      });
    }
  }
  const worst = new Map<string, number>();
  for (const row of rows)
    worst.set(row.logicalId, Math.min(worst.get(row.logicalId) ?? 99, VERDICT_ORDER.indexOf(row.verdict)));
  rows.sort(
    (first, second) =>
      (worst.get(first.logicalId) as number) - (worst.get(second.logicalId) as number) ||
      (first.logicalId < second.logicalId ? -1 : first.logicalId > second.logicalId ? 1 : 0) ||
      VERDICT_ORDER.indexOf(first.verdict) - VERDICT_ORDER.indexOf(second.verdict),
  );
  const counts: Record<Verdict, number> = { overwrite: 0, revert: 0, sync: 0, recreate: 0, change: 0 };
  for (const row of rows) counts[row.verdict]++;
  return { rows, counts, secretValues, drifted };
}

/** The worst verdict among one resource's rows. */
export function resourceVerdict(rows: readonly PropertyRow[], logicalId: string): Verdict {
  let best = VERDICT_ORDER.length - 1;
  for (const row of rows)
    if (row.logicalId === logicalId) best = Math.min(best, VERDICT_ORDER.indexOf(row.verdict));
  return VERDICT_ORDER[best] as Verdict;
}
