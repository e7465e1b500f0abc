import * as core from '@actions/core';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeChangeSetAll, type DescribeChangeSetOutputAll } from '../../../src/cfn/changeset';
import { errorMessage } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import { code, table } from '../../../src/markdown';
import { redact } from '../../../src/mask';
import { renderPlan, runUrlFromEnv, type PlanChangeSet, type PlanResult } from '../../../src/plan';
import { destructiveRefusal, postPlanComment } from '../../../src/plan-report';
import type { Octokit } from '../../../src/pr-comment';
import { writeSummary } from '../../../src/summary';
import { OUTPUTS, type DeployInputs } from './inputs';
import type { ChangeSetGate, DeployResult } from './deploy';

/** Names GitHub accepts as output ids; stack outputs under other names only appear in the `outputs` JSON. */
const OUTPUT_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Our own output names: a stack output with one of these names is only in the `outputs` JSON. */
const RESERVED = new Set<string>(OUTPUTS);

/** Holds the rendered plan between the gate (before execution) and publishing (after). */
export interface PlanHolder {
  plan?: PlanResult;
}

/** Read nested stacks' change sets (include-nested-stacks-change-set), depth-first, with their parent path. */
export async function collectChangeSets(
  cfn: CloudFormationClient,
  root: DescribeChangeSetOutputAll,
  stackName: string,
  nested: boolean,
  parentPath: string[] = [],
  depth = 0,
): Promise<PlanChangeSet[]> {
  const out: PlanChangeSet[] = [
    {
      stackName,
      changeSetName: root.ChangeSetName,
      changes: root.Changes,
      parentPath,
      status: root.Status,
      statusReason: root.StatusReason,
    },
  ];
  if (!nested || depth > 5) return out;
  for (const c of root.Changes) {
    const rc = c.ResourceChange;
    if (rc?.ResourceType === 'AWS::CloudFormation::Stack' && rc.ChangeSetId && rc.LogicalResourceId) {
      const child = await describeChangeSetAll(cfn, rc.ChangeSetId);
      out.push(
        ...(await collectChangeSets(
          cfn,
          child,
          rc.LogicalResourceId,
          true,
          [...parentPath, stackName],
          depth + 1,
        )),
      );
    }
  }
  return out;
}

/**
 * The gate deploy-stack runs once a change set is ready: render the plan (shared renderer) and, in
 * create-and-execute mode, refuse destructive changes that are not allowed (H2).
 */
export function planGate(
  inp: DeployInputs,
  cfn: CloudFormationClient,
  holder: PlanHolder,
  env: NodeJS.ProcessEnv = process.env,
): ChangeSetGate {
  return async (cs, r) => {
    const changeSets = await collectChangeSets(cfn, cs, inp.stackName, inp.includeNestedStacks);
    const plan = renderPlan({
      changeSets,
      header: {
        stack: inp.stackName,
        environment: inp.environment,
        account: r.accountId,
        region: inp.region,
        changeSetName: cs.ChangeSetName ?? r.changeSetName,
        commit: env.GITHUB_SHA,
        runUrl: runUrlFromEnv(env),
      },
      secrets: r.secrets,
      noEchoParameters: r.noEchoParameters,
      allowList: inp.destructiveAllowList,
    });
    holder.plan = plan;
    if (inp.mode !== 'create-and-execute') return undefined;
    return destructiveRefusal(
      plan,
      inp.allowDestructive,
      `change set ${cs.ChangeSetName} for stack ${inp.stackName}`,
      'execute the reviewed change set with mode: execute-only',
    );
  };
}

export function stepOutputs(
  r: DeployResult,
  plan: PlanResult | undefined,
  comment: string,
): Record<string, string> {
  const safe = (v: string) => redact(v, r.secrets);
  const outputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.outputs))
    if (OUTPUT_ID.test(k) && !RESERVED.has(k)) outputs[k] = safe(v);
  const redactedOutputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, safe(v)]));
  Object.assign(outputs, {
    'stack-id': r.stackId ?? '',
    'stack-status': r.stackStatus ?? '',
    'change-set-id': r.changeSetId ?? '',
    'change-set-name': r.changeSetName ?? '',
    'has-changes': String(r.hasChanges),
    'changes-count': String(r.changesCount),
    outputs: JSON.stringify(redactedOutputs),
    'destructive-changes': String(plan?.destructive.length ?? 0),
    'plan-markdown': comment,
  });
  return outputs;
}

const VERDICT: Record<DeployResult['result'], string> = {
  created: '✅ Stack created',
  updated: '✅ Stack updated',
  'no-changes': '✅ No changes',
  planned: '📝 Change set created for review (not executed)',
  refused: '⛔ Change set refused: destructive changes need review',
};

/** The result block shown above the plan in the summary and the PR comment. */
export function resultBlock(inp: DeployInputs, r: DeployResult, error?: unknown): string {
  const lines: string[] = [];
  lines.push(`### deploy-stack: ${code(inp.stackName)}${inp.environment ? ` (${inp.environment})` : ''}`);
  lines.push('');
  lines.push(
    error ? `❌ **Failed:** ${errorMessage(error).replace(/[<>]/g, '')}` : `**${VERDICT[r.result]}**`,
  );
  lines.push('');
  lines.push(
    table(
      ['Stack', 'Account', 'Region', 'Mode', 'Result', 'Stack status', 'Change set'],
      [
        [
          inp.stackName,
          r.accountId ?? '',
          inp.region,
          inp.mode,
          error ? (r.result === 'refused' ? 'refused' : 'failed') : r.result,
          r.stackStatus ?? '',
          r.changeSetName ?? '',
        ],
      ],
    ),
  );
  if (r.hasChanges && r.changesCount === 0) {
    lines.push(
      '',
      'The change set changes no resources, only stack-level settings (parameters, tags, outputs or notification ARNs).',
    );
  }
  if (r.result === 'planned' && r.changeSetId) {
    lines.push(
      '',
      `To execute exactly this reviewed plan: \`mode: execute-only\` with \`execute-change-set-id: ${r.changeSetId}\`.`,
    );
  }
  if (r.preflight && r.preflight.missing.length) {
    lines.push(
      '',
      `⚠️ Rollback preflight (R1): ${r.preflight.missing.length} S3 artifact(s) the deployed version needs are missing; a failed update could not roll back.`,
    );
  }
  for (const n of r.notes) lines.push('', `- ${n}`);
  return lines.join('\n');
}

export interface PublishOptions {
  log: Logger;
  error?: unknown;
  plan?: PlanResult;
  env?: NodeJS.ProcessEnv;
  octokit?: Octokit;
  /** Where step outputs go (the runner's GITHUB_OUTPUT by default; tests record them). */
  setOutput?: (name: string, value: string) => void;
}

/** Set outputs, write the job summary and post the sticky PR comment, also after a failure (so reviewers see why). */
export async function publish(
  inp: DeployInputs,
  r: DeployResult,
  o: PublishOptions,
): Promise<{ summary: string; comment: string }> {
  const head = resultBlock(inp, r, o.error);
  const noChanges = '\n\n**No changes.**\n';
  const summary = redact(`${head}\n\n${o.plan ? o.plan.markdown : r.hasChanges ? '' : noChanges}`, r.secrets);
  const comment = redact(`${head}\n\n${o.plan ? o.plan.comment : r.hasChanges ? '' : noChanges}`, r.secrets);
  const setOutput = o.setOutput ?? ((k: string, v: string) => core.setOutput(k, v));
  for (const [k, v] of Object.entries(stepOutputs(r, o.plan, comment))) setOutput(k, v);
  await writeSummary(summary, o.log);
  await postPlanComment({
    mode: inp.commentOnPr,
    token: inp.githubToken,
    action: 'deploy-stack',
    stack: inp.stackName,
    environment: inp.environment,
    body: comment,
    log: o.log,
    env: o.env,
    octokit: o.octokit,
  });
  return { summary, comment };
}
