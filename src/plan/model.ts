/**
 * The plan model: DescribeChangeSet entries → items (one per resource change) and destructive changes, with
 * every string redacted (C3). Values fed by NoEcho parameters are secrets themselves: they are masked where
 * they appear and redacted everywhere else.
 */
import type { Change, ResourceChange, ResourceChangeDetail } from '@aws-sdk/client-cloudformation';
import { REDACTED, type Redactor } from '../secrets';
import { classifyChange, isAllowListed, isDestructive, type PlanKind } from './classify';

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
  /** Values shown as `***` (REDACTED) wherever they appear, in every form (`src/secrets.ts`). */
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

/** One property change of an item, every string already redacted. */
export interface PropertyChange {
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

/** One resource change as rendered, every string already redacted. */
export interface PlanItem {
  kind: PlanKind;
  /** The stack path, `parent › child`. */
  location: string;
  logicalId: string;
  physicalId?: string;
  type: string;
  replacement?: string;
  policyAction?: string;
  driftStatus?: string;
  props: PropertyChange[];
  /** Pretty-printed, redacted JSON before/after contexts. */
  before?: string;
  after?: string;
  destructive?: DestructiveChange;
}

/** How CloudFormation itself shows a NoEcho value: not a secret to register. */
const CFN_NOECHO_MASK = '****';

function detailName(detail: ResourceChangeDetail): string {
  return detail.Target?.Name ?? detail.Target?.Path ?? detail.Target?.Attribute ?? '(resource)';
}

/** `~` and `/` escaped for one JSON-pointer reference token (RFC 6901). */
function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Walk parsed JSON, redacting every string (keys too) and masking the values at the given JSON pointers.
 *
 * This does what `src/secrets.ts` cannot: secrets.ts redacts a secret by its *value*, in text; here a
 * property fed by a NoEcho parameter is masked by its *position* (the detail's `Target.Path`), whatever its
 * value — a number, an object, or a string CloudFormation shows differently in the context than in the
 * detail — and the mask replaces the whole JSON value, so the document stays valid JSON.
 */
function redactJson(value: unknown, redactor: Redactor, pointers: Set<string>, at = ''): unknown {
  if (pointers.has(at)) return REDACTED;
  if (typeof value === 'string') return redactor.redact(value);
  if (Array.isArray(value))
    return value.map((element, index) => redactJson(element, redactor, pointers, `${at}/${index}`));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value))
      out[redactor.redact(key)] = redactJson(member, redactor, pointers, `${at}/${pointerToken(key)}`);
    return out;
  }
  return value;
}

function context(raw: string | undefined, redactor: Redactor, pointers: Set<string>): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.stringify(redactJson(JSON.parse(raw), redactor, pointers), null, 2);
  } catch {
    return redactor.redact(raw);
  }
}

/** A resource's ids and type as shown, redacted. */
interface ShownIdentity {
  logicalId: string;
  physicalId?: string;
  type: string;
}

function destructiveOf(
  resourceChange: ResourceChange,
  identity: ShownIdentity,
  path: string[],
  props: PropertyChange[],
  allowListed: boolean,
  redactor: Redactor,
): DestructiveChange {
  const forcing = props.filter((prop) => prop.recreation === 'Always' || prop.recreation === 'Conditionally');
  const causeProps = resourceChange.Action === 'Remove' ? [] : forcing.length ? forcing : props;
  const causes: DestructiveCause[] = causeProps.map((prop) => ({
    name: prop.name,
    attribute: prop.attribute,
    requiresRecreation: prop.recreation,
    causingEntity: prop.entity,
    changeSource: prop.source,
    evaluation: prop.evaluation,
  }));
  const replacement = resourceChange.Replacement;
  return {
    stackName: redactor.redact(path[path.length - 1] as string),
    path: path.map((part) => redactor.redact(part)),
    ...identity,
    action: resourceChange.Action ?? 'Remove',
    replacement: replacement === 'True' || replacement === 'Conditional' ? replacement : undefined,
    policyAction: resourceChange.PolicyAction,
    causes,
    allowListed,
  };
}

/**
 * Build the items of a plan. Values fed by NoEcho parameters are registered with `redactor` first (they
 * are secrets wherever else they appear), so `redactor` is the one to use for everything rendered after.
 */
export function buildItems(input: PlanInput, redactor: Redactor): PlanItem[] {
  const noEcho = new Set(input.noEchoParameters ?? []);
  const allowList = input.allowList ?? [];
  const isNoEcho = (detail: ResourceChangeDetail): boolean =>
    noEcho.size > 0 &&
    ((detail.ChangeSource === 'ParameterReference' &&
      !!detail.CausingEntity &&
      noEcho.has(detail.CausingEntity)) ||
      (!!detail.Target?.Name && noEcho.has(detail.Target.Name)));
  // First pass: values fed by NoEcho parameters are secrets themselves.
  if (noEcho.size > 0) {
    for (const changeSet of input.changeSets)
      for (const change of changeSet.changes)
        for (const detail of change.ResourceChange?.Details ?? [])
          if (isNoEcho(detail)) {
            const target = detail.Target;
            const values = [
              target?.BeforeValue,
              target?.AfterValue,
              target?.Drift?.PreviousValue,
              target?.Drift?.ActualValue,
            ];
            for (const value of values) if (value && value !== CFN_NOECHO_MASK) redactor.add(value);
          }
  }

  const items: PlanItem[] = [];
  for (const changeSet of input.changeSets) {
    const path = [...(changeSet.parentPath ?? []), changeSet.stackName];
    const location = path.join(' › ');
    for (const change of changeSet.changes) {
      const kind = classifyChange(change);
      const resourceChange = change.ResourceChange;
      if (!kind || !resourceChange) continue;
      const logicalId = resourceChange.LogicalResourceId ?? '(unknown)';
      const type = resourceChange.ResourceType ?? '(unknown type)';
      const pointers = new Set<string>();
      const props: PropertyChange[] = (resourceChange.Details ?? []).map((detail) => {
        const target = detail.Target;
        const masked = isNoEcho(detail);
        if (masked && target?.Path) {
          pointers.add(target.Path);
          pointers.add(target.Path.replace(/^\/Properties(?=\/)/, ''));
        }
        const shown = (value: string | undefined): string | undefined =>
          value === undefined ? undefined : masked ? REDACTED : redactor.redact(value);
        return {
          name: redactor.redact(detailName(detail)),
          attribute: target?.Attribute,
          recreation: target?.RequiresRecreation,
          before: shown(target?.BeforeValue),
          after: shown(target?.AfterValue),
          beforeFrom: target?.BeforeValueFrom,
          afterFrom: target?.AfterValueFrom,
          drift: target?.Drift
            ? { previous: shown(target.Drift.PreviousValue), actual: shown(target.Drift.ActualValue) }
            : undefined,
          changeType: target?.AttributeChangeType,
          source: detail.ChangeSource,
          entity: detail.CausingEntity === undefined ? undefined : redactor.redact(detail.CausingEntity),
          evaluation: detail.Evaluation,
        };
      });
      const identity: ShownIdentity = {
        logicalId: redactor.redact(logicalId),
        physicalId:
          resourceChange.PhysicalResourceId === undefined
            ? undefined
            : redactor.redact(resourceChange.PhysicalResourceId),
        type: redactor.redact(type),
      };
      const item: PlanItem = {
        kind,
        location,
        ...identity,
        replacement: resourceChange.Replacement,
        policyAction: resourceChange.PolicyAction,
        driftStatus: resourceChange.ResourceDriftStatus,
        props,
        before: context(resourceChange.BeforeContext, redactor, pointers),
        after: context(resourceChange.AfterContext, redactor, pointers),
      };
      if (isDestructive(change)) {
        // The allow-list matches what the user wrote against: the ids and type as CloudFormation gave them.
        const allowListed = isAllowListed(allowList, logicalId, type);
        item.destructive = destructiveOf(resourceChange, identity, path, props, allowListed, redactor);
      }
      items.push(item);
    }
  }
  return items;
}
