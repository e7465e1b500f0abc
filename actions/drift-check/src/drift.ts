/**
 * One stack, end to end: DescribeStacks (skip *_IN_PROGRESS, a missing stack is this stack's error), NoEcho
 * secrets registered with the outbound channel (C3), drift detection, then the drift-aware change set
 * (`change-set.ts`). Never throws: an error is recorded on this stack's result so other stacks' results
 * survive.
 */
import {
  GetTemplateSummaryCommand,
  type Change,
  type CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { Cancellation } from '../../../src/cancel';
import type { Clock } from '../../../src/clock';
import { errorMessage, GuardError } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import type { Outbound } from '../../../src/outbound';
import { maskNoEchoOverrides } from '../../../src/cfn/noecho';
import { assertDeclaredOverrides } from '../../../src/cfn/parameters';
import { describeStack } from '../../../src/cfn/stack';
import { templateSummaryParameters, type TemplateParameter } from '../../../src/cfn/template';
import { MIN_FORM_LENGTH, REDACTED } from '../../../src/secrets';
import { driftAwareChangeSet } from './change-set';
import { isFedPath, learnNoEchoFeeds, NO_FEEDS, type NoEchoFeeds } from './noecho-feeds';
import type { Classification } from './classify';
import { detectDrift, detectionDrifted, send, type DetectionResult } from './detect';
import type { DriftInputs } from './inputs';

/** What checking one stack needs; the run builds it from the runtime. */
export interface DriftDeps {
  cfn: CloudFormationClient;
  /** This stack's (buffered) log. */
  log: Logger;
  clock: Clock;
  /** The outbound channel's secret registry: a registered value is redacted from everything written (C3). */
  secrets: Pick<Outbound, 'addSecret' | 'redact'>;
  /** Pending change sets register their cleanup here; mutating calls stop once the job is cancelled. */
  cancel: Cancellation;
  /** `Description` of every drift-aware change set (names the commit). */
  changeSetDescription: string;
}

export type StackVerdict =
  'overwrite' | 'error' | 'detection-failed' | 'drifted' | 'reverted' | 'in-sync' | 'skipped';

/** Worst first (summary order). */
export const STACK_VERDICT_ORDER: StackVerdict[] = [
  'overwrite',
  'error',
  'detection-failed',
  'drifted',
  'reverted',
  'skipped',
  'in-sync',
];

/** The drift-aware change set of one stack, as far as it got. */
export interface ChangeSetResult {
  name: string;
  id?: string;
  /** ready: has changes; empty: nothing to revert (either shape); failed: CloudFormation could not create it. */
  status: 'ready' | 'empty' | 'failed';
  reason?: string;
  stackDriftStatus?: string;
  deploymentMode?: string;
  changes: Change[];
  executed: boolean;
  /** True only when DeleteChangeSet succeeded or the change set was verified gone. */
  deleted: boolean;
}

/** Everything found for one stack (the summary, the comment and the JSON report file render this). */
export interface StackResult {
  stack: string;
  verdict: StackVerdict;
  stackStatus?: string;
  drifted: boolean;
  detection?: DetectionResult;
  changeSet?: ChangeSetResult;
  classification?: Classification;
  noEchoParameters: string[];
  /** Values masked for this stack (NoEcho overrides and NoEcho-fed values in the change set). */
  secrets: string[];
  /** Which property values NoEcho parameters feed (from the deployed and the given template). */
  noEchoFeeds: NoEchoFeeds;
  notes: string[];
  /** Why the revert was not executed (fail-on: overwrite, or the destructive-change gate). */
  refusal?: string;
  error?: string;
}

export function newStackResult(stack: string): StackResult {
  return {
    stack,
    verdict: 'in-sync',
    drifted: false,
    noEchoParameters: [],
    secrets: [],
    noEchoFeeds: NO_FEEDS,
    notes: [],
  };
}

export function describeStackOf(deps: DriftDeps, stackName: string): Promise<Stack | undefined> {
  return describeStack(deps.cfn, stackName, (call) => send(deps.clock, call));
}

/** Register a secret for this stack: the outbound channel redacts every form of it from then on (C3). */
export function addStackSecret(deps: DriftDeps, result: StackResult, value: string): void {
  deps.secrets.addSecret(value);
  result.secrets.push(value);
}

/** The parameters of the template the change set uses: the given file's, else from GetTemplateSummary. */
async function declaredParameters(
  deps: DriftDeps,
  inputs: DriftInputs,
  stackName: string,
): Promise<TemplateParameter[]> {
  if (inputs.templateParameters) return inputs.templateParameters;
  const template = inputs.template;
  if (template?.kind === 'url')
    return send(deps.clock, () => templateSummaryParameters(deps.cfn, template.url));
  // The stack's previous template (UsePreviousTemplate).
  const summary = await send(deps.clock, () =>
    deps.cfn.send(new GetTemplateSummaryCommand({ StackName: stackName })),
  );
  return (summary.Parameters ?? []).map((parameter) => ({
    name: parameter.ParameterKey ?? '',
    noEcho: parameter.NoEcho === true,
    hasDefault: parameter.DefaultValue !== undefined,
  }));
}

/**
 * Parameter names of the template the change set uses. Registers NoEcho override values as secrets (C3)
 * before anything could print them, and refuses overrides the template does not declare (L1) before any
 * call that starts anything.
 */
async function templateParameterNames(
  deps: DriftDeps,
  inputs: DriftInputs,
  result: StackResult,
): Promise<string[]> {
  const declared = await declaredParameters(deps, inputs, result.stack);
  const masking = maskNoEchoOverrides(deps.secrets, declared, inputs.parameterOverrides);
  result.noEchoParameters = masking.noEchoParameters;
  result.secrets.push(...masking.secrets);
  const names = declared.map((parameter) => parameter.name);
  assertDeclaredOverrides(inputs.parameterOverrides, names);
  return names;
}

/**
 * templateParameterNames, except in `detect` mode when the template's parameters cannot be read: then every
 * override value is registered as a secret (fail closed) and detection goes on without the change set's checks.
 */
async function learnParameters(
  deps: DriftDeps,
  inputs: DriftInputs,
  result: StackResult,
): Promise<string[] | undefined> {
  if (inputs.mode !== 'detect') return templateParameterNames(deps, inputs, result);
  // Detection needs the parameters only to know which override values are secrets.
  if (!inputs.parameterOverrides.some((override) => override.value !== undefined)) return undefined;
  try {
    return await templateParameterNames(deps, inputs, result);
  } catch (e) {
    for (const override of inputs.parameterOverrides) {
      if (override.value === undefined) continue;
      deps.secrets.addSecret(override.value);
      result.secrets.push(override.value);
    }
    deps.log.info(
      `Stack ${result.stack}: could not read the template's parameters (${deps.secrets.redact(errorMessage(e))}); every parameter-overrides value is treated as secret.`,
    );
    return undefined;
  }
}

/** Check one stack. Never throws. */
export async function checkStack(
  deps: DriftDeps,
  inputs: DriftInputs,
  stackName: string,
): Promise<StackResult> {
  const result = newStackResult(stackName);
  try {
    await checkStackSteps(deps, inputs, result);
  } catch (e) {
    result.error = deps.secrets.redact(errorMessage(e));
    // Detail only: the step's one error line (the entry's) names every stack that could not be checked.
    deps.log.info(`Stack ${stackName} could not be checked: ${result.error}`);
  }
  result.verdict = stackVerdict(result);
  deps.log.info(`Stack ${stackName}: ${result.verdict}.`);
  return result;
}

/**
 * C3: expected and actual values that a NoEcho parameter feeds become REDACTED in the detection result (so no
 * table, log line, report or comment can show them) and are registered as secrets (so no other echo can).
 */
function redactFedDifferences(deps: DriftDeps, result: StackResult, detection: DetectionResult): void {
  const feeds = result.noEchoFeeds;
  for (const resource of detection.resources) {
    for (const diff of resource.differences) {
      if (!isFedPath(feeds, resource.logicalId, diff.path)) continue;
      for (const value of [diff.expected, diff.actual]) {
        // Precise paths only: when every value is hidden, ordinary values are not secrets to redact elsewhere.
        if (
          feeds.kind === 'paths' &&
          value &&
          value !== REDACTED &&
          value !== '****' &&
          value.length >= MIN_FORM_LENGTH
        )
          addStackSecret(deps, result, value);
      }
      if (diff.expected !== undefined) diff.expected = REDACTED;
      if (diff.actual !== undefined) diff.actual = REDACTED;
    }
  }
}

export function stackVerdict(result: StackResult): StackVerdict {
  if (result.changeSet?.executed) return result.error ? 'error' : 'reverted';
  if ((result.classification?.counts.overwrite ?? 0) > 0) return 'overwrite';
  if (result.error) return 'error';
  if (result.verdict === 'skipped') return 'skipped';
  if (result.detection?.status === 'DETECTION_FAILED') return 'detection-failed';
  return result.drifted ? 'drifted' : 'in-sync';
}

async function checkStackSteps(deps: DriftDeps, inputs: DriftInputs, result: StackResult): Promise<void> {
  const { log } = deps;
  const stackName = result.stack;
  deps.cancel.throwIfCancelled();
  const stack = await describeStackOf(deps, stackName);
  if (!stack)
    throw new GuardError(
      `Stack ${stackName} does not exist in ${inputs.region}; check the name and the region.`,
    );
  result.stackStatus = stack.StackStatus;
  if (stack.StackStatus?.endsWith('_IN_PROGRESS')) {
    result.verdict = 'skipped';
    result.notes.push(
      `Skipped: the stack is ${stack.StackStatus} (another operation is running); drift cannot be checked now.`,
    );
    log.warning(
      `Stack ${stackName} is ${stack.StackStatus}: skipped (drift cannot be checked while an operation runs).`,
    );
    return;
  }
  log.info(`Stack ${stackName}: ${stack.StackStatus}.`);

  // C3: which property values NoEcho parameters feed (every mode: detection shows them too).
  result.noEchoFeeds = await learnNoEchoFeeds(
    deps,
    stackName,
    inputs.template?.kind === 'file' ? inputs.template.body : undefined,
  );
  if (result.noEchoFeeds.kind === 'unknown') {
    result.notes.push(`Every property value is shown as ${REDACTED}: ${result.noEchoFeeds.why}.`);
    log.info(`Stack ${stackName}: every property value is shown as ${REDACTED}: ${result.noEchoFeeds.why}.`);
  }

  // C3: learn NoEcho names and register override values before anything that could print them — in every
  // mode: detection shows live values too, and a live value may be an override's secret.
  const parameterNames = await learnParameters(deps, inputs, result);

  if (inputs.mode !== 'change-set') await detectStackDrift(deps, inputs, result);

  if (inputs.mode !== 'detect') await driftAwareChangeSet(deps, inputs, stack, parameterNames ?? [], result);
}

async function detectStackDrift(deps: DriftDeps, inputs: DriftInputs, result: StackResult): Promise<void> {
  const { log } = deps;
  const stackName = result.stack;
  deps.cancel.throwIfCancelled();
  log.info(`Detecting drift of stack ${stackName}.`);
  const detection = await detectDrift(deps, stackName, inputs.waitTimeoutMs);
  redactFedDifferences(deps, result, detection);
  result.detection = detection;
  if (detection.status === 'DETECTION_FAILED') {
    const reason = detection.reason ?? 'no reason given';
    result.notes.push(`Drift detection failed: ${reason}`);
    log.warning(`Drift detection of stack ${stackName} failed: ${reason}`);
  }
  if (detectionDrifted(detection)) result.drifted = true;
  const notChecked = detection.resources.filter(
    (resource) => resource.status === 'NOT_CHECKED' || resource.status === 'UNSUPPORTED',
  );
  const drifted = detection.resources.filter(
    (resource) => resource.status === 'MODIFIED' || resource.status === 'DELETED',
  );
  log.info(
    `Stack ${stackName}: detection ${detection.status}, stack ${detection.stackDriftStatus ?? 'UNKNOWN'}, ${drifted.length} drifted, ${notChecked.length} not checked, ${detection.resources.length} resource(s).`,
  );
  for (const resource of drifted)
    log.info(
      `  ${resource.logicalId} (${resource.type}): ${resource.status}${resource.differences.length ? ` — ${resource.differences.map((diff) => diff.path).join(', ')}` : ''}`,
    );
  for (const resource of notChecked)
    log.info(
      `  ${resource.logicalId} (${resource.type}): ${resource.status} — drift detection does not support this resource`,
    );
}
