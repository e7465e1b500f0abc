/**
 * The inputs of deploy-stack's deploy-order guard (O1) and safety rails, parsed and validated (L1) into one
 * typed sub-object of DeployInputs. None of them has a default in action.yml (the runner passes every default
 * as INPUT_*, so a default there could not be told apart from what the user wrote): the defaults are here.
 */
import fs from 'node:fs';
import { validateRecordPrefix } from '../../../src/deploy-record';
import type { OrderMode } from '../../../src/deploy-order';
import { InputError } from '../../../src/errors';
import {
  bool,
  int,
  list,
  oneOf,
  optional,
  printable,
  resolveInWorkspace,
  type InputGetter,
} from '../../../src/inputs';

export const GUARD_INPUTS = [
  'deploy-order',
  'allow-older-commit',
  'deploy-record',
  'deploy-record-prefix',
  'stack-policy',
  'rollback-alarms',
  'rollback-monitoring-minutes',
] as const;

export interface GuardInputs {
  deployOrder: OrderMode;
  allowOlderCommit: boolean;
  deployRecord: 'ssm' | 'off';
  /** The SSM path the record of a stack lives under: `<prefix>/<stack-name>`. */
  deployRecordPrefix: string;
  /** The stack policy body (validated JSON), when given. */
  stackPolicy?: string;
  rollbackAlarms: string[];
  rollbackMonitoringMinutes?: number;
}

export const DEFAULT_RECORD_PREFIX = '/guarded-deploy';
/** SetStackPolicy takes a body of at most 16,384 bytes. */
export const MAX_STACK_POLICY_BYTES = 16_384;
export const CLOUDWATCH_ALARM_ARN = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:[\x21-\x7e]{1,255}$/;

const EFFECTS = new Set(['Allow', 'Deny']);

function stringOrList(value: unknown): boolean {
  return (
    (typeof value === 'string' && value !== '') ||
    (Array.isArray(value) &&
      value.length > 0 &&
      value.every((item) => typeof item === 'string' && item !== ''))
  );
}

/** A stack policy body: `{ "Statement": [ { Effect, Principal, Action|NotAction, Resource|NotResource } ] }`. */
export function validateStackPolicy(body: string, shown: string): string {
  const problem = (why: string) => new InputError(`Input 'stack-policy': ${shown} ${why}.`);
  if (Buffer.byteLength(body) > MAX_STACK_POLICY_BYTES)
    throw problem(`is larger than ${MAX_STACK_POLICY_BYTES} bytes (SetStackPolicy's limit)`);
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw problem('is not valid JSON');
  }
  const statements = (data as { Statement?: unknown } | null)?.Statement;
  if (
    !data ||
    typeof data !== 'object' ||
    Array.isArray(data) ||
    !Array.isArray(statements) ||
    !statements.length
  )
    throw problem('must be a JSON object with a non-empty "Statement" list');
  statements.forEach((statement: unknown, index) => {
    const fields = (statement ?? {}) as Record<string, unknown>;
    const where = `statement ${index + 1}`;
    if (!statement || typeof statement !== 'object' || Array.isArray(statement))
      throw problem(`${where} is not an object`);
    if (!EFFECTS.has(fields.Effect as string)) throw problem(`${where} needs "Effect": "Allow" or "Deny"`);
    if (fields.Principal === undefined) throw problem(`${where} needs "Principal": "*"`);
    if (stringOrList(fields.Action) === stringOrList(fields.NotAction))
      throw problem(`${where} needs exactly one of "Action" or "NotAction"`);
    if (stringOrList(fields.Resource) === stringOrList(fields.NotResource))
      throw problem(`${where} needs exactly one of "Resource" or "NotResource"`);
  });
  return JSON.stringify(data);
}

/** `stack-policy`: inline JSON (starts with `{`), or a path (optionally file://) in the workspace (real path, X1). */
function stackPolicyInput(get: InputGetter, root: string): string | undefined {
  const value = optional(get, 'stack-policy');
  if (value === undefined) return undefined;
  if (value.startsWith('{')) return validateStackPolicy(value, 'the inline policy');
  const file = value.replace(/^file:\/\//, '');
  const full = resolveInWorkspace(file, 'stack-policy', root);
  let body: string;
  try {
    body = fs.readFileSync(full, 'utf8');
  } catch (error) {
    throw new InputError(
      `Input 'stack-policy': cannot read ${printable(file)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`,
    );
  }
  return validateStackPolicy(body, printable(file));
}

/** Parse and validate the guard inputs (L1: before any call). */
export function parseGuardInputs(get: InputGetter, root: string): GuardInputs {
  const deployOrder = oneOf(get, 'deploy-order', ['enforce', 'warn', 'off'] as const, 'warn');
  const deployRecord = oneOf(
    get,
    'deploy-record',
    ['ssm', 'off'] as const,
    deployOrder === 'off' ? 'off' : 'ssm',
  );
  if (deployOrder === 'enforce' && deployRecord === 'off')
    throw new InputError(
      "Inputs 'deploy-order: enforce' and 'deploy-record: off' contradict each other: the order is checked against the deploy record. Set deploy-record: ssm (or leave it unset).",
    );
  const prefixText = optional(get, 'deploy-record-prefix');
  const deployRecordPrefix =
    prefixText === undefined ? DEFAULT_RECORD_PREFIX : validateRecordPrefix(prefixText);

  const rollbackAlarms = list(get, 'rollback-alarms', true);
  if (rollbackAlarms.length > 5)
    throw new InputError(
      `Input 'rollback-alarms' takes at most 5 CloudWatch alarm ARNs, got ${rollbackAlarms.length}.`,
    );
  for (const arn of rollbackAlarms)
    if (!CLOUDWATCH_ALARM_ARN.test(arn))
      throw new InputError(
        `Input 'rollback-alarms' is not a valid CloudWatch alarm ARN: '${printable(arn)}'.`,
      );
  const rollbackMonitoringMinutes = int(get, 'rollback-monitoring-minutes', undefined, 0, 180);
  if (rollbackMonitoringMinutes !== undefined && rollbackAlarms.length === 0)
    throw new InputError("Input 'rollback-monitoring-minutes' is only used with rollback-alarms.");

  return {
    deployOrder,
    allowOlderCommit: bool(get, 'allow-older-commit', false),
    deployRecord,
    deployRecordPrefix,
    stackPolicy: stackPolicyInput(get, root),
    rollbackAlarms,
    rollbackMonitoringMinutes,
  };
}
