/**
 * Safety rails: the stack policy (applied with SetStackPolicy after a create, and before executing an update
 * when it differs from GetStackPolicy; the plan warns about changes the policy in force would deny), the change
 * set's rollback triggers (CloudWatch alarms + monitoring time) and termination protection in the summary.
 */
import {
  GetStackPolicyCommand,
  SetStackPolicyCommand,
  type Change,
  type CloudFormationClient,
  type RollbackConfiguration,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { code } from '../../../src/escape';
import type { GuardInputs } from './inputs-guards';

/** The change set's RollbackConfiguration, or undefined (CloudFormation keeps the stack's current one). */
export function rollbackConfiguration(guards: GuardInputs): RollbackConfiguration | undefined {
  if (!guards.rollbackAlarms.length) return undefined;
  return {
    RollbackTriggers: guards.rollbackAlarms.map((Arn) => ({ Arn, Type: 'AWS::CloudWatch::Alarm' })),
    ...(guards.rollbackMonitoringMinutes === undefined
      ? {}
      : { MonitoringTimeInMinutes: guards.rollbackMonitoringMinutes }),
  };
}

/** One line for the plan: the rollback triggers this change set carries. */
export function rollbackNote(guards: GuardInputs): string | undefined {
  if (!guards.rollbackAlarms.length) return undefined;
  const names = guards.rollbackAlarms.map((arn) => code(arn.replace(/^.*:alarm:/, ''))).join(', ');
  const minutes = guards.rollbackMonitoringMinutes;
  return `Rollback triggers: ${guards.rollbackAlarms.length} CloudWatch alarm(s) (${names}); monitoring ${minutes === undefined ? "for CloudFormation's default time" : `for ${minutes} minute(s)`} after the deploy — an alarm in ALARM rolls it back.`;
}

/**
 * One line for the summary: termination protection as the stack has it now (a create enables it after the
 * stack is complete, when asked, so the stack read at the end of a create does not show it yet).
 */
export function terminationNote(
  stack: Stack | undefined,
  type: 'CREATE' | 'UPDATE',
  requested: boolean,
): string | undefined {
  if (!stack) return undefined;
  const on = stack.EnableTerminationProtection === true || (type === 'CREATE' && requested);
  return `Termination protection: ${on ? 'on' : 'off'}${on ? '' : ' (set termination-protection: true to enable it when the stack is created)'}.`;
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A policy pattern (`*` and `?` wildcards) matched against a value. */
function matches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

function anyMatch(patterns: string[], value: string): boolean {
  return patterns.some((pattern) => matches(pattern, value));
}

/** Does this statement apply to `action` on the resource (logical id and type)? */
function applies(statement: Statement, action: string, logicalId: string, type: string): boolean {
  const actionHit = statement.Action
    ? anyMatch(asList(statement.Action), action)
    : !anyMatch(asList(statement.NotAction), action);
  const resource = `LogicalResourceId/${logicalId}`;
  const resourceHit = statement.Resource
    ? anyMatch(asList(statement.Resource), resource)
    : !anyMatch(asList(statement.NotResource), resource);
  if (!actionHit || !resourceHit) return false;
  for (const [operator, condition] of Object.entries(statement.Condition ?? {})) {
    const wanted = asList(condition.ResourceType);
    if (!wanted.length) continue;
    const hit = operator.startsWith('StringLike') ? anyMatch(wanted, type) : wanted.includes(type);
    if (operator.includes('Not') ? hit : !hit) return false;
  }
  return true;
}

/** The update actions a change performs, as stack policies name them (Add is not governed by a policy). */
export function updateActions(change: Change): string[] {
  const resource = change.ResourceChange;
  if (!resource) return [];
  if (resource.Action === 'Remove') return ['Update:Delete'];
  if (resource.Action !== 'Modify') return [];
  if (resource.Replacement === 'True') return ['Update:Replace'];
  if (resource.Replacement === 'Conditional') return ['Update:Modify', 'Update:Replace'];
  return ['Update:Modify'];
}

export interface PolicyDenial {
  logicalId: string;
  action: string;
  /** Denied by a Deny statement, or only because no Allow statement covers it (a policy denies by default). */
  explicit: boolean;
}

/**
 * The changes of the root stack the policy would deny: an explicit Deny that applies, or no Allow that does
 * (with a stack policy, everything not allowed is denied).
 */
export function policyDenials(policyBody: string, changes: Change[]): PolicyDenial[] {
  let statements: Statement[];
  try {
    statements = (JSON.parse(policyBody) as { Statement?: Statement[] }).Statement ?? [];
  } catch {
    return [];
  }
  const denials: PolicyDenial[] = [];
  for (const change of changes) {
    const logicalId = change.ResourceChange?.LogicalResourceId ?? '';
    const type = change.ResourceChange?.ResourceType ?? '';
    for (const action of updateActions(change)) {
      const hits = statements.filter((statement) => applies(statement, action, logicalId, type));
      const denied = hits.some((statement) => statement.Effect === 'Deny');
      if (denied || !hits.some((statement) => statement.Effect === 'Allow')) {
        denials.push({ logicalId, action, explicit: denied });
        break;
      }
    }
  }
  return denials;
}

/** The plan's warning for denied changes, or undefined. */
export function denialWarning(
  stackName: string,
  denials: PolicyDenial[],
  source: string,
): string | undefined {
  if (!denials.length) return undefined;
  const list = denials
    .slice(0, 10)
    .map((denial) => `${denial.logicalId} (${denial.action}${denial.explicit ? '' : ', not allowed'})`)
    .join(', ');
  return `Stack policy (${source}) denies ${denials.length} change(s) in this plan of stack ${stackName}: ${list}${denials.length > 10 ? ', …' : ''}. CloudFormation will fail the update on them and roll it back; change the policy or the template.`;
}

/** The stack's current policy body (normalised JSON), or undefined when it has none. */
export async function currentStackPolicy(
  cfn: CloudFormationClient,
  stack: string,
): Promise<string | undefined> {
  const answer = (await cfn.send(new GetStackPolicyCommand({ StackName: stack }))) as
    { StackPolicyBody?: string } | undefined;
  const body = answer?.StackPolicyBody;
  if (!body) return undefined;
  try {
    return JSON.stringify(JSON.parse(body));
  } catch {
    return body;
  }
}

/** SetStackPolicy when the stack's policy differs from `policy` (both normalised). Returns true when it was set. */
export async function applyStackPolicy(
  cfn: CloudFormationClient,
  stack: string,
  policy: string,
  current: string | undefined,
): Promise<boolean> {
  if (current === policy) return false;
  await cfn.send(new SetStackPolicyCommand({ StackName: stack, StackPolicyBody: policy }));
  return true;
}
