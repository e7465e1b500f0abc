import * as core from '@actions/core';
import type { Logger } from './log';

/** Job summaries are capped at 1 MiB per step by GitHub. */
export const SUMMARY_LIMIT = 1024 * 1024;

export type SummaryWriter = (markdown: string) => Promise<void>;

export const coreSummaryWriter: SummaryWriter = async (markdown) => {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
};

/** Write the job summary; a failure is a visible warning and never fails the step (L2). */
export async function writeSummary(
  markdown: string,
  log: Logger,
  writer: SummaryWriter = coreSummaryWriter,
): Promise<void> {
  let md = markdown;
  if (Buffer.byteLength(md) > SUMMARY_LIMIT - 1024) {
    md = `${md.slice(0, SUMMARY_LIMIT - 4096)}\n\n_Summary truncated at GitHub's 1 MiB job-summary limit._\n`;
  }
  try {
    await writer(md);
  } catch (e) {
    log.warning(`Could not write the job summary: ${(e as Error).message}. The step result is unaffected.`);
  }
}
