/**
 * Publishing the outcome, only through the runtime's outbound channel: step outputs, the JSON report file,
 * the job summary and the sticky PR comment. The channel redacts every registered secret in every form and
 * caps each target; the renderers escape untrusted text for Markdown before it gets there.
 */
import os from 'node:os';
import { createHash } from 'node:crypto';
import { escapeMarkdown } from '../../../src/escape';
import { runUrlFromEnv } from '../../../src/plan';
import { postPlanComment } from '../../../src/plan-report';
import type { Runtime } from '../../../src/runtime';
import type { StackResult } from './drift';
import { failureReason } from './fail-on';
import type { DriftInputs } from './inputs';
import { overwriteCount, renderDriftPlan } from './render';
import { reportFileContent, reportFilePath } from './report-file';

/** What was published (as written: redacted, capped). */
export interface Published {
  outputs: Record<string, string>;
  /** The job summary as written. */
  summary: string;
  /** The PR comment body as it may be posted (without the sticky marker). */
  comment: string;
  /** Why the step fails (undefined: it passes), redacted. */
  failure?: string;
}

/** Comment marker stack: the sorted stack list (one sticky comment per stack set and environment). */
export function commentStackKey(stacks: readonly string[]): string {
  const joined = [...stacks].sort().join('.');
  if (joined.length <= 200) return joined;
  return `${stacks.length}-stacks-${createHash('sha256').update(joined).digest('hex').slice(0, 16)}`;
}

export async function publishOutcome(
  rt: Runtime,
  inputs: DriftInputs,
  results: readonly StackResult[],
): Promise<Published> {
  const drifted = results.filter((result) => result.drifted).map((result) => result.stack);
  const outputs: Record<string, string> = {
    drifted: String(drifted.length > 0),
    'drifted-stacks': JSON.stringify(drifted),
    overwrites: String(overwriteCount(results)),
    'report-path': '',
  };
  // A report that cannot be written is a warning (L2); report-path stays empty.
  const file = reportFilePath(rt.env, rt.clock.now(), os.tmpdir());
  if (await rt.out.report(file, reportFileContent(results, inputs))) outputs['report-path'] = file;
  rt.out.setOutputs(outputs);

  const plan = renderDriftPlan(results, inputs, runUrlFromEnv(rt.env));
  const failure = failureReason(results, inputs);
  const summary = await rt.out.summary(
    failure ? `${plan.markdown}\n> [!CAUTION]\n> ${escapeMarkdown(failure)}\n` : plan.markdown,
  );
  await postPlanComment(rt, {
    mode: inputs.commentOnPr,
    token: inputs.githubToken,
    action: 'drift-check',
    stack: commentStackKey(inputs.stacks),
    environment: inputs.environment,
    body: plan.comment,
  });
  return {
    outputs: Object.fromEntries(Object.keys(outputs).map((name) => [name, rt.out.outputs[name] ?? ''])),
    summary,
    comment: rt.out.comment(plan.comment),
    failure: failure === undefined ? undefined : rt.out.redact(failure),
  };
}
