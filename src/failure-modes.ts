/**
 * Failure-mode IDs (M1, R1, H2, …) are defined in docs/failure-modes.md. Error and warning annotations that
 * cite an ID get a link to its row, so a user can go from a message to the guarantee and its test.
 */
export const FAILURE_MODE_IDS = [
  'M1',
  'C1',
  'H5',
  'H4',
  'C2',
  'C3',
  'H1',
  'H2',
  'M4',
  'L1',
  'L2',
  'L4',
  'R1',
  'R2',
  'D1',
  'D2',
  'D3',
  'N1',
  'O1',
  'P1',
  'T1',
  'X1',
  'W1',
  'S1',
  'K1',
] as const;

const CITED = new RegExp(`\\b(${FAILURE_MODE_IDS.join('|')})\\b`, 'g');
const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const REF = /^[A-Za-z0-9_./-]{1,200}$/;
const SERVER = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/;

/**
 * Where docs/failure-modes.md is for this run: in the action's own repository at the ref the workflow used
 * (`GITHUB_ACTION_REPOSITORY`/`GITHUB_ACTION_REF`, set by the runner for `uses:` actions), else the path.
 */
export function failureModesUrl(env: NodeJS.ProcessEnv): string {
  const repo = env.GITHUB_ACTION_REPOSITORY ?? '';
  if (!REPO.test(repo)) return 'docs/failure-modes.md';
  const server = SERVER.test(env.GITHUB_SERVER_URL ?? '') ? env.GITHUB_SERVER_URL : 'https://github.com';
  const ref = REF.test(env.GITHUB_ACTION_REF ?? '') ? env.GITHUB_ACTION_REF : 'main';
  return `${server}/${repo}/blob/${ref}/docs/failure-modes.md`;
}

/** `message` plus ` See <doc>#id.` for each distinct failure-mode ID it cites (at most three). */
export function citeFailureModes(message: string, env: NodeJS.ProcessEnv): string {
  const ids = [...new Set([...message.matchAll(CITED)].map((m) => m[1] as string))].slice(0, 3);
  if (ids.length === 0) return message;
  const url = failureModesUrl(env);
  return `${message} See ${ids.map((id) => `${url}#${id.toLowerCase()}`).join(', ')}.`;
}
