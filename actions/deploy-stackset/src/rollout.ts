/**
 * What a rollout has to do, from the stack set as it is and the inputs: whether the stack set itself differs
 * (template, parameters, tags, roles, …) and which instances to create, bring up to date or remove. Nothing
 * differs → no operation at all (a no-op is success, like M1).
 */
import type { Parameter, StackInstanceSummary, StackSet } from '@aws-sdk/client-cloudformation';
import { assertRequiredParameters } from '../../../src/cfn/parameters';
import type { StackSetInputs } from './inputs';
import { canonicalJson, parseCurrentTemplate } from './template-diff';

/** One stack instance target: an account (self-managed) or an organizational unit (service-managed), in a region. */
export interface Target {
  /** Account id, or OU id for service-managed targets. */
  account: string;
  region: string;
}

export interface Rollout {
  exists: boolean;
  /** Why the stack set itself needs an update (empty: it does not). */
  settingsChanged: string[];
  /** The Parameters list sent with CreateStackSet / UpdateStackSet. */
  parameters: Parameter[];
  create: Target[];
  /** Listed instances that are OUTDATED while the stack set itself is up to date (e.g. after a failed rollout). */
  outdated: Target[];
  /** Instances of targets no longer listed. Removed only with remove-stale-instances (and the gate). */
  stale: Target[];
  /** The current template, parsed (undefined when the stack set does not exist yet). */
  currentTemplate?: Record<string, unknown>;
  notes: string[];
}

/** How CloudFormation shows a NoEcho parameter's value. */
const MASKED = '****';

function key(target: Target): string {
  return `${target.account}/${target.region}`;
}

/** The instance's target: its account, or its OU for service-managed stack sets. */
function instanceTarget(instance: StackInstanceSummary, serviceManaged: boolean): Target {
  return {
    account: (serviceManaged ? instance.OrganizationalUnitId : instance.Account) ?? instance.Account ?? '?',
    region: instance.Region ?? '?',
  };
}

/** The desired targets: every listed account (or OU) in every listed region. */
export function desiredTargets(inputs: StackSetInputs): Target[] {
  const owners = inputs.permissionModel === 'SERVICE_MANAGED' ? inputs.organizationalUnits : inputs.accounts;
  return owners.flatMap((account) => inputs.regions.map((region) => ({ account, region })));
}

/**
 * The Parameters to send: overrides as given; parameters the stack set has, the overrides omit and the
 * template still declares keep their previous value (a rollout never silently resets one to its default).
 */
export function parametersToSend(inputs: StackSetInputs, current: StackSet | undefined): Parameter[] {
  const declared = new Set(inputs.parameters.map((parameter) => parameter.name));
  const given = new Set(inputs.parameterOverrides.map((override) => override.key));
  const parameters: Parameter[] = inputs.parameterOverrides.map((override) =>
    override.usePrevious
      ? { ParameterKey: override.key, UsePreviousValue: true }
      : { ParameterKey: override.key, ParameterValue: override.value ?? '' },
  );
  for (const parameter of current?.Parameters ?? []) {
    const name = parameter.ParameterKey as string;
    if (!given.has(name) && declared.has(name))
      parameters.push({ ParameterKey: name, UsePreviousValue: true });
  }
  return parameters;
}

function tagsText(tags: readonly { Key?: string; Value?: string }[] | undefined): string {
  return canonicalJson(Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])));
}

/** Why the stack set's settings differ from the inputs (empty: they do not). */
function settingsDiff(
  inputs: StackSetInputs,
  current: StackSet,
  currentTemplate: Record<string, unknown> | undefined,
): string[] {
  const reasons: string[] = [];
  if (!currentTemplate || canonicalJson(currentTemplate) !== canonicalJson(inputs.template))
    reasons.push('template');
  const now = new Map(
    (current.Parameters ?? []).map((parameter) => [parameter.ParameterKey, parameter.ParameterValue]),
  );
  const noEcho = new Set(
    inputs.parameters.filter((parameter) => parameter.noEcho).map((parameter) => parameter.name),
  );
  for (const override of inputs.parameterOverrides) {
    if (override.usePrevious) continue;
    const value = now.get(override.key);
    // A NoEcho value comes back masked and cannot be compared: given a value, it is sent (see the README).
    if (noEcho.has(override.key) && (value === MASKED || value === undefined))
      reasons.push(`parameter ${override.key} (NoEcho: cannot be compared, sent again)`);
    else if (value !== override.value) reasons.push(`parameter ${override.key}`);
  }
  const declared = new Set(inputs.parameters.map((parameter) => parameter.name));
  for (const name of now.keys()) if (name && !declared.has(name)) reasons.push(`parameter ${name} removed`);
  if (tagsText(current.Tags) !== tagsText(inputs.tags)) reasons.push('tags');
  if (inputs.description !== undefined && (current.Description ?? '') !== inputs.description)
    reasons.push('description');
  if (inputs.administrationRoleArn && current.AdministrationRoleARN !== inputs.administrationRoleArn)
    reasons.push('administration role');
  if (inputs.executionRoleName && current.ExecutionRoleName !== inputs.executionRoleName)
    reasons.push('execution role');
  if (
    inputs.managedExecution !== undefined &&
    (current.ManagedExecution?.Active ?? false) !== inputs.managedExecution
  )
    reasons.push('managed execution');
  if (
    inputs.autoDeployment !== undefined &&
    (current.AutoDeployment?.Enabled ?? false) !== inputs.autoDeployment
  )
    reasons.push('auto-deployment');
  return reasons;
}

/** What to do. Throws InputError (L1, before any mutating call) when a required parameter gets no value. */
export function planRollout(
  inputs: StackSetInputs,
  current: StackSet | undefined,
  instances: StackInstanceSummary[],
): Rollout {
  const notes: string[] = [];
  const parsed = parseCurrentTemplate(current?.TemplateBody);
  if (parsed.note) notes.push(parsed.note);
  const previous = current
    ? (current.Parameters ?? []).map((parameter) => parameter.ParameterKey as string)
    : undefined;
  assertRequiredParameters(
    inputs.parameters,
    inputs.parameterOverrides,
    previous,
    `set ${inputs.stackSetName}`,
  );
  const settingsChanged = current
    ? settingsDiff(inputs, current, parsed.template)
    : ['stack set does not exist'];
  const serviceManaged = inputs.permissionModel === 'SERVICE_MANAGED';
  const existing = new Map(
    instances.map((instance) => [key(instanceTarget(instance, serviceManaged)), instance]),
  );
  const desired = desiredTargets(inputs);
  const wanted = new Set(desired.map(key));
  const create = desired.filter((target) => !existing.has(key(target)));
  const outdated =
    settingsChanged.length > 0
      ? []
      : desired.filter((target) => existing.get(key(target))?.Status === 'OUTDATED');
  // Without targets the action manages the stack set only: no instance is ever "stale" then.
  const stale =
    desired.length === 0
      ? []
      : [...existing.entries()]
          .filter(([target]) => !wanted.has(target))
          .map(([, instance]) => instanceTarget(instance, serviceManaged));
  if (desired.length === 0 && instances.length > 0)
    notes.push(`No targets given: the ${instances.length} existing instance(s) are left as they are.`);
  return {
    exists: !!current,
    settingsChanged,
    parameters: parametersToSend(inputs, current),
    create,
    outdated,
    stale,
    currentTemplate: parsed.template,
    notes,
  };
}

/** Does the rollout start any operation (or create the stack set)? */
export function hasWork(rollout: Rollout, inputs: Pick<StackSetInputs, 'removeStaleInstances'>): boolean {
  return (
    rollout.settingsChanged.length > 0 ||
    rollout.create.length > 0 ||
    rollout.outdated.length > 0 ||
    (inputs.removeStaleInstances && rollout.stale.length > 0)
  );
}

/**
 * CreateStackInstances takes accounts × regions: targets grouped so each call is a full cross product
 * (accounts missing the same regions together), one operation per group.
 */
export function crossProducts(targets: Target[]): Array<{ accounts: string[]; regions: string[] }> {
  const regionsOf = new Map<string, string[]>();
  for (const target of targets)
    regionsOf.set(target.account, [...(regionsOf.get(target.account) ?? []), target.region]);
  const groups = new Map<string, { accounts: string[]; regions: string[] }>();
  for (const [account, regions] of regionsOf) {
    const sorted = [...regions].sort();
    const group = groups.get(sorted.join(',')) ?? { accounts: [], regions: sorted };
    group.accounts.push(account);
    groups.set(sorted.join(','), group);
  }
  return [...groups.values()];
}
