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
  type InputGetter,
  destructiveAllowList,
  environmentLabel,
} from '../../../src/inputs';
import { parseParameterOverrides, parseTags, type ParameterOverride } from '../../../src/cfn/parameters';
import { readTemplateInput, type TemplateSource } from '../../../src/cfn/template';
import { uniqueChangeSetName } from '../../../src/cfn/names';

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
  commentOnPr: 'auto' | 'always' | 'never';
  githubToken?: string;
  environment?: string;
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

/** Parse and validate every input. Throws InputError before any AWS call (L1). */
export function parseInputs(get: InputGetter, env: NodeJS.ProcessEnv, now: number): DeployInputs {
  // Deprecated aliases from aws-actions/aws-cloudformation-github-deploy v1 ("1"/"0").
  const legacyNoExecute = bool(get, 'no-execute-changeset', false);
  let mode = oneOf(get, 'mode', MODES, 'create-and-execute');
  if (legacyNoExecute && optional(get, 'mode') === undefined) mode = 'create-only';

  const stackName = validateStackName(optional(get, 'name') ?? '', 'name');
  const region = validateRegion(optional(get, 'aws-region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION);
  const root = workspaceRoot(env);

  const templateValue = optional(get, 'template');
  const executeChangeSetId = optional(get, 'execute-change-set-id');
  if (mode === 'execute-only') {
    if (!executeChangeSetId)
      throw new InputError("Input 'execute-change-set-id' is required with mode: execute-only.");
    if (!CHANGE_SET_ARN.test(executeChangeSetId) && !CHANGE_SET_NAME.test(executeChangeSetId)) {
      throw new InputError(
        `Input 'execute-change-set-id' must be a change set ARN or name, got '${printable(executeChangeSetId)}'.`,
      );
    }
  } else {
    if (!templateValue) throw new InputError(`Input 'template' is required with mode: ${mode}.`);
    if (executeChangeSetId)
      throw new InputError("Input 'execute-change-set-id' is only used with mode: execute-only.");
  }
  const template = templateValue ? readTemplateInput(templateValue, root) : undefined;

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
    if (!/^[A-Za-z0-9]{1,255}(\.[A-Za-z0-9]{1,255})?$/.test(resource)) {
      throw new InputError(
        `Input 'resources-to-skip': '${printable(resource)}' is not a logical resource id (LogicalId or NestedStack.LogicalId).`,
      );
    }
  }
  const allowList = destructiveAllowList(get);
  const environment = environmentLabel(get);

  const failOnEmpty =
    optional(get, 'fail-on-empty-changeset') !== undefined
      ? bool(get, 'fail-on-empty-changeset', false)
      : optional(get, 'no-fail-on-empty-changeset') !== undefined
        ? !bool(get, 'no-fail-on-empty-changeset', true)
        : false;

  const parsed: DeployInputs = {
    mode,
    stackName,
    region,
    template,
    capabilities: caps,
    parameterOverrides: parseParameterOverrides(
      optional(get, 'parameter-overrides'),
      'parameter-overrides',
      root,
    ),
    tags: parseTags(optional(get, 'tags'), 'tags', root),
    roleArn,
    terminationProtection: bool(get, 'termination-protection', false),
    disableRollback: bool(get, 'disable-rollback', false),
    timeoutInMinutes: int(get, 'timeout-in-minutes', undefined, 1, 43200),
    notificationArns,
    changeSetName,
    executeChangeSetId,
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
    commentOnPr: oneOf(get, 'comment-on-pr', ['auto', 'always', 'never'] as const, 'auto'),
    githubToken: optional(get, 'github-token'),
    environment,
  };
  if (parsed.resourcesToSkip.length > 0 && parsed.onUpdateRollbackFailed !== 'continue') {
    throw new InputError("Input 'resources-to-skip' is only used with on-update-rollback-failed: continue.");
  }
  return parsed;
}
