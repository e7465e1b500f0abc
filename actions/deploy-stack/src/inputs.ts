import fs from 'node:fs';
import { Capability, type Tag } from '@aws-sdk/client-cloudformation';
import { InputError } from '../../../src/errors';
import {
  bool,
  int,
  IAM_ROLE_ARN,
  list,
  oneOf,
  optional,
  printable,
  SNS_TOPIC_ARN,
  validateAccountId,
  validateArn,
  validateRegion,
  validateStackName,
  workspaceRoot,
  resolveInWorkspace,
  type InputGetter,
  destructiveAllowList,
  environmentLabel,
} from '../../../src/inputs';
import { parseParameterOverrides, parseTags, type ParameterOverride } from '../../../src/cfn/parameters';
import { readTemplateInput, type TemplateSource } from '../../../src/cfn/template';
import { uniqueChangeSetName } from '../../../src/cfn/names';
import { normalisePlanDigest } from '../../../src/cfn/plan-digest';
import { proxyConfig } from '../../../src/proxy';
import { GUARD_INPUTS, parseGuardInputs, type GuardInputs } from './inputs-guards';

/** Every input in action.yml (a test keeps the two in step). */
export const INPUTS = [
  'mode',
  'name',
  'template',
  'capabilities',
  'parameter-overrides',
  'tags',
  'role-arn',
  'termination-protection',
  'disable-rollback',
  'timeout-in-minutes',
  'notification-arns',
  'change-set-name',
  'execute-change-set-id',
  's3-bucket',
  's3-prefix',
  'fail-on-empty-changeset',
  'no-delete-failed-changeset',
  'deployment-mode',
  'include-nested-stacks-change-set',
  'expected-account-id',
  'on-rollback-complete',
  'on-update-rollback-failed',
  'resources-to-skip',
  'rollback-preflight',
  'wait-timeout-minutes',
  'aws-region',
  'allow-destructive',
  'destructive-allow-list',
  'comment-on-pr',
  'github-token',
  'environment',
  'no-execute-changeset',
  'no-fail-on-empty-changeset',
  'expected-plan-digest',
  'http-proxy',
  'parameters-file',
  ...GUARD_INPUTS,
] as const;

export const OUTPUTS = [
  'stack-id',
  'stack-status',
  'change-set-id',
  'change-set-name',
  'has-changes',
  'changes-count',
  'outputs',
  'destructive-changes',
  'plan-markdown',
  'plan-digest',
  'changes-summary',
  'changes-markdown',
] as const;

export const MODES = ['create-and-execute', 'create-only', 'execute-only'] as const;
export type Mode = (typeof MODES)[number];

export interface DeployInputs {
  mode: Mode;
  stackName: string;
  region: string;
  template?: TemplateSource;
  capabilities: Capability[];
  parameterOverrides: ParameterOverride[];
  tags: Tag[];
  roleArn?: string;
  terminationProtection: boolean;
  disableRollback: boolean;
  timeoutInMinutes?: number;
  notificationArns: string[];
  changeSetName: string;
  executeChangeSetId?: string;
  /** P1: the digest of the reviewed plan (`sha256:<hex>`); required when execute-change-set-id is a name. */
  expectedPlanDigest?: string;
  s3Bucket?: string;
  s3Prefix: string;
  failOnEmptyChangeset: boolean;
  noDeleteFailedChangeset: boolean;
  deploymentMode?: 'REVERT_DRIFT';
  includeNestedStacks: boolean;
  expectedAccountId?: string;
  onRollbackComplete: 'fail' | 'delete';
  onUpdateRollbackFailed: 'fail' | 'continue';
  resourcesToSkip: string[];
  rollbackPreflight: 'warn' | 'fail' | 'off';
  waitTimeoutMs: number;
  allowDestructive: boolean;
  destructiveAllowList: string[];
  commentOnPr: 'auto' | 'always' | 'never' | 'changes-only';
  githubToken?: string;
  environment?: string;
  /** O1 and the safety rails (deploy order, deploy record, stack policy, rollback triggers). */
  guards: GuardInputs;
}

const CAPABILITIES = Object.values(Capability) as string[];
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const CHANGE_SET_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;
const CHANGE_SET_ARN =
  /^arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:\d{12}:changeSet\/[a-zA-Z][-a-zA-Z0-9]{0,127}\/[-a-f0-9]+$/;

/** Default change set name: unique per run and attempt so re-runs never collide; a timestamp outside Actions. */
export function defaultChangeSetName(stack: string, env: NodeJS.ProcessEnv, now: number): string {
  return uniqueChangeSetName(stack, env, now);
}

/** An optional boolean input, undefined when it is not given. */
function givenBool(get: InputGetter, name: string): boolean | undefined {
  return optional(get, name) === undefined ? undefined : bool(get, name, false);
}

/**
 * P1: the mode, from `mode` or the deprecated `no-execute-changeset` (aws-cloudformation-github-deploy v1).
 * `mode` has no default in action.yml (the runner passes every default, so a default would always win over the
 * alias): create-and-execute unless either asks otherwise. A combination that contradicts itself is refused.
 */
export function resolveMode(get: InputGetter): Mode {
  const mode =
    optional(get, 'mode') === undefined ? undefined : oneOf(get, 'mode', MODES, 'create-and-execute');
  const noExecute = givenBool(get, 'no-execute-changeset');
  if (mode === undefined) return noExecute ? 'create-only' : 'create-and-execute';
  if (noExecute === true && mode !== 'create-only') {
    throw new InputError(
      `Inputs 'mode: ${mode}' and 'no-execute-changeset: true' contradict each other: no-execute-changeset means mode: create-only. Set only mode.`,
    );
  }
  if (noExecute === false && mode === 'create-only') {
    throw new InputError(
      "Inputs 'mode: create-only' and 'no-execute-changeset: false' contradict each other: create-only never executes. Set only mode.",
    );
  }
  return mode;
}

/**
 * M1: fail-on-empty-changeset, or the deprecated `no-fail-on-empty-changeset` (its opposite). Neither has a
 * default in action.yml; the effective default is false (an empty change set is success). Both given with
 * contradicting meanings → refused.
 */
export function resolveFailOnEmpty(get: InputGetter): boolean {
  const failOnEmpty = givenBool(get, 'fail-on-empty-changeset');
  const noFailOnEmpty = givenBool(get, 'no-fail-on-empty-changeset');
  if (failOnEmpty !== undefined && noFailOnEmpty !== undefined && failOnEmpty === noFailOnEmpty) {
    throw new InputError(
      `Inputs 'fail-on-empty-changeset: ${failOnEmpty}' and 'no-fail-on-empty-changeset: ${noFailOnEmpty}' contradict each other. Set only fail-on-empty-changeset.`,
    );
  }
  return failOnEmpty ?? (noFailOnEmpty === undefined ? false : !noFailOnEmpty);
}

/** P1: execute-change-set-id and expected-plan-digest (a change set given by name needs the digest). */
function reviewedChangeSetInputs(
  get: InputGetter,
  mode: Mode,
): Pick<DeployInputs, 'executeChangeSetId' | 'expectedPlanDigest'> {
  const executeChangeSetId = optional(get, 'execute-change-set-id');
  const digestText = optional(get, 'expected-plan-digest');
  if (mode !== 'execute-only') {
    if (executeChangeSetId)
      throw new InputError("Input 'execute-change-set-id' is only used with mode: execute-only.");
    if (digestText)
      throw new InputError("Input 'expected-plan-digest' is only used with mode: execute-only.");
    return {};
  }
  if (!executeChangeSetId)
    throw new InputError("Input 'execute-change-set-id' is required with mode: execute-only.");
  const byArn = CHANGE_SET_ARN.test(executeChangeSetId);
  if (!byArn && !CHANGE_SET_NAME.test(executeChangeSetId)) {
    throw new InputError(
      `Input 'execute-change-set-id' must be a change set ARN or name, got '${printable(executeChangeSetId)}'.`,
    );
  }
  const expectedPlanDigest = digestText === undefined ? undefined : normalisePlanDigest(digestText);
  if (digestText !== undefined && !expectedPlanDigest) {
    throw new InputError(
      "Input 'expected-plan-digest' must be sha256:<64 hex digits> (the plan-digest output of the plan).",
    );
  }
  if (!byArn && !expectedPlanDigest) {
    throw new InputError(
      "Input 'execute-change-set-id' is a change set name, which a different change set can take over: give the change set's ARN (the plan's change-set-id output), or set expected-plan-digest to the reviewed plan's plan-digest.",
    );
  }
  return { executeChangeSetId, expectedPlanDigest };
}

/**
 * `parameters-file` (aws-cloudformation-github-deploy v2): a JSON file `{ "Parameters": { "Key": "Value" } }` in
 * the workspace; `parameter-overrides` win over it key by key. Values are never quoted in errors (C3).
 */
export function mergeParametersFile(
  get: InputGetter,
  overrides: ParameterOverride[],
  root: string,
): ParameterOverride[] {
  const file = optional(get, 'parameters-file');
  if (!file) return overrides;
  const full = resolveInWorkspace(file, 'parameters-file', root);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(full, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new InputError(`Input 'parameters-file': cannot read ${printable(file)} (${reason}).`);
  }
  const parameters = (data as { Parameters?: unknown } | null)?.Parameters;
  if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters))
    throw new InputError(
      `Input 'parameters-file': ${printable(file)} must be a JSON object { "Parameters": { "Key": "Value" } }.`,
    );
  const fromFile = parseParameterOverrides(JSON.stringify(parameters), 'parameters-file', root);
  const given = new Set(overrides.map((override) => override.key));
  return [...fromFile.filter((override) => !given.has(override.key)), ...overrides];
}

/** Parse and validate every input. Throws InputError before any AWS call (L1). */
export function parseInputs(get: InputGetter, env: NodeJS.ProcessEnv, now: number): DeployInputs {
  const mode = resolveMode(get);
  const failOnEmpty = resolveFailOnEmpty(get);

  const stackName = validateStackName(optional(get, 'name') ?? '', 'name');
  const region = validateRegion(optional(get, 'aws-region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION);
  const root = workspaceRoot(env);

  const templateValue = optional(get, 'template');
  const reviewed = reviewedChangeSetInputs(get, mode);
  if (mode !== 'execute-only' && !templateValue)
    throw new InputError(`Input 'template' is required with mode: ${mode}.`);
  const template = templateValue ? readTemplateInput(templateValue, root, env) : undefined;

  const capabilities = list(get, 'capabilities', true);
  const caps = (optional(get, 'capabilities') === undefined ? ['CAPABILITY_IAM'] : capabilities).map(
    (capability) => {
      if (!CAPABILITIES.includes(capability))
        throw new InputError(
          `Input 'capabilities': unknown capability '${printable(capability)}' (one of ${CAPABILITIES.join(', ')}).`,
        );
      return capability as Capability;
    },
  );

  const roleArn = optional(get, 'role-arn');
  if (roleArn) validateArn(roleArn, 'role-arn', IAM_ROLE_ARN, 'IAM role ARN');
  const notificationArns = list(get, 'notification-arns', true);
  if (notificationArns.length > 5)
    throw new InputError("Input 'notification-arns' takes at most 5 SNS topic ARNs.");
  for (const arn of notificationArns) validateArn(arn, 'notification-arns', SNS_TOPIC_ARN, 'SNS topic ARN');

  const changeSetName = optional(get, 'change-set-name') ?? defaultChangeSetName(stackName, env, now);
  if (!CHANGE_SET_NAME.test(changeSetName)) {
    throw new InputError(
      `Input 'change-set-name' must match ${CHANGE_SET_NAME.source}, got '${printable(changeSetName)}'.`,
    );
  }

  const s3Bucket = optional(get, 's3-bucket');
  if (s3Bucket && (!S3_BUCKET.test(s3Bucket) || s3Bucket.includes('..'))) {
    throw new InputError(`Input 's3-bucket' is not a valid bucket name: '${printable(s3Bucket)}'.`);
  }
  const s3Prefix = optional(get, 's3-prefix') ?? '';
  if (s3Prefix && (!/^[\w!\-.*'()/]{1,512}$/.test(s3Prefix) || s3Prefix.split('/').includes('..'))) {
    throw new InputError(
      `Input 's3-prefix' may use letters, digits and !-_.*'()/ only, got '${printable(s3Prefix)}'.`,
    );
  }

  const deploymentModeRaw = optional(get, 'deployment-mode');
  if (deploymentModeRaw && deploymentModeRaw !== 'REVERT_DRIFT') {
    throw new InputError(
      `Input 'deployment-mode' must be REVERT_DRIFT (or empty), got '${printable(deploymentModeRaw)}'.`,
    );
  }

  const expected = optional(get, 'expected-account-id');
  const resourcesToSkip = list(get, 'resources-to-skip', true);
  for (const resource of resourcesToSkip) {
    // LogicalId, NestedStackName.LogicalId (CloudFormation's form) or Path/To/Nested.LogicalId (N1).
    if (!/^([A-Za-z0-9]{1,255}|[A-Za-z0-9][-A-Za-z0-9/]{0,254}\.[A-Za-z0-9]{1,255})$/.test(resource)) {
      throw new InputError(
        `Input 'resources-to-skip': '${printable(resource)}' is not a logical resource id (LogicalId, NestedStackName.LogicalId or Path/To/Nested.LogicalId).`,
      );
    }
  }
  const allowList = destructiveAllowList(get);
  const environment = environmentLabel(get);
  // The AWS and GitHub clients read the proxy from the environment (src/aws.ts, src/pr-comment.ts); a malformed
  // one is refused here, before any call (L1).
  proxyConfig(env, optional(get, 'http-proxy'));

  const parsed: DeployInputs = {
    mode,
    stackName,
    region,
    template,
    capabilities: caps,
    parameterOverrides: mergeParametersFile(
      get,
      parseParameterOverrides(optional(get, 'parameter-overrides'), 'parameter-overrides', root),
      root,
    ),
    tags: parseTags(optional(get, 'tags'), 'tags', root),
    roleArn,
    terminationProtection: bool(get, 'termination-protection', false),
    disableRollback: bool(get, 'disable-rollback', false),
    timeoutInMinutes: int(get, 'timeout-in-minutes', undefined, 1, 43200),
    notificationArns,
    changeSetName,
    ...reviewed,
    s3Bucket,
    s3Prefix,
    failOnEmptyChangeset: failOnEmpty,
    noDeleteFailedChangeset: bool(get, 'no-delete-failed-changeset', false),
    deploymentMode: deploymentModeRaw ? 'REVERT_DRIFT' : undefined,
    includeNestedStacks: bool(get, 'include-nested-stacks-change-set', false),
    expectedAccountId: expected ? validateAccountId(expected) : undefined,
    onRollbackComplete: oneOf(get, 'on-rollback-complete', ['fail', 'delete'] as const, 'fail'),
    onUpdateRollbackFailed: oneOf(get, 'on-update-rollback-failed', ['fail', 'continue'] as const, 'fail'),
    resourcesToSkip,
    rollbackPreflight: oneOf(get, 'rollback-preflight', ['warn', 'fail', 'off'] as const, 'warn'),
    waitTimeoutMs: (int(get, 'wait-timeout-minutes', 60, 1, 720) as number) * 60_000,
    allowDestructive: bool(get, 'allow-destructive', false),
    destructiveAllowList: allowList,
    commentOnPr: oneOf(get, 'comment-on-pr', ['auto', 'always', 'never', 'changes-only'] as const, 'auto'),
    githubToken: optional(get, 'github-token'),
    environment,
    guards: parseGuardInputs(get, root),
  };
  if (parsed.resourcesToSkip.length > 0 && parsed.onUpdateRollbackFailed !== 'continue') {
    throw new InputError("Input 'resources-to-skip' is only used with on-update-rollback-failed: continue.");
  }
  return parsed;
}
