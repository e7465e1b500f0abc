/**
 * Per-instance results: one row per account × region with the operation's result, the instance's status,
 * detailed status and reason; failure-tolerance decides the step's result; publish writes the outputs, the
 * job summary and the sticky PR comment — only through the outbound channel (C3, W1, L2).
 */
import type { StackInstanceSummary } from '@aws-sdk/client-cloudformation';
import { code, escapeMarkdown } from '../../../src/escape';
import { renderTable, type Cell } from '../../../src/markdown';
import type { PlanResult } from '../../../src/plan';
import { postPlanComment } from '../../../src/plan-report';
import type { Runtime } from '../../../src/runtime';
import type { Amount, StackSetInputs } from './inputs';
import type { OperationRecord } from './operations';

export type StackSetResult = 'created' | 'updated' | 'no-changes' | 'planned' | 'refused' | 'failed';

export interface InstanceRow {
  account: string;
  region: string;
  /** The last operation's result for this instance (SUCCEEDED, FAILED, CANCELLED, …). */
  result?: string;
  status?: string;
  detailedStatus?: string;
  reason?: string;
  operationId?: string;
}

export interface StackSetOutcome {
  result: StackSetResult;
  stackSetId?: string;
  accountId?: string;
  operations: OperationRecord[];
  instances: InstanceRow[];
  plan?: PlanResult;
  notes: string[];
  error?: string;
}

/** Instances as listed at the end, with the latest result of our operations for each. */
export function instanceRows(
  instances: StackInstanceSummary[],
  operations: OperationRecord[],
): InstanceRow[] {
  const rows = new Map<string, InstanceRow>();
  const keyOf = (account?: string, region?: string) => `${account ?? '?'}/${region ?? '?'}`;
  for (const operation of operations)
    for (const result of operation.results)
      rows.set(keyOf(result.Account, result.Region), {
        account: result.Account ?? '?',
        region: result.Region ?? '?',
        result: result.Status,
        reason: result.StatusReason,
        operationId: operation.operationId,
      });
  for (const instance of instances) {
    const key = keyOf(instance.Account, instance.Region);
    const row = rows.get(key) ?? { account: instance.Account ?? '?', region: instance.Region ?? '?' };
    rows.set(key, {
      ...row,
      status: instance.Status,
      detailedStatus: instance.StackInstanceStatus?.DetailedStatus,
      reason: instance.StatusReason || row.reason,
    });
  }
  return [...rows.values()].sort((a, b) =>
    `${a.account}/${a.region}`.localeCompare(`${b.account}/${b.region}`),
  );
}

/** Instances our operations failed: the latest result FAILED, and the instance not CURRENT since. */
export function failedInstances(rows: InstanceRow[]): InstanceRow[] {
  return rows.filter((row) => row.result === 'FAILED' && row.status !== 'CURRENT');
}

/**
 * S1: failure-tolerance decides the result: the failed instances among those our operations touched must
 * not exceed it (a count, or a percentage of the instances the operations touched); an operation that
 * CloudFormation itself ended FAILED or STOPPED fails the step too (it stopped before finishing the rollout).
 */
export function toleranceVerdict(
  rows: InstanceRow[],
  operations: OperationRecord[],
  tolerance: Amount,
): { ok: boolean; failed: InstanceRow[]; message?: string } {
  const failed = failedInstances(rows);
  const touched = rows.filter((row) => row.result !== undefined).length;
  const allowed = 'count' in tolerance ? tolerance.count : Math.floor((tolerance.percentage * touched) / 100);
  const stopped = operations.filter((operation) =>
    ['FAILED', 'STOPPED'].includes(operation.operation.Status ?? ''),
  );
  const named = failed
    .slice(0, 20)
    .map((row) => `${row.account}/${row.region}${row.reason ? ` (${row.reason})` : ''}`)
    .join('; ');
  if (failed.length > allowed || stopped.length > 0) {
    const why = stopped.length
      ? `operation ${stopped.map((operation) => `${operation.operationId} ${operation.operation.Status}${operation.operation.StatusReason ? ` (${operation.operation.StatusReason})` : ''}`).join(', ')}`
      : `more than failure-tolerance (${'count' in tolerance ? tolerance.count : `${tolerance.percentage}% = ${allowed}`})`;
    return {
      ok: false,
      failed,
      message: `${failed.length} of ${touched} stack instance(s) failed, ${why}${named ? `: ${named}${failed.length > 20 ? '; …' : ''}` : ''} (S1).`,
    };
  }
  return {
    ok: true,
    failed,
    message: failed.length
      ? `${failed.length} of ${touched} instance(s) failed, within failure-tolerance: ${named}.`
      : undefined,
  };
}

const VERDICT: Record<StackSetResult, string> = {
  created: '✅ Stack set created and rolled out',
  updated: '✅ Stack set rolled out',
  'no-changes': '✅ No changes: no operation started',
  planned: '📝 Plan only (create-only): nothing was changed',
  refused: '⛔ Refused: destructive changes need review',
  failed: '❌ Failed',
};

function instanceTable(rows: InstanceRow[]): string {
  const cells: Cell[][] = rows.map((row) => [
    row.account,
    row.region,
    row.result ?? '',
    row.status ?? '',
    row.detailedStatus ?? '',
    row.reason ?? '',
    row.operationId ? { code: row.operationId } : '',
  ]);
  return renderTable(
    ['Account', 'Region', 'Result', 'Status', 'Detailed status', 'Reason', 'Operation'],
    cells,
    { maxRows: 500 },
  );
}

export function resultBlock(inputs: StackSetInputs, outcome: StackSetOutcome): string {
  const lines = [
    `### deploy-stackset: ${code(inputs.stackSetName)}${inputs.environment ? ` (${escapeMarkdown(inputs.environment)})` : ''}`,
    '',
  ];
  lines.push(
    outcome.error ? `❌ **Failed:** ${escapeMarkdown(outcome.error)}` : `**${VERDICT[outcome.result]}**`,
    '',
  );
  lines.push(
    renderTable(
      ['Stack set', 'Account', 'Region', 'Mode', 'Result', 'Operations'],
      [
        [
          inputs.stackSetName,
          outcome.accountId ?? '',
          inputs.region,
          inputs.mode,
          outcome.result,
          outcome.operations.map((operation) => operation.operationId).join(', '),
        ],
      ],
    ),
  );
  if (outcome.operations.length) {
    lines.push('', '#### Operations', '');
    lines.push(
      renderTable(
        ['Operation', 'Phase', 'Status', 'Reason'],
        outcome.operations.map((operation) => [
          { code: operation.operationId },
          operation.earlierAttempt
            ? `${operation.phase} (attempt ${operation.earlierAttempt})`
            : operation.phase,
          operation.operation.Status ?? '',
          operation.operation.StatusReason ?? '',
        ]),
      ),
    );
  }
  if (outcome.instances.length) lines.push('', '#### Stack instances', '', instanceTable(outcome.instances));
  for (const note of outcome.notes) lines.push('', `- ${escapeMarkdown(note)}`);
  return lines.join('\n');
}

export function stepOutputs(outcome: StackSetOutcome, comment: string): Record<string, string> {
  return {
    result: outcome.result,
    'stack-set-id': outcome.stackSetId ?? '',
    'operation-ids': outcome.operations.map((operation) => operation.operationId).join(','),
    'has-changes': String(
      outcome.result === 'created' ||
        outcome.result === 'updated' ||
        (outcome.plan?.hasChanges ?? false) ||
        outcome.operations.length > 0,
    ),
    'destructive-changes': String(outcome.plan?.destructive.length ?? 0),
    'failed-instances': String(failedInstances(outcome.instances).length),
    instances: JSON.stringify(outcome.instances),
    'plan-markdown': comment,
  };
}

export interface Published {
  summary: string;
  comment: string;
}

/** Outputs, job summary, sticky PR comment. Never throws for a side channel (L2). */
export async function publish(
  rt: Pick<Runtime, 'out' | 'env' | 'github'>,
  inputs: StackSetInputs,
  outcome: StackSetOutcome,
): Promise<Published> {
  const head = resultBlock(inputs, outcome);
  const plan = outcome.plan;
  const comment = rt.out.comment(`${head}\n\n${plan ? plan.comment : ''}`);
  rt.out.setOutputs(stepOutputs(outcome, comment));
  const summary = await rt.out.summary(`${head}\n\n${plan ? plan.markdown : ''}`);
  await postPlanComment(rt, {
    mode: inputs.commentOnPr,
    token: inputs.githubToken,
    action: 'deploy-stackset',
    stack: inputs.stackSetName,
    environment: inputs.environment,
    body: comment,
  });
  return { summary, comment };
}
