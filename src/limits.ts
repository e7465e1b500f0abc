/**
 * GitHub's size limits, in one place. Everything that leaves the process is capped by `src/outbound.ts`
 * against these numbers; renderers that fit content (the plan) read them from here too.
 */
export interface Limits {
  commentChars: number;
  summaryBytes: number;
  outputBytes: number;
  annotationChars: number;
  logLineChars: number;
}

export const GITHUB_LIMITS: Readonly<Limits> = {
  /** Issue / pull-request comment body, in characters (GitHub rejects longer bodies). */
  commentChars: 65_536,
  /** Job summary per step, in bytes. */
  summaryBytes: 1_048_576,
  /** One step output value, in bytes (GitHub keeps at most 1 MiB of outputs per job). */
  outputBytes: 1_048_576,
  /** One annotation (`::error::`, `::warning::`) message, in characters; longer ones are cut by GitHub. */
  annotationChars: 4_096,
  /** One log line we print, in characters (longer lines are folded by the runner and hard to read). */
  logLineChars: 16_384,
};

/** Room kept free in a comment for the sticky marker and the truncation note. */
export const COMMENT_RESERVE = 1_024;

/**
 * Room kept free in the job summary for what actions put around a plan (result block, notes) and the
 * outbound cap's own margin: a plan fits itself into `summaryBytes - SUMMARY_RESERVE`, so the outbound channel
 * never has to cut a plan that the plan's own ladder could have shortened.
 */
export const SUMMARY_RESERVE = 16_384;
