/**
 * Every input of deploy-stackset parsed and validated into one typed object before any AWS call (L1): names,
 * regions, account ids, OU ids, ARNs, the template (a workspace file, parsed here) and its parameters.
 */
import { Capability, type Tag } from '@aws-sdk/client-cloudformation';
import { InputError } from '../../../src/errors';
import {
  ACCOUNT_ID,
  bool,
  destructiveAllowList,
  environmentLabel,
  IAM_ROLE_ARN,
  int,
  list,
  oneOf,
  optional,
  printable,
  validateAccountId,
  validateArn,
  validateRegion,
  validateStackName,
  workspaceRoot,
  type InputGetter,
} from '../../../src/inputs';
import { assertDeclaredOverrides, parseParameterOverrides, parseTags } from '../../../src/cfn/parameters';
import type { ParameterOverride } from '../../../src/cfn/parameters';
import {
  MAX_TEMPLATE_BODY_BYTES,
  parseTemplate,
  readTemplateInput,
  templateParameters,
  type TemplateParameter,
} from '../../../src/cfn/template';

/** Every input in action.yml (a test keeps the two in step). */
export const INPUTS = [
  'mode',
  'name',
  'template',
  'parameter-overrides',
  'capabilities',
  'tags',
  'description',
  'permission-model',
  'administration-role-arn',
  'execution-role-name',
  'call-as',
  'accounts',
  'organizational-units',
  'regions',
  'region-order',
  'region-concurrency',
  'max-concurrent',
  'failure-tolerance',
  'auto-deployment',
  'managed-execution',
  'remove-stale-instances',
  'allow-destructive',
  'destructive-allow-list',
  'wait-timeout-minutes',
  'expected-account-id',
  'environment',
  'comment-on-pr',
  'github-token',
  'aws-region',
] as const;

export const OUTPUTS = [
  'result',
  'stack-set-id',
  'operation-ids',
  'has-changes',
  'destructive-changes',
  'failed-instances',
  'instances',
  'plan-markdown',
] as const;

export const MODES = ['create-and-execute', 'create-only'] as const;
export type Mode = (typeof MODES)[number];

/** A count (`2`) or a percentage (`25%`), as CloudFormation's operation preferences take them. */
export type Amount = { count: number } | { percentage: number };

export interface StackSetInputs {
  mode: Mode;
  stackSetName: string;
  region: string;
  templateBody: string;
  /** The template's declared parameters (parsed locally). */
  parameters: TemplateParameter[];
  /** The parsed template (resources are diffed against the stack set's current one). */
  template: Record<string, unknown>;
  parameterOverrides: ParameterOverride[];
  capabilities: Capability[];
  tags: Tag[];
  description?: string;
  permissionModel: 'SELF_MANAGED' | 'SERVICE_MANAGED';
  administrationRoleArn?: string;
  executionRoleName?: string;
  callAs: 'SELF' | 'DELEGATED_ADMIN';
  accounts: string[];
  organizationalUnits: string[];
  regions: string[];
  regionOrder: string[];
  regionConcurrency?: 'SEQUENTIAL' | 'PARALLEL';
  maxConcurrent: Amount;
  failureTolerance: Amount;
  autoDeployment?: boolean;
  managedExecution?: boolean;
  removeStaleInstances: boolean;
  allowDestructive: boolean;
  destructiveAllowList: string[];
  waitTimeoutMs: number;
  expectedAccountId?: string;
  environment?: string;
  commentOnPr: 'auto' | 'always' | 'never';
  githubToken?: string;
}

const CAPABILITIES = Object.values(Capability) as string[];
const OU_ID = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** `max-concurrent` / `failure-tolerance`: a whole number, or a percentage 0-100 (`25%`). */
export function amount(get: InputGetter, name: string, fallback: Amount, min: number): Amount {
  const value = optional(get, name);
  if (value === undefined) return fallback;
  const match = /^(\d{1,6})(%?)$/.exec(value);
  const number = match ? Number(match[1]) : NaN;
  if (!match || number < min || (match[2] === '%' && number > 100)) {
    throw new InputError(
      `Input '${name}' must be a whole number (at least ${min}) or a percentage like 25%, got '${printable(value)}'.`,
    );
  }
  return match[2] === '%' ? { percentage: number } : { count: number };
}

/** An optional boolean input: undefined when not given. */
function optionalBool(get: InputGetter, name: string): boolean | undefined {
  return optional(get, name) === undefined ? undefined : bool(get, name, false);
}

function regionList(get: InputGetter, name: string): string[] {
  const regions = list(get, name, true);
  for (const region of regions) {
    try {
      validateRegion(region);
    } catch {
      throw new InputError(`Input '${name}': '${printable(region)}' is not a valid AWS region.`);
    }
  }
  return [...new Set(regions)];
}

/** L1: the targets: accounts (self-managed) or organizational units (service-managed), and regions. */
function targets(
  get: InputGetter,
  permissionModel: StackSetInputs['permissionModel'],
): Pick<StackSetInputs, 'accounts' | 'organizationalUnits' | 'regions' | 'regionOrder'> {
  const accounts = [...new Set(list(get, 'accounts', true))];
  for (const account of accounts)
    if (!ACCOUNT_ID.test(account))
      throw new InputError(`Input 'accounts': '${printable(account)}' is not a 12-digit AWS account id.`);
  const organizationalUnits = [...new Set(list(get, 'organizational-units', true))];
  for (const unit of organizationalUnits)
    if (!OU_ID.test(unit))
      throw new InputError(
        `Input 'organizational-units': '${printable(unit)}' is not an organizational unit id (ou-xxxx-xxxxxxxx or r-xxxx).`,
      );
  if (permissionModel === 'SELF_MANAGED' && organizationalUnits.length > 0)
    throw new InputError(
      "Input 'organizational-units' needs permission-model: SERVICE_MANAGED; self-managed stack sets target accounts.",
    );
  if (permissionModel === 'SERVICE_MANAGED' && accounts.length > 0)
    throw new InputError(
      "Input 'accounts' is for permission-model: SELF_MANAGED; service-managed stack sets target organizational-units.",
    );
  const regions = regionList(get, 'regions');
  const regionOrder = regionList(get, 'region-order');
  for (const region of regionOrder)
    if (!regions.includes(region))
      throw new InputError(`Input 'region-order': ${region} is not in 'regions'.`);
  if (regions.length > 0 && accounts.length + organizationalUnits.length === 0)
    throw new InputError(
      "Input 'regions' is set but there are no targets: set 'accounts' (self-managed) or 'organizational-units' (service-managed).",
    );
  if (regions.length === 0 && accounts.length + organizationalUnits.length > 0)
    throw new InputError("Input 'regions' is required when accounts or organizational units are given.");
  return { accounts, organizationalUnits, regions, regionOrder };
}

/** The template: a workspace file (the plan diffs its body), inline-sized, parsed, overrides declared. */
function templateInput(
  get: InputGetter,
  env: NodeJS.ProcessEnv,
  overrides: ParameterOverride[],
): Pick<StackSetInputs, 'templateBody' | 'template' | 'parameters'> {
  const value = optional(get, 'template');
  if (!value) throw new InputError("Input 'template' is required.");
  const source = readTemplateInput(value, workspaceRoot(env), env);
  if (source.kind !== 'file')
    throw new InputError(
      "Input 'template' must be a file in the workspace for deploy-stackset: the plan diffs its body against the stack set's template.",
    );
  const size = Buffer.byteLength(source.body);
  if (size > MAX_TEMPLATE_BODY_BYTES)
    throw new InputError(
      `The template is ${size} bytes, over CloudFormation's ${MAX_TEMPLATE_BODY_BYTES}-byte limit for a stack set's inline template.`,
    );
  const template = parseTemplate(source.body);
  const parameters = templateParameters(template);
  assertDeclaredOverrides(
    overrides,
    parameters.map((parameter) => parameter.name),
  );
  return { templateBody: source.body, template, parameters };
}

/** Parse and validate every input. Throws InputError before any AWS call (L1). */
export function parseInputs(get: InputGetter, env: NodeJS.ProcessEnv): StackSetInputs {
  const mode = oneOf(get, 'mode', MODES, 'create-and-execute');
  const stackSetName = validateStackName(optional(get, 'name') ?? '', 'name');
  const region = validateRegion(optional(get, 'aws-region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION);
  const root = workspaceRoot(env);
  const parameterOverrides = parseParameterOverrides(
    optional(get, 'parameter-overrides'),
    'parameter-overrides',
    root,
  );
  const capabilities = list(get, 'capabilities', true).map((capability) => {
    if (!CAPABILITIES.includes(capability))
      throw new InputError(
        `Input 'capabilities': unknown capability '${printable(capability)}' (one of ${CAPABILITIES.join(', ')}).`,
      );
    return capability as Capability;
  });
  const permissionModel = oneOf(
    get,
    'permission-model',
    ['SELF_MANAGED', 'SERVICE_MANAGED'] as const,
    'SELF_MANAGED',
  );
  const administrationRoleArn = optional(get, 'administration-role-arn');
  if (administrationRoleArn)
    validateArn(administrationRoleArn, 'administration-role-arn', IAM_ROLE_ARN, 'IAM role ARN');
  const executionRoleName = optional(get, 'execution-role-name');
  if (executionRoleName && !ROLE_NAME.test(executionRoleName))
    throw new InputError(
      `Input 'execution-role-name' is not an IAM role name: '${printable(executionRoleName)}'.`,
    );
  if (permissionModel === 'SERVICE_MANAGED' && (administrationRoleArn || executionRoleName))
    throw new InputError(
      'administration-role-arn and execution-role-name are for SELF_MANAGED stack sets; service-managed ones use service-linked roles.',
    );
  const autoDeployment = optionalBool(get, 'auto-deployment');
  if (autoDeployment !== undefined && permissionModel !== 'SERVICE_MANAGED')
    throw new InputError("Input 'auto-deployment' needs permission-model: SERVICE_MANAGED.");
  const description = optional(get, 'description');
  if (description && description.length > 1024)
    throw new InputError("Input 'description' is longer than 1024 characters.");
  const expected = optional(get, 'expected-account-id');
  const maxConcurrent = amount(get, 'max-concurrent', { count: 1 }, 1);
  const failureTolerance = amount(get, 'failure-tolerance', { count: 0 }, 0);
  // CloudFormation's default (strict) concurrency mode: at most one more account at a time than may fail.
  if (
    'count' in maxConcurrent &&
    'count' in failureTolerance &&
    maxConcurrent.count > failureTolerance.count + 1
  )
    throw new InputError(
      `Input 'max-concurrent' (${maxConcurrent.count}) may be at most failure-tolerance + 1 (${failureTolerance.count + 1}) when both are counts (CloudFormation's strict failure tolerance).`,
    );
  return {
    mode,
    stackSetName,
    region,
    ...templateInput(get, env, parameterOverrides),
    parameterOverrides,
    capabilities,
    tags: parseTags(optional(get, 'tags'), 'tags', root),
    description,
    permissionModel,
    administrationRoleArn,
    executionRoleName,
    callAs: oneOf(get, 'call-as', ['SELF', 'DELEGATED_ADMIN'] as const, 'SELF'),
    ...targets(get, permissionModel),
    regionConcurrency:
      optional(get, 'region-concurrency') === undefined
        ? undefined
        : oneOf(get, 'region-concurrency', ['SEQUENTIAL', 'PARALLEL'] as const, 'SEQUENTIAL'),
    maxConcurrent,
    failureTolerance,
    autoDeployment,
    managedExecution: optionalBool(get, 'managed-execution'),
    removeStaleInstances: bool(get, 'remove-stale-instances', false),
    allowDestructive: bool(get, 'allow-destructive', false),
    destructiveAllowList: destructiveAllowList(get),
    waitTimeoutMs: (int(get, 'wait-timeout-minutes', 60, 1, 720) as number) * 60_000,
    expectedAccountId: expected ? validateAccountId(expected) : undefined,
    environment: environmentLabel(get),
    commentOnPr: oneOf(get, 'comment-on-pr', ['auto', 'always', 'never'] as const, 'auto'),
    githubToken: optional(get, 'github-token'),
  };
}
