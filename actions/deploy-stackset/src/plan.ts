/**
 * The plan (`mode: create-only`, and the head of every apply): the template diff rendered by the shared plan
 * renderer (destructive changes flagged, H2), the parameter changes with NoEcho values masked (C3), and the
 * instances that would be created, updated or removed. Plus the gate: destructive resource changes and
 * instance removals are refused unless allowed.
 */
import type { StackInstanceSummary, StackSet } from '@aws-sdk/client-cloudformation';
import type { NoEchoMasking } from '../../../src/cfn/noecho';
import { escapeMarkdown } from '../../../src/escape';
import { renderTable, type Cell } from '../../../src/markdown';
import { isAllowListed, renderPlan, runUrlFromEnv, type PlanResult } from '../../../src/plan';
import { destructiveRefusal } from '../../../src/plan-report';
import type { StackSetInputs } from './inputs';
import type { Rollout, Target } from './rollout';
import { templateChanges } from './template-diff';

/** The resource type the allow-list names to let instance removals through. */
export const STACK_INSTANCE_TYPE = 'AWS::CloudFormation::StackInstance';
/** Most target rows shown in the plan. */
const MAX_TARGET_ROWS = 300;

function parameterSection(
  inputs: StackSetInputs,
  current: StackSet | undefined,
  masking: NoEchoMasking,
): string {
  const noEcho = new Set(masking.noEchoParameters);
  const before = new Map(
    (current?.Parameters ?? []).map((parameter) => [parameter.ParameterKey, parameter.ParameterValue]),
  );
  const rows: Cell[][] = [];
  for (const override of inputs.parameterOverrides) {
    const masked = noEcho.has(override.key);
    const was = before.get(override.key);
    if (override.usePrevious) continue;
    if (!masked && was === override.value) continue;
    rows.push([
      { code: override.key },
      was === undefined ? '(not set)' : masked ? '(NoEcho, masked)' : { code: was },
      masked ? '(NoEcho, masked: a new value is sent)' : { code: override.value ?? '' },
    ]);
  }
  const declared = new Set(inputs.parameters.map((parameter) => parameter.name));
  for (const name of before.keys())
    if (name && !declared.has(name))
      rows.push([
        { code: name },
        noEcho.has(name) ? '(NoEcho, masked)' : { code: before.get(name) },
        '(removed)',
      ]);
  if (rows.length === 0)
    return '#### Parameters\n\nNo parameter changes (parameters not given keep their current values).';
  return `#### Parameters\n\n${renderTable(['Parameter', 'Current', 'New'], rows, { secrets: masking.secrets })}`;
}

/** Every target instance and what the rollout does to it. */
export function targetRows(
  inputs: StackSetInputs,
  rollout: Rollout,
  instances: StackInstanceSummary[],
): Cell[][] {
  const rows: Cell[][] = [];
  const row = (target: Target, action: string, status = '') =>
    rows.push([target.account, target.region, action, status]);
  const statusOf = (target: Target) =>
    instances.find(
      (instance) =>
        (instance.Account === target.account || instance.OrganizationalUnitId === target.account) &&
        instance.Region === target.region,
    )?.Status ?? '';
  for (const target of rollout.create) row(target, 'create');
  const changing = new Set(
    [...rollout.create, ...rollout.stale, ...rollout.outdated].map(
      (target) => `${target.account}/${target.region}`,
    ),
  );
  for (const target of rollout.outdated) row(target, 'update (OUTDATED)', statusOf(target));
  if (rollout.settingsChanged.length > 0)
    for (const instance of instances) {
      const target = {
        account: instance.Account ?? instance.OrganizationalUnitId ?? '?',
        region: instance.Region ?? '?',
      };
      if (!changing.has(`${target.account}/${target.region}`)) row(target, 'update', instance.Status ?? '');
    }
  for (const target of rollout.stale)
    row(
      target,
      inputs.removeStaleInstances
        ? '⚠️ remove (stack deleted)'
        : 'kept: not listed (remove-stale-instances is false)',
      statusOf(target),
    );
  return rows;
}

function targetSection(inputs: StackSetInputs, rollout: Rollout, instances: StackInstanceSummary[]): string {
  const rows = targetRows(inputs, rollout, instances);
  const head = '#### Stack instances';
  if (rows.length === 0) return `${head}\n\nNo instance is created, updated or removed.`;
  const owner = inputs.permissionModel === 'SERVICE_MANAGED' ? 'Account / OU' : 'Account';
  return `${head}\n\n${renderTable([owner, 'Region', 'Action', 'Current status'], rows, { maxRows: MAX_TARGET_ROWS })}`;
}

/** The rendered plan: summary-sized and comment-sized, with the destructive changes found. */
export function renderStackSetPlan(
  inputs: StackSetInputs,
  env: NodeJS.ProcessEnv,
  context: {
    current?: StackSet;
    instances: StackInstanceSummary[];
    rollout: Rollout;
    masking: NoEchoMasking;
    account?: string;
  },
): PlanResult {
  const { current, instances, rollout, masking } = context;
  const settings = rollout.settingsChanged.length
    ? `Stack set ${current ? 'update' : 'creation'}: ${rollout.settingsChanged.map((reason) => escapeMarkdown(reason)).join(', ')}.`
    : 'The stack set itself is up to date.';
  return renderPlan({
    changeSets: [
      { stackName: inputs.stackSetName, changes: templateChanges(rollout.currentTemplate, inputs.template) },
    ],
    header: {
      stack: inputs.stackSetName,
      environment: inputs.environment,
      account: context.account,
      region: inputs.region,
      title: `Plan for stack set ${inputs.stackSetName}${inputs.environment ? ` (${inputs.environment})` : ''}`,
      runUrl: runUrlFromEnv(env),
    },
    secrets: masking.secrets,
    noEchoParameters: masking.noEchoParameters,
    allowList: inputs.destructiveAllowList,
    extraSections: [
      settings,
      parameterSection(inputs, current, masking),
      targetSection(inputs, rollout, instances),
      ...rollout.notes.map(escapeMarkdown),
    ],
    footer:
      '_Resource changes come from comparing the templates (a stack set has no change sets): a modified property may still replace its resource in each instance. Instances run the stack set template in their own accounts and regions._',
  });
}

/** H2: refuse destructive resource changes and instance removals unless allowed. */
export function gateRefusal(inputs: StackSetInputs, plan: PlanResult, rollout: Rollout): string | undefined {
  const resources = destructiveRefusal(
    plan,
    inputs.allowDestructive,
    `the rollout of stack set ${inputs.stackSetName}`,
  );
  if (resources) return resources;
  const removing = inputs.removeStaleInstances ? rollout.stale : [];
  if (
    removing.length === 0 ||
    inputs.allowDestructive ||
    isAllowListed(inputs.destructiveAllowList, '', STACK_INSTANCE_TYPE)
  )
    return undefined;
  const list = removing
    .slice(0, 10)
    .map((target) => `${target.account}/${target.region}`)
    .join(', ');
  return `Refusing to remove ${removing.length} stack instance(s) of stack set ${inputs.stackSetName} (their stacks would be deleted): ${list}${removing.length > 10 ? ', …' : ''}. Review the plan, then set allow-destructive: true or add ${STACK_INSTANCE_TYPE} to destructive-allow-list (H2).`;
}
