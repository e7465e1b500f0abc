/**
 * publish(outcome): step outputs, the job summary and the sticky PR comment — only through the runtime's
 * outbound channel (redacted in every form, capped) and postPlanComment. Runs after a failure too, so
 * reviewers see why.
 */
import { code, escapeMarkdown } from '../../../src/escape';
import { renderTable } from '../../../src/markdown';
import { postPlanComment } from '../../../src/plan-report';
import type { Runtime } from '../../../src/runtime';
import { OUTPUTS, type DeployInputs } from './inputs';
import type { DeployOutcome } from './outcome';

/** Names GitHub accepts as output ids; stack outputs under other names only appear in the `outputs` JSON. */
const OUTPUT_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Our own output names: a stack output with one of these names is only in the `outputs` JSON. */
const RESERVED = new Set<string>(OUTPUTS);

/** `changes-summary` stays well inside GitHub's output limits: past this, the change list is cut (`truncated`). */
export const CHANGES_SUMMARY_MAX_CHARS = 256 * 1024;

/**
 * `changes-summary` (aws-cloudformation-github-deploy v2's output, same shape): `{ changes, totalChanges,
 * truncated }` with each change in CloudFormation's own `Change` shape (Type, ResourceChange: Action,
 * LogicalResourceId, PhysicalResourceId, ResourceType, Replacement, Scope; property Details left out), plus
 * ours: hasChanges, destructiveChanges, changeSetId, planDigest.
 */
export function changesSummary(outcome: DeployOutcome): string {
  const changes = outcome.changes.map((change) => ({
    Type: change.Type,
    ResourceChange: change.ResourceChange && {
      Action: change.ResourceChange.Action,
      LogicalResourceId: change.ResourceChange.LogicalResourceId,
      PhysicalResourceId: change.ResourceChange.PhysicalResourceId,
      ResourceType: change.ResourceChange.ResourceType,
      Replacement: change.ResourceChange.Replacement,
      Scope: change.ResourceChange.Scope,
    },
  }));
  const summary = (kept: typeof changes) =>
    JSON.stringify({
      changes: kept,
      totalChanges: changes.length,
      truncated: kept.length < changes.length,
      hasChanges: outcome.hasChanges,
      destructiveChanges: outcome.plan?.destructive.length ?? 0,
      changeSetId: outcome.changeSetId ?? '',
      planDigest: outcome.planDigest ?? '',
    });
  let kept = changes;
  let text = summary(kept);
  while (text.length > CHANGES_SUMMARY_MAX_CHARS && kept.length > 0) {
    kept = kept.slice(0, Math.floor(kept.length / 2));
    text = summary(kept);
  }
  return text;
}

/** The step outputs (the outbound channel redacts each value as it is written). */
export function stepOutputs(outcome: DeployOutcome, comment: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [key, value] of Object.entries(outcome.outputs))
    if (OUTPUT_ID.test(key) && !RESERVED.has(key)) outputs[key] = value;
  return Object.assign(outputs, {
    'stack-id': outcome.stackId ?? '',
    'stack-status': outcome.stackStatus ?? '',
    'change-set-id': outcome.changeSetId ?? '',
    'change-set-name': outcome.changeSetName ?? '',
    'has-changes': String(outcome.hasChanges),
    'changes-count': String(outcome.changesCount),
    outputs: JSON.stringify(outcome.outputs),
    'destructive-changes': String(outcome.plan?.destructive.length ?? 0),
    'plan-markdown': comment,
    'plan-digest': outcome.planDigest ?? '',
    'changes-summary': changesSummary(outcome),
    // aws-cloudformation-github-deploy's name for the plan markdown (their PR-review example posts it).
    'changes-markdown': comment,
  });
}

const VERDICT: Record<DeployOutcome['result'], string> = {
  created: '✅ Stack created',
  updated: '✅ Stack updated',
  'no-changes': '✅ No changes',
  planned: '📝 Change set created for review (not executed)',
  refused: '⛔ Change set refused: destructive changes need review',
  failed: '❌ Failed',
};

/** The result block shown above the plan in the summary and the PR comment. */
export function resultBlock(inputs: DeployInputs, outcome: DeployOutcome): string {
  const lines: string[] = [];
  lines.push(
    `### deploy-stack: ${code(inputs.stackName)}${inputs.environment ? ` (${inputs.environment})` : ''}`,
  );
  lines.push('');
  lines.push(
    outcome.error ? `❌ **Failed:** ${escapeMarkdown(outcome.error)}` : `**${VERDICT[outcome.result]}**`,
  );
  lines.push('');
  lines.push(
    renderTable(
      ['Stack', 'Account', 'Region', 'Mode', 'Result', 'Stack status', 'Change set'],
      [
        [
          inputs.stackName,
          outcome.accountId ?? '',
          inputs.region,
          inputs.mode,
          outcome.result,
          outcome.stackStatus ?? '',
          outcome.changeSetName ?? '',
        ],
      ],
    ),
  );
  if (outcome.hasChanges && outcome.changesCount === 0) {
    lines.push(
      '',
      'The change set changes no resources, only stack-level settings (parameters, tags, outputs or notification ARNs).',
    );
  }
  if (outcome.planDigest) {
    lines.push(
      '',
      `Plan digest (P1): \`${outcome.planDigest}\` — change set id \`${outcome.changeSetId ?? ''}\`.`,
    );
  }
  if (outcome.result === 'planned' && outcome.changeSetId) {
    lines.push(
      '',
      `To execute exactly this reviewed plan: \`mode: execute-only\` with \`execute-change-set-id: ${outcome.changeSetId}\` and \`expected-plan-digest: ${outcome.planDigest ?? ''}\`.`,
    );
  }
  if (outcome.preflight && outcome.preflight.missing.length) {
    lines.push(
      '',
      `⚠️ Rollback preflight (R1): ${outcome.preflight.missing.length} S3 artifact(s) the deployed version needs are missing; a failed update could not roll back.`,
    );
  }
  if (outcome.cleanup && !outcome.cleanup.ok) lines.push('', `⚠️ Cleanup: ${outcome.cleanup.detail}.`);
  for (const note of outcome.notes) lines.push('', `- ${note}`);
  return lines.join('\n');
}

export interface Published {
  /** The job summary as written (redacted, capped). */
  summary: string;
  /** The PR comment body (redacted, capped); also the plan-markdown output. */
  comment: string;
}

/** Set outputs, write the job summary and post the sticky PR comment. Never throws for a side channel (L2). */
export async function publish(
  rt: Pick<Runtime, 'out' | 'env' | 'github'>,
  inputs: DeployInputs,
  outcome: DeployOutcome,
): Promise<Published> {
  const head = resultBlock(inputs, outcome);
  // Only a run that found nothing to deploy says so: a run that failed before its plan knows no such thing.
  const noChanges = outcome.result === 'no-changes' ? '\n\n**No changes.**\n' : '';
  const plan = outcome.plan;
  const summaryBody = `${head}\n\n${plan ? plan.markdown : noChanges}`;
  const comment = rt.out.comment(`${head}\n\n${plan ? plan.comment : noChanges}`);
  rt.out.setOutputs(stepOutputs(outcome, comment));
  const summary = await rt.out.summary(summaryBody);
  await postPlanComment(rt, {
    mode: inputs.commentOnPr,
    token: inputs.githubToken,
    action: 'deploy-stack',
    stack: inputs.stackName,
    environment: inputs.environment,
    // One comment per target: stack + account + region + environment (src/pr-comment.ts markerFor).
    account: outcome.accountId ?? inputs.expectedAccountId,
    region: inputs.region,
    empty: outcome.result === 'no-changes',
    body: comment,
  });
  return { summary, comment };
}
