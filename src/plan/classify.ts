/**
 * What a change does: Terraform-style kinds, the destructive test (H2), counts and their one-line summary,
 * and allow-list matching. Pure functions over DescribeChangeSet entries.
 */
import type { Change } from '@aws-sdk/client-cloudformation';
import { escapeRegExp } from '../secrets';

export type PlanKind = 'add' | 'modify' | 'replace' | 'remove' | 'import' | 'dynamic' | 'sync';

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

/** What a change does, Terraform-style. Modify with Replacement True is `replace`; Conditional stays `modify`. */
export function classifyChange(change: Change): PlanKind | undefined {
  const resourceChange = change.ResourceChange;
  switch (resourceChange?.Action) {
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
      return resourceChange.Replacement === 'True' ? 'replace' : 'modify';
    default:
      return undefined;
  }
}

/** Remove, or Modify whose Replacement is True or Conditional (H2). */
export function isDestructive(change: Change): boolean {
  const resourceChange = change.ResourceChange;
  if (!resourceChange) return false;
  if (resourceChange.Action === 'Remove') return true;
  return (
    resourceChange.Action === 'Modify' &&
    (resourceChange.Replacement === 'True' || resourceChange.Replacement === 'Conditional')
  );
}

export function emptyCounts(): PlanCounts {
  return { add: 0, modify: 0, replace: 0, remove: 0, import: 0 };
}

/** How many changes of each kind (dynamic and sync only appear when there are some). */
export function countKinds(kinds: Iterable<PlanKind>): PlanCounts {
  const counts = emptyCounts();
  for (const kind of kinds) {
    if (kind === 'dynamic' || kind === 'sync') counts[kind] = (counts[kind] ?? 0) + 1;
    else counts[kind] += 1;
  }
  return counts;
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

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  return new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`).test(value);
}

/** Is this logical id / resource type on the allow-list (exact or `*` glob)? */
export function isAllowListed(allowList: readonly string[], logicalId: string, type: string): boolean {
  return allowList.some((pattern) => globMatch(pattern, logicalId) || globMatch(pattern, type));
}
