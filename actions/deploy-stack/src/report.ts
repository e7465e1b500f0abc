import * as core from '@actions/core';
import { errorMessage } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import { table, code } from '../../../src/markdown';
import { redact } from '../../../src/mask';
import { writeSummary } from '../../../src/summary';
import type { DeployInputs } from './inputs';
import type { DeployResult } from './deploy';

/** Names GitHub accepts as output ids; stack outputs under other names only appear in the `outputs` JSON. */
const OUTPUT_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const RESERVED = new Set(['stack-id', 'stack-status', 'change-set-id', 'change-set-name', 'has-changes', 'changes-count', 'outputs', 'destructive-changes', 'plan-markdown']);

export function stepOutputs(r: DeployResult): Record<string, string> {
  const safe = (v: string) => redact(v, r.secrets);
  const outputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.outputs)) if (OUTPUT_ID.test(k) && !RESERVED.has(k)) outputs[k] = safe(v);
  const redactedOutputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, safe(v)]));
  Object.assign(outputs, {
    'stack-id': r.stackId ?? '',
    'stack-status': r.stackStatus ?? '',
    'change-set-id': r.changeSetId ?? '',
    'change-set-name': r.changeSetName ?? '',
    'has-changes': String(r.hasChanges),
    'changes-count': String(r.changesCount),
    outputs: JSON.stringify(redactedOutputs),
  });
  return outputs;
}

const VERDICT: Record<DeployResult['result'], string> = {
  created: '✅ Stack created',
  updated: '✅ Stack updated',
  'no-changes': '✅ No changes',
  planned: '📝 Change set created for review (not executed)',
  refused: '⛔ Change set refused',
};

export function summaryMarkdown(inp: DeployInputs, r: DeployResult, error?: unknown): string {
  const lines: string[] = [];
  lines.push(`### deploy-stack: ${code(inp.stackName)}${inp.environment ? ` (${inp.environment})` : ''}`);
  lines.push('');
  lines.push(error ? `❌ **Failed:** ${errorMessage(error)}` : `**${VERDICT[r.result]}**`);
  lines.push('');
  lines.push(
    table(
      ['Stack', 'Account', 'Region', 'Mode', 'Result', 'Status', 'Change set'],
      [[inp.stackName, r.accountId ?? '', inp.region, inp.mode, error ? 'failed' : r.result, r.stackStatus ?? '', r.changeSetName ?? '']],
    ),
  );
  if (r.changes.length > 0) {
    lines.push('', `#### Changes (${r.changes.length})`, '');
    lines.push(
      table(
        ['Action', 'Logical ID', 'Type', 'Replacement'],
        r.changes.map((c) => [
          c.ResourceChange?.Action ?? c.Type,
          c.ResourceChange?.LogicalResourceId ?? '',
          c.ResourceChange?.ResourceType ?? '',
          c.ResourceChange?.Replacement ?? '',
        ]),
      ),
    );
  }
  if (r.preflight && r.preflight.missing.length) {
    lines.push('', `⚠️ Rollback preflight: ${r.preflight.missing.length} S3 artifact(s) the deployed version needs are missing.`);
  }
  for (const n of r.notes) lines.push('', `- ${n}`);
  return redact(lines.join('\n'), r.secrets) + '\n';
}

/** Set outputs and write the job summary, also after a failure (so reviewers see why). */
export async function publish(inp: DeployInputs, r: DeployResult, log: Logger, error?: unknown): Promise<void> {
  for (const [k, v] of Object.entries(stepOutputs(r))) core.setOutput(k, v);
  await writeSummary(summaryMarkdown(inp, r, error), log);
}
