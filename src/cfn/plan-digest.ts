/**
 * P1: the plan digest — a SHA-256 over a canonical form of a change set's changes (and its nested stacks'
 * change sets), so execute-only can prove that the change set it is about to run is the one that was reviewed.
 *
 * What is hashed: per change set (root first, nested ones by their path), each change's type, action, logical
 * and physical id, resource type, replacement, scope, policy action and every detail (target attribute, name,
 * path, recreation, attribute change type, before/after values, evaluation, change source, causing entity).
 * Keys are sorted and lists of changes and details are sorted, so the digest does not depend on the order an
 * API returns them in. Not hashed: timestamps, ids of the change sets themselves (a re-created plan has new
 * ones) and status fields. Values fed by a parameter CloudFormation masks (`****`, NoEcho) are hashed as masked.
 */
import { createHash } from 'node:crypto';
import type { Change, Parameter, ResourceChangeDetail } from '@aws-sdk/client-cloudformation';

/** `sha256:` and 64 lowercase hex digits. */
export const PLAN_DIGEST = /^sha256:[0-9a-f]{64}$/;
const MASKED = '****';

/** One change set of the plan: the root (path []) or a nested stack's (path = logical ids down to it). */
export interface DigestedChangeSet {
  path: string[];
  changes: readonly Change[];
  /** The change set's parameters as DescribeChangeSet returns them (NoEcho values are `****`). */
  parameters?: readonly Parameter[];
}

/** JSON with sorted keys and no undefined members: the same value always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined && member !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function sortedCanonical(items: readonly unknown[]): string[] {
  return items.map(canonicalJson).sort();
}

function canonicalDetail(detail: ResourceChangeDetail, masked: ReadonlySet<string>): unknown {
  const target = detail.Target;
  const hidden = !!detail.CausingEntity && masked.has(detail.CausingEntity.split('.')[0] as string);
  return {
    Evaluation: detail.Evaluation,
    ChangeSource: detail.ChangeSource,
    CausingEntity: detail.CausingEntity,
    Target: target && {
      Attribute: target.Attribute,
      Name: target.Name,
      Path: target.Path,
      RequiresRecreation: target.RequiresRecreation,
      AttributeChangeType: target.AttributeChangeType,
      BeforeValue: hidden && target.BeforeValue !== undefined ? MASKED : target.BeforeValue,
      AfterValue: hidden && target.AfterValue !== undefined ? MASKED : target.AfterValue,
      BeforeValueFrom: target.BeforeValueFrom,
      AfterValueFrom: target.AfterValueFrom,
    },
  };
}

function canonicalChange(change: Change, masked: ReadonlySet<string>): unknown {
  const resource = change.ResourceChange;
  return {
    Type: change.Type,
    ResourceChange: resource && {
      Action: resource.Action,
      LogicalResourceId: resource.LogicalResourceId,
      PhysicalResourceId: resource.PhysicalResourceId,
      ResourceType: resource.ResourceType,
      Replacement: resource.Replacement,
      Scope: resource.Scope ? [...resource.Scope].sort() : undefined,
      PolicyAction: resource.PolicyAction,
      ModuleInfo: resource.ModuleInfo,
      Details: resource.Details
        ? sortedCanonical(resource.Details.map((d) => canonicalDetail(d, masked)))
        : undefined,
    },
  };
}

/** The canonical text the digest is computed over (exported for tests and for debugging a mismatch). */
export function canonicalPlan(changeSets: readonly DigestedChangeSet[]): string {
  const sets = changeSets
    .map((set) => {
      const masked = new Set(
        (set.parameters ?? [])
          .filter((param) => param.ParameterValue === MASKED && param.ParameterKey)
          .map((param) => param.ParameterKey as string),
      );
      return { path: set.path, changes: sortedCanonical(set.changes.map((c) => canonicalChange(c, masked))) };
    })
    .sort((a, b) => (a.path.join('/') < b.path.join('/') ? -1 : a.path.join('/') > b.path.join('/') ? 1 : 0));
  return canonicalJson({ version: 1, changeSets: sets });
}

/** `sha256:<hex>` over the canonical form of the plan's change sets. */
export function planDigest(changeSets: readonly DigestedChangeSet[]): string {
  return `sha256:${createHash('sha256').update(canonicalPlan(changeSets)).digest('hex')}`;
}

/** `sha256:<hex>` or bare hex, any case → `sha256:<lowercase hex>`; undefined when it is not a SHA-256 digest. */
export function normalisePlanDigest(text: string): string | undefined {
  const hex = /^(?:sha256:)?([0-9a-f]{64})$/i.exec(text.trim())?.[1];
  return hex ? `sha256:${hex.toLowerCase()}` : undefined;
}

const DIGEST_IN_DESCRIPTION = / plan-digest=(sha256:[0-9a-f]{64})$/;

/** A change set description with the plan digest recorded at its end (CloudFormation allows 1024 characters). */
export function withPlanDigest(description: string, digest: string): string {
  const suffix = ` plan-digest=${digest}`;
  return `${description.slice(0, 1024 - suffix.length)}${suffix}`;
}

/** The plan digest recorded in a change set's description by a guarded-deploy plan, if any. */
export function recordedPlanDigest(description: string | undefined): string | undefined {
  if (!description?.startsWith('guarded-deploy ')) return undefined;
  return DIGEST_IN_DESCRIPTION.exec(description)?.[1];
}
