/**
 * drift-check `stack-sets:` (S1): DetectStackSetDrift for each stack set, the operation waited for (queued
 * behind a running one, bounded by wait-timeout-minutes, T1), then every instance listed with its drift
 * status: account × region, drift status, instance status, detailed status, reason — the per-instance report
 * deploy-stackset writes. `fail-on: drift` fails on a drifted instance (or a detection that did not
 * succeed); `overwrite` cannot be told for stack sets (no drift-aware change sets), which the summary says.
 */
import {
  DetectStackSetDriftCommand,
  type StackInstanceSummary,
  type StackSetOperation,
} from '@aws-sdk/client-cloudformation';
import { runIdSuffix } from '../../../src/cfn/names';
import {
  listInstances,
  readStackSet,
  waitForIdle,
  waitForOperation,
  type Deadline,
  type StackSetReadDeps,
  type StackSetRef,
} from '../../../src/cfn/stackset';
import { awsErrorName, errorMessage } from '../../../src/errors';
import { escapeMarkdown } from '../../../src/escape';
import { renderTable } from '../../../src/markdown';
import { postPlanComment } from '../../../src/plan-report';
import type { Runtime } from '../../../src/runtime';
import type { DriftInputs } from './inputs';
import type { Published } from './publish';
import { commentStackKey } from './publish';

export interface StackSetDriftResult {
  stackSet: string;
  operationId?: string;
  operation?: StackSetOperation;
  instances: StackInstanceSummary[];
  drifted: StackInstanceSummary[];
  error?: string;
}

/** Detect drift of one stack set and list its instances. Errors become the result's `error`. */
export async function detectStackSetDrift(
  deps: StackSetReadDeps,
  stackSet: string,
  operationId: string,
  deadline: Deadline,
): Promise<StackSetDriftResult> {
  const ref: StackSetRef = { StackSetName: stackSet, CallAs: 'SELF' };
  const result: StackSetDriftResult = { stackSet, instances: [], drifted: [] };
  try {
    if (!(await readStackSet(deps, ref))) throw new Error(`stack set ${stackSet} does not exist`);
    for (;;) {
      deps.cancel.throwIfCancelled();
      try {
        const answer = await deps.cfn.send(
          new DetectStackSetDriftCommand({ ...ref, OperationId: operationId }),
        );
        result.operationId = answer.OperationId ?? operationId;
        break;
      } catch (error) {
        const name = awsErrorName(error);
        if (name === 'OperationIdAlreadyExistsException') {
          result.operationId = operationId;
          break;
        }
        if (name !== 'OperationInProgressException') throw error;
        await waitForIdle(deps, ref, deadline);
      }
    }
    deps.log.info(`Drift detection ${result.operationId} started on stack set ${stackSet}.`);
    result.operation = await waitForOperation(deps, ref, result.operationId, deadline);
    result.instances = await listInstances(deps, ref);
    result.drifted = result.instances.filter((instance) => instance.DriftStatus === 'DRIFTED');
    if (result.operation.Status !== 'SUCCEEDED')
      result.error = `drift detection ${result.operationId} ended ${result.operation.Status ?? 'unknown'}${result.operation.StatusReason ? ` (${result.operation.StatusReason})` : ''}`;
  } catch (error) {
    result.error = errorMessage(error);
  }
  return result;
}

function instanceTable(instances: StackInstanceSummary[]): string {
  return renderTable(
    ['Account', 'Region', 'Drift status', 'Status', 'Detailed status', 'Last drift check', 'Reason'],
    instances.map((instance) => [
      instance.Account ?? instance.OrganizationalUnitId ?? '',
      instance.Region ?? '',
      instance.DriftStatus === 'DRIFTED' ? '⚠️ DRIFTED' : (instance.DriftStatus ?? ''),
      instance.Status ?? '',
      instance.StackInstanceStatus?.DetailedStatus ?? '',
      instance.LastDriftCheckTimestamp ? new Date(instance.LastDriftCheckTimestamp).toISOString() : '',
      instance.StatusReason ?? '',
    ]),
    { maxRows: 500 },
  );
}

/** Why the step fails (errors always; drifted instances with fail-on: drift), or undefined. */
export function stackSetFailure(
  results: StackSetDriftResult[],
  failOn: DriftInputs['failOn'],
): string | undefined {
  const parts: string[] = [];
  const errors = results.filter((result) => result.error);
  if (errors.length)
    parts.push(
      `${errors.length} stack set(s) could not be checked: ${errors.map((result) => `${result.stackSet}: ${result.error}`).join('; ')}`,
    );
  const drifted = results.filter((result) => result.drifted.length > 0);
  if (failOn === 'drift' && drifted.length)
    parts.push(
      `drift found (fail-on: drift) in ${drifted.length} stack set(s): ${drifted
        .map(
          (result) =>
            `${result.stackSet} (${result.drifted
              .slice(0, 20)
              .map((instance) => `${instance.Account}/${instance.Region}`)
              .join(', ')}${result.drifted.length > 20 ? ', …' : ''})`,
        )
        .join('; ')}`,
    );
  return parts.length ? `drift-check: ${parts.join('. ')}.` : undefined;
}

/** The report: one section per stack set, the drifted instances first. */
export function renderStackSetDrift(
  results: StackSetDriftResult[],
  inputs: Pick<DriftInputs, 'environment' | 'failOn'>,
): string {
  const lines = [
    `### drift-check: stack sets${inputs.environment ? ` (${escapeMarkdown(inputs.environment)})` : ''}`,
    '',
  ];
  for (const result of results) {
    const verdict = result.error
      ? `❌ ${escapeMarkdown(result.error)}`
      : result.drifted.length
        ? `⚠️ ${result.drifted.length} of ${result.instances.length} instance(s) drifted`
        : `✅ ${result.instances.length} instance(s) in sync`;
    lines.push(`#### Stack set \`${result.stackSet.replace(/`/g, '')}\`: ${verdict}`, '');
    if (result.operationId) lines.push(`Drift detection operation \`${result.operationId}\`.`, '');
    const ordered = [
      ...result.drifted,
      ...result.instances.filter((instance) => instance.DriftStatus !== 'DRIFTED'),
    ];
    if (ordered.length) lines.push(instanceTable(ordered), '');
  }
  if (inputs.failOn === 'overwrite')
    lines.push(
      '_fail-on: overwrite cannot be decided for stack sets (they have no drift-aware change sets): drifted instances are reported, and fail the step only with fail-on: drift._',
    );
  return lines.join('\n');
}

/** Check every stack set (one after another: each detection is an operation on its stack set), then publish. */
export async function checkStackSets(
  rt: Runtime,
  inputs: DriftInputs,
  deps: StackSetReadDeps,
): Promise<Published> {
  const deadline: Deadline = { start: rt.clock.now(), ms: inputs.waitTimeoutMs };
  const operationId = `gd-drift-${runIdSuffix(rt.env, rt.clock.now())}`;
  const results: StackSetDriftResult[] = [];
  for (const stackSet of inputs.stackSets ?? [])
    results.push(await detectStackSetDrift(deps, stackSet, operationId, deadline));
  rt.cancel.throwIfCancelled();
  const drifted = results.filter((result) => result.drifted.length > 0).map((result) => result.stackSet);
  rt.out.setOutputs({
    drifted: String(drifted.length > 0),
    'drifted-stacks': '[]',
    'drifted-stack-sets': JSON.stringify(drifted),
    overwrites: '0',
    'report-path': '',
  });
  const failure = stackSetFailure(results, inputs.failOn);
  const body = renderStackSetDrift(results, inputs);
  const summary = await rt.out.summary(
    failure ? `${body}\n\n> [!CAUTION]\n> ${escapeMarkdown(failure)}\n` : body,
  );
  await postPlanComment(rt, {
    mode: inputs.commentOnPr,
    token: inputs.githubToken,
    action: 'drift-check',
    stack: commentStackKey(inputs.stackSets ?? []),
    environment: inputs.environment,
    body,
  });
  return {
    outputs: { ...rt.out.outputs },
    summary,
    comment: rt.out.comment(body),
    failure: failure === undefined ? undefined : rt.out.redact(failure),
  };
}
