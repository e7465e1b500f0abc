/**
 * Fitting the plan into GitHub's limits: the same plan is rendered in full for the job summary (≤ 1 MiB)
 * and size-capped for a PR comment (≤ 65,536 characters), walking down a ladder of detail until it fits.
 * Destructive changes are never dropped (H2): they are the last thing to lose detail.
 */
import { escapeMarkdown } from '../escape';
import { COMMENT_RESERVE as RESERVE, GITHUB_LIMITS, SUMMARY_RESERVE } from '../limits';
import { Redactor } from '../secrets';
import { countKinds, type PlanCounts } from './classify';
import { buildItems, type DestructiveChange, type PlanInput } from './model';
import { PlanDocument, type Detail, type OmittedNote } from './render';

/** GitHub rejects issue/PR comment bodies longer than this many characters (`GITHUB_LIMITS.commentChars`). */
export const COMMENT_LIMIT = GITHUB_LIMITS.commentChars;
/** GitHub's job summary limit per step, in bytes (`GITHUB_LIMITS.summaryBytes`). */
export const SUMMARY_LIMIT = GITHUB_LIMITS.summaryBytes;
/** Room left in the comment for the sticky-comment marker and anything a caller wraps around it. */
export const COMMENT_RESERVE = RESERVE;

export interface PlanResult {
  /** Full plan for the job summary (≤ 1 MiB). */
  markdown: string;
  /** Size-capped plan for a PR comment (≤ 65,536 − COMMENT_RESERVE characters by default). */
  comment: string;
  counts: PlanCounts;
  destructive: DestructiveChange[];
  hasChanges: boolean;
  /** What the comment left out (empty when it is the full plan). */
  commentOmitted: string[];
}

const LADDER: Detail[] = [
  { values: 'all', contexts: true, maxRows: Infinity, destructive: 'full', extras: true },
  { values: 'all', contexts: false, maxRows: Infinity, destructive: 'full', extras: true },
  { values: 'destructive', contexts: false, maxRows: Infinity, destructive: 'full', extras: true },
  { values: 'none', contexts: false, maxRows: Infinity, destructive: 'full', extras: true },
];

/** Upper bound of the per-group row count searched for. */
const MAX_ROWS_SEARCHED = 4096;

/** Render the biggest version of the document that fits in `fits`. */
function fit(
  doc: PlanDocument,
  fits: (text: string) => boolean,
  note: OmittedNote,
  /** A rendering of LADDER[0] with nothing omitted (so no note), to reuse instead of rendering again. */
  full?: string,
): { text: string; omitted: string[] } {
  for (const detail of LADDER) {
    if (detail === LADDER[0] && full !== undefined) {
      if (fits(full)) return { text: full, omitted: [] };
      continue;
    }
    const rendered = doc.render(detail, note);
    if (fits(rendered.text)) return rendered;
  }
  // Fewer non-destructive rows: binary search the largest per-group row count that fits.
  for (const destructive of ['full', 'compact', 'list', 'ids'] as const) {
    for (const extras of [true, false]) {
      const base: Detail = { values: 'none', contexts: false, maxRows: 0, destructive, extras };
      const zero = doc.render(base, note);
      if (!fits(zero.text)) continue;
      let low = 0;
      let high = MAX_ROWS_SEARCHED;
      let best = zero;
      while (low < high) {
        const middle = Math.ceil((low + high) / 2);
        const rendered = doc.render({ ...base, maxRows: middle }, note);
        if (fits(rendered.text)) {
          best = rendered;
          low = middle;
        } else high = middle - 1;
      }
      return best;
    }
  }
  // Even the list of destructive changes does not fit: hard cut (never expected in practice).
  const rendered = doc.render(
    { values: 'none', contexts: false, maxRows: 0, destructive: 'ids', extras: false },
    note,
  );
  const cutNote = '\n\n_… plan cut to fit the size limit._\n';
  let text = rendered.text;
  while (!fits(text + cutNote) && text.length > 0) text = text.slice(0, Math.floor(text.length * 0.9));
  return { text: text + cutNote, omitted: [...rendered.omitted, 'the end of the plan'] };
}

/** A run URL safe to show as an autolink (`<url>`): http(s), nothing that could end the link. */
const AUTOLINK_URL = /^https?:\/\/[^\s<>"'`()[\]]+$/;

/** `<server>/<repo>/actions/runs/<id>` from the runner's environment, when all three are set. */
export function runUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  if (!server || !repository || !runId) return undefined;
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`;
}

/**
 * Render a plan twice: in full for the job summary and size-capped for a PR comment, every secret and
 * NoEcho value redacted (C3) and every AWS/user string escaped.
 */
export function renderPlan(input: PlanInput): PlanResult {
  const redactor = new Redactor();
  for (const secret of input.secrets ?? []) redactor.add(secret);
  const items = buildItems(input, redactor);
  const counts = countKinds(items.map((item) => item.kind));
  const destructive = items.flatMap((item) => (item.destructive ? [item.destructive] : []));
  const doc = new PlanDocument(input, items, counts, destructive, redactor);

  const url = input.header.runUrl;
  const where = url
    ? `full plan in the job summary of run ${AUTOLINK_URL.test(url) ? `<${url}>` : escapeMarkdown(url)}`
    : 'full plan in the job summary of this run';
  const commentNote: OmittedNote = (omitted) => [
    '',
    `> [!NOTE]`,
    `> Shortened to fit a PR comment (${COMMENT_LIMIT.toLocaleString('en-US')} characters): left out ${omitted.join(', ')}; ${where}.`,
  ];
  const summaryNote: OmittedNote = (omitted) => [
    '',
    `> [!NOTE]`,
    `> Shortened to fit the job summary (1 MiB): left out ${omitted.join(', ')}.`,
  ];
  const commentMax = input.limits?.comment ?? COMMENT_LIMIT - COMMENT_RESERVE;
  const markdownMax = input.limits?.markdownBytes ?? SUMMARY_LIMIT - SUMMARY_RESERVE;
  const markdown = fit(doc, (text) => Buffer.byteLength(text, 'utf8') <= markdownMax, summaryNote);
  const comment = fit(
    doc,
    (text) => text.length <= commentMax,
    commentNote,
    markdown.omitted.length === 0 ? markdown.text : undefined,
  );
  return {
    // Once more over the final text: the run URL, locations and trusted sections were not redacted item by item.
    markdown: redactor.redact(markdown.text),
    comment: redactor.redact(comment.text),
    counts,
    destructive,
    hasChanges: items.length > 0,
    commentOmitted: comment.omitted,
  };
}
