import { Capability } from '@aws-sdk/client-cloudformation';
import { regionFromEnv } from '../../../src/aws';
import { InputError } from '../../../src/errors';
import { bool, int, list, oneOf, optional, type InputGetter } from '../../../src/inputs';
import {
  destructiveAllowList as parseDestructiveAllowList,
  environmentLabel,
  printable,
  validateRegion,
  validateStackName,
  workspaceRoot,
} from '../../../src/inputs';
import { uniqueChangeSetName } from '../../../src/cfn/names';
import {
  assertDeclaredOverrides,
  parseParameterOverrides,
  type ParameterOverride,
} from '../../../src/cfn/parameters';
import {
  MAX_TEMPLATE_BODY_BYTES,
  parseTemplate,
  readTemplateInput,
  templateParameters,
  type TemplateParameter,
  type TemplateSource,
} from '../../../src/cfn/template';

/** Every input in action.yml (a test keeps the two in step). */
export const INPUTS = [
  'stacks',
  'template',
  'parameter-overrides',
  'capabilities',
  'mode',
  'fail-on',
  'concurrency',
  'revert',
  'allow-destructive',
  'destructive-allow-list',
  'comment-on-pr',
  'github-token',
  'environment',
  'wait-timeout-minutes',
  'aws-region',
  'stack-sets',
] as const;

export const OUTPUTS = [
  'drifted',
  'drifted-stacks',
  'overwrites',
  'report-path',
  'drifted-stack-sets',
] as const;

export const MODES = ['detect', 'change-set', 'both'] as const;
export type Mode = (typeof MODES)[number];
export const FAIL_ON = ['never', 'drift', 'overwrite'] as const;
export type FailOn = (typeof FAIL_ON)[number];
export const COMMENT_MODES = ['auto', 'always', 'never'] as const;

/** Defaults, shared with action.yml (a unit test keeps them equal). */
export const DEFAULTS = {
  capabilities: 'CAPABILITY_IAM',
  mode: 'both' as Mode,
  'fail-on': 'overwrite' as FailOn,
  concurrency: 5,
  revert: false,
  'allow-destructive': false,
  'comment-on-pr': 'auto' as (typeof COMMENT_MODES)[number],
  'github-token': '${{ github.token }}',
  'wait-timeout-minutes': 30,
};

/** At most this many stacks per invocation (a matrix can split larger estates). */
export const MAX_STACKS = 200;

export interface DriftInputs {
  stacks: string[];
  /** undefined: the stack's previous template (UsePreviousTemplate). */
  template?: TemplateSource;
  /** Parameters the given template declares (file templates only; URL templates are read with GetTemplateSummary). */
  templateParameters?: TemplateParameter[];
  parameterOverrides: ParameterOverride[];
  capabilities: Capability[];
  mode: Mode;
  failOn: FailOn;
  concurrency: number;
  revert: boolean;
  allowDestructive: boolean;
  destructiveAllowList: string[];
  commentOnPr: (typeof COMMENT_MODES)[number];
  githubToken?: string;
  environment?: string;
  waitTimeoutMs: number;
  region: string;
  /** Change set name per stack: drift-<stack>-<run id>-<attempt>. */
  changeSetNames: Record<string, string>;
  /** Stack sets to check with DetectStackSetDrift (S1); a step checks stacks or stack sets, not both. */
  stackSets?: string[];
}

/** `stack-sets`: stack set names; given, `stacks` and the change-set inputs are not used (L1). */
function stackSetsInput(get: InputGetter): string[] {
  const stackSets = [...new Set(list(get, 'stack-sets', true))];
  if (stackSets.length === 0) return [];
  for (const name of stackSets) validateStackName(name, 'stack-sets');
  if (stackSets.length > MAX_STACKS)
    throw new InputError(
      `Input 'stack-sets' lists ${stackSets.length} stack sets; at most ${MAX_STACKS} per run.`,
    );
  for (const input of ['stacks', 'template', 'parameter-overrides'])
    if (optional(get, input) !== undefined)
      throw new InputError(
        `Input '${input}' is not used with 'stack-sets' (stack set drift is detected, not planned): check stacks and stack sets in separate steps.`,
      );
  if (bool(get, 'revert', false))
    throw new InputError(
      "Input 'revert: true' is not available with 'stack-sets' (no drift-aware change sets).",
    );
  return stackSets;
}

const CAPABILITIES = Object.values(Capability) as string[];
const CHANGE_SET_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

/** `drift-<stack>-<run id>-<attempt>` (≤ 128 characters): unique per run and attempt, a timestamp outside Actions. */
export function changeSetNameFor(stack: string, env: NodeJS.ProcessEnv, now: number): string {
  return uniqueChangeSetName(stack, env, now, 'drift-');
}

/** Parse and validate every input (L1): any problem is one InputError, before any AWS call. */
export function parseInputs(get: InputGetter, env: NodeJS.ProcessEnv, now: number): DriftInputs {
  const stackSets = stackSetsInput(get);
  const stacks = list(get, 'stacks', true);
  if (stacks.length === 0 && stackSets.length === 0)
    throw new InputError("Input 'stacks' is required: one stack name per line (or 'stack-sets').");
  if (stacks.length > MAX_STACKS) {
    throw new InputError(
      `Input 'stacks' lists ${stacks.length} stacks; at most ${MAX_STACKS} per run (split them with a matrix).`,
    );
  }
  const seen = new Set<string>();
  for (const stack of stacks) {
    validateStackName(stack, 'stacks');
    if (seen.has(stack)) throw new InputError(`Input 'stacks' lists '${stack}' twice.`);
    seen.add(stack);
  }

  const mode = oneOf(get, 'mode', MODES, DEFAULTS.mode);
  const failOn = oneOf(get, 'fail-on', FAIL_ON, DEFAULTS['fail-on']);
  const concurrency = int(get, 'concurrency', DEFAULTS.concurrency, 1, 20) as number;
  const revert = bool(get, 'revert', DEFAULTS.revert);
  const allowDestructive = bool(get, 'allow-destructive', DEFAULTS['allow-destructive']);
  const commentOnPr = oneOf(get, 'comment-on-pr', COMMENT_MODES, DEFAULTS['comment-on-pr']);
  const waitTimeoutMs =
    (int(get, 'wait-timeout-minutes', DEFAULTS['wait-timeout-minutes'], 1, 360) as number) * 60_000;

  if (revert && mode === 'detect') {
    throw new InputError(
      "Input 'revert: true' executes the drift-aware change set, so it needs mode: change-set or both (mode is detect).",
    );
  }
  if (revert && failOn === 'drift') {
    throw new InputError(
      "Inputs 'revert: true' and 'fail-on: drift' contradict each other: every stack a revert would touch has drifted. Use fail-on: overwrite (refuse to overwrite live fixes) or never.",
    );
  }

  const root = workspaceRoot(env);
  const templateValue = optional(get, 'template');
  const template = templateValue ? readTemplateInput(templateValue, root) : undefined;
  let declaredParameters: TemplateParameter[] | undefined;
  if (template?.kind === 'file') {
    const size = Buffer.byteLength(template.body);
    if (size > MAX_TEMPLATE_BODY_BYTES) {
      throw new InputError(
        `The template is ${size} bytes, over CloudFormation's ${MAX_TEMPLATE_BODY_BYTES}-byte limit for inline templates: upload it to S3 and pass its https:// URL as 'template'.`,
      );
    }
    declaredParameters = templateParameters(parseTemplate(template.body));
  }

  const parameterOverrides = parseParameterOverrides(
    optional(get, 'parameter-overrides'),
    'parameter-overrides',
    root,
  );
  if (declaredParameters)
    assertDeclaredOverrides(
      parameterOverrides,
      declaredParameters.map((parameter) => parameter.name),
    );

  const capsRaw =
    optional(get, 'capabilities') === undefined ? [DEFAULTS.capabilities] : list(get, 'capabilities', true);
  const capabilities = capsRaw.map((capability) => {
    if (!CAPABILITIES.includes(capability)) {
      throw new InputError(
        `Input 'capabilities': unknown capability '${printable(capability)}' (one of ${CAPABILITIES.join(', ')}).`,
      );
    }
    return capability as Capability;
  });

  const destructiveAllowList = parseDestructiveAllowList(get);
  const environment = environmentLabel(get);

  const region = validateRegion(optional(get, 'aws-region') ?? regionFromEnv(env));

  const changeSetNames: Record<string, string> = {};
  for (const stack of stacks) {
    const name = changeSetNameFor(stack, env, now);
    if (!CHANGE_SET_NAME.test(name))
      throw new InputError(`Could not build a valid change set name for stack '${stack}'.`);
    changeSetNames[stack] = name;
  }

  return {
    stacks,
    template,
    templateParameters: declaredParameters,
    parameterOverrides,
    capabilities,
    mode,
    failOn,
    concurrency,
    revert,
    allowDestructive,
    destructiveAllowList,
    commentOnPr,
    githubToken: optional(get, 'github-token'),
    environment,
    waitTimeoutMs,
    region,
    changeSetNames,
    ...(stackSets.length > 0 ? { stackSets } : {}),
  };
}
