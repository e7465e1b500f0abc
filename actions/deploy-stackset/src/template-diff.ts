/**
 * The plan's template diff. A stack set has no change sets, so the resources of the stack set's current
 * template and the new one are compared by logical id and type, and the differences expressed as
 * CloudFormation `Change` entries, so the shared plan renderer (`src/plan`) renders them — and flags the
 * destructive ones (H2) — exactly as it does a change set:
 *
 * - a resource only in the new template: Add;
 * - a resource only in the current one: Remove (destructive);
 * - a resource whose type changed: Modify with Replacement True (destructive: CloudFormation replaces it);
 * - a resource whose definition differs: Modify, one detail per changed top-level property or attribute.
 *   Whether a property change replaces the resource cannot be told from templates (only a change set in
 *   each target account could), so Replacement is left unknown and the plan says so.
 */
import type { Change, ResourceChangeDetail } from '@aws-sdk/client-cloudformation';
import { parseTemplate } from '../../../src/cfn/template';

type Resources = Record<string, Record<string, unknown>>;

/** JSON with object keys sorted: two templates that mean the same compare equal whatever their layout. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    member && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(
          Object.entries(member as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : member,
  );
}

function resourcesOf(template: Record<string, unknown> | undefined): Resources {
  const resources = template?.Resources;
  return resources && typeof resources === 'object' && !Array.isArray(resources)
    ? (resources as Resources)
    : {};
}

/** The current template body parsed, or undefined when there is none (or it cannot be read: said in `note`). */
export function parseCurrentTemplate(body: string | undefined): {
  template?: Record<string, unknown>;
  note?: string;
} {
  if (!body) return {};
  try {
    return { template: parseTemplate(body) };
  } catch (error) {
    return { note: `The stack set's current template could not be parsed (${(error as Error).message}).` };
  }
}

function pretty(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value, null, 2);
}

/** Top-level properties (and resource attributes) whose values differ. */
function changedDetails(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): ResourceChangeDetail[] {
  const details: ResourceChangeDetail[] = [];
  const beforeProps = (before.Properties ?? {}) as Record<string, unknown>;
  const afterProps = (after.Properties ?? {}) as Record<string, unknown>;
  for (const name of [...new Set([...Object.keys(beforeProps), ...Object.keys(afterProps)])].sort()) {
    if (canonicalJson(beforeProps[name]) === canonicalJson(afterProps[name])) continue;
    details.push({
      Target: {
        Attribute: 'Properties',
        Name: name,
        Path: `/Properties/${name}`,
        BeforeValue: pretty(beforeProps[name]),
        AfterValue: pretty(afterProps[name]),
        AttributeChangeType:
          beforeProps[name] === undefined ? 'Add' : afterProps[name] === undefined ? 'Remove' : 'Modify',
      },
      ChangeSource: 'DirectModification',
    });
  }
  for (const attribute of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (attribute === 'Properties' || attribute === 'Type') continue;
    if (canonicalJson(before[attribute]) === canonicalJson(after[attribute])) continue;
    details.push({
      Target: { Attribute: attribute as never, Name: attribute },
      ChangeSource: 'DirectModification',
    });
  }
  return details;
}

/** The resource changes from the current template to the new one (all Add when there is no current one). */
export function templateChanges(
  current: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): Change[] {
  const before = resourcesOf(current);
  const after = resourcesOf(next);
  const changes: Change[] = [];
  const change = (resourceChange: NonNullable<Change['ResourceChange']>): void => {
    changes.push({ Type: 'Resource', ResourceChange: resourceChange });
  };
  for (const [logicalId, resource] of Object.entries(after)) {
    const previous = before[logicalId];
    const type = String(resource?.Type ?? '(unknown type)');
    if (!previous) {
      change({
        Action: 'Add',
        LogicalResourceId: logicalId,
        ResourceType: type,
        AfterContext: JSON.stringify(resource.Properties ?? {}),
      });
      continue;
    }
    if (canonicalJson(previous) === canonicalJson(resource)) continue;
    const typeChanged = String(previous.Type) !== type;
    change({
      Action: 'Modify',
      LogicalResourceId: logicalId,
      ResourceType: type,
      Replacement: typeChanged ? 'True' : undefined,
      Details: typeChanged
        ? [
            {
              Target: { Attribute: 'Properties', Name: 'Type', RequiresRecreation: 'Always' },
              ChangeSource: 'DirectModification',
            },
          ]
        : changedDetails(previous, resource),
      BeforeContext: JSON.stringify(previous.Properties ?? {}),
      AfterContext: JSON.stringify(resource.Properties ?? {}),
    });
  }
  for (const [logicalId, resource] of Object.entries(before)) {
    if (after[logicalId]) continue;
    change({
      Action: 'Remove',
      LogicalResourceId: logicalId,
      ResourceType: String(resource?.Type ?? '(unknown type)'),
      BeforeContext: JSON.stringify(resource?.Properties ?? {}),
    });
  }
  return changes;
}
