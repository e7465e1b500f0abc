/**
 * O1: the deploy-order guard. Is the commit being deployed older than (an ancestor of), or diverged from, the
 * commit the deploy record says was deployed last? Decided with local git when the history is there (`git
 * merge-base --is-ancestor`, no shell, a deadline, SHAs validated as hex first), else with GitHub's compare API
 * (`/repos/{o}/{r}/compare/{base}...{head}`), else "could not be decided" — never guessed.
 */
import { spawn } from 'node:child_process';
import { errorMessage } from './errors';
import { isCommitSha, type DeployRecord, type RecordRead } from './deploy-record';
import type { Octokit } from './pr-comment';

/** How the commit being deployed relates to the recorded one. */
export type Relation = 'identical' | 'ahead' | 'behind' | 'diverged';

export interface Ancestry {
  /** Undefined: could not be decided (`detail` says why). */
  relation?: Relation;
  via: 'git' | 'github' | 'none';
  detail: string;
}

/** Every git process ends within this long (T1). */
export const GIT_TIMEOUT_MS = 10_000;

export interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs git with arguments (never a shell) in `cwd`; a process past `timeoutMs` is killed (code null). */
export type GitRunner = (args: string[], cwd: string, timeoutMs?: number) => Promise<GitResult>;

export function gitRunner(env: NodeJS.ProcessEnv): GitRunner {
  return (args, cwd, timeoutMs = GIT_TIMEOUT_MS) =>
    new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let done = false;
      const finish = (code: number | null, detail?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ code, stdout, stderr: detail ?? stderr });
      };
      const timer = setTimeout(() => {
        // The whole process group (a hook or helper git started too), then the answer at once: an
        // orphan holding the pipes open must not hold the deploy (T1).
        try {
          if (child?.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child?.kill('SIGKILL');
        }
        child?.stdout?.destroy();
        child?.stderr?.destroy();
        finish(null, `git did not finish within ${timeoutMs} ms`);
      }, timeoutMs);
      timer.unref();
      let child: ReturnType<typeof spawn> | undefined;
      try {
        // No shell, no prompts, no optional locks, and no fsmonitor hook from the repository's config.
        child = spawn('git', ['-c', 'core.fsmonitor=false', ...args], {
          cwd,
          shell: false,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
        });
      } catch (error) {
        finish(null, errorMessage(error));
        return;
      }
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8').slice(0, 4096)));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8').slice(0, 4096)));
      child.on('error', (error) => finish(null, errorMessage(error)));
      child.on('close', (code) => finish(code));
    });
}

/** The commit checked out in `dir` (`git rev-parse HEAD`), when it is a full hex SHA. */
export async function headCommit(git: GitRunner, dir: string): Promise<string | undefined> {
  const result = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], dir);
  const sha = result.stdout.trim();
  return result.code === 0 && isCommitSha(sha) ? sha : undefined;
}

/**
 * Ancestry from local git: both commits must be present and the clone not shallow (a shallow history cannot
 * prove that one commit is *not* an ancestor of another). Undefined when git cannot tell.
 */
export async function gitAncestry(
  git: GitRunner,
  dir: string,
  recorded: string,
  current: string,
): Promise<Ancestry> {
  if (!isCommitSha(recorded) || !isCommitSha(current))
    return { via: 'none', detail: 'a commit is not a full hexadecimal SHA' };
  if (recorded === current) return { relation: 'identical', via: 'git', detail: 'the same commit' };
  const shallow = await git(['rev-parse', '--is-shallow-repository'], dir);
  if (shallow.code !== 0)
    return {
      via: 'none',
      detail: `no git repository at the workspace (${shallow.stderr.trim() || 'git failed'})`,
    };
  if (shallow.stdout.trim() === 'true')
    return {
      via: 'none',
      detail: 'the clone is shallow (actions/checkout fetch-depth: 0 gives git the history)',
    };
  for (const sha of [recorded, current]) {
    const present = await git(['cat-file', '-e', `${sha}^{commit}`], dir);
    if (present.code !== 0)
      return { via: 'none', detail: `commit ${sha.slice(0, 12)} is not in the local history` };
  }
  const isAncestor = async (older: string, newer: string): Promise<boolean | undefined> => {
    const result = await git(['merge-base', '--is-ancestor', older, newer], dir);
    return result.code === 0 ? true : result.code === 1 ? false : undefined;
  };
  const recordedFirst = await isAncestor(recorded, current);
  if (recordedFirst === undefined) return { via: 'none', detail: 'git merge-base failed' };
  if (recordedFirst)
    return { relation: 'ahead', via: 'git', detail: 'the recorded commit is an ancestor (local git)' };
  const currentFirst = await isAncestor(current, recorded);
  if (currentFirst === undefined) return { via: 'none', detail: 'git merge-base failed' };
  return currentFirst
    ? { relation: 'behind', via: 'git', detail: 'it is an ancestor of the recorded commit (local git)' }
    : { relation: 'diverged', via: 'git', detail: 'neither commit is an ancestor of the other (local git)' };
}

const COMPARE_STATUS = new Set<Relation>(['identical', 'ahead', 'behind', 'diverged']);

/**
 * Ancestry from GitHub: `GET /repos/{owner}/{repo}/compare/{recorded}...{current}`. `ahead`: the current commit
 * is newer; `behind`: older; `diverged`; `identical`. The client's own request timeout applies (T1).
 */
export async function githubAncestry(
  octokit: Octokit,
  repository: string,
  recorded: string,
  current: string,
): Promise<Ancestry> {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (!match) return { via: 'none', detail: 'GITHUB_REPOSITORY is not owner/repo' };
  if (!isCommitSha(recorded) || !isCommitSha(current))
    return { via: 'none', detail: 'a commit is not a full hexadecimal SHA' };
  try {
    const answer = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
      owner: match[1] as string,
      repo: match[2] as string,
      basehead: `${recorded}...${current}`,
      per_page: 1,
    });
    const status = (answer.data as { status?: unknown }).status;
    if (typeof status === 'string' && COMPARE_STATUS.has(status as Relation))
      return { relation: status as Relation, via: 'github', detail: `GitHub's compare API says ${status}` };
    return { via: 'none', detail: `GitHub's compare API answered an unknown status` };
  } catch (error) {
    const code = (error as { status?: unknown }).status;
    return {
      via: 'none',
      detail: `GitHub's compare API failed${typeof code === 'number' ? ` (HTTP ${code})` : ''}: ${errorMessage(error)}`,
    };
  }
}

export interface AncestrySources {
  git?: GitRunner;
  /** Where the repository is checked out. */
  dir: string;
  /** GitHub's compare API, when a token and GITHUB_REPOSITORY are there. */
  github?: () => Promise<Octokit>;
  repository?: string;
}

/** Local git first; when it cannot tell, GitHub; else undecided with both reasons. */
export async function decideAncestry(
  sources: AncestrySources,
  recorded: string,
  current: string,
): Promise<Ancestry> {
  if (recorded === current && isCommitSha(current))
    return { relation: 'identical', via: 'git', detail: 'the same commit' };
  const local = sources.git
    ? await gitAncestry(sources.git, sources.dir, recorded, current)
    : { via: 'none' as const, detail: 'git is not used' };
  if (local.relation) return local;
  if (!sources.github || !sources.repository)
    return { via: 'none', detail: `${local.detail}; no GitHub token to ask GitHub's compare API` };
  let octokit: Octokit;
  try {
    octokit = await sources.github();
  } catch (error) {
    return { via: 'none', detail: `${local.detail}; ${errorMessage(error)}` };
  }
  const remote = await githubAncestry(octokit, sources.repository, recorded, current);
  return remote.relation ? remote : { via: 'none', detail: `${local.detail}; ${remote.detail}` };
}

export type OrderMode = 'enforce' | 'warn' | 'off';

export interface OrderCheckInput {
  mode: OrderMode;
  allowOlderCommit: boolean;
  /** A plan (create-only) never refuses: it only says what an execution would meet. */
  advisory: boolean;
  stackName: string;
  /** The parameter the record lives in (named in messages). */
  recordName: string;
  read: RecordRead;
  /** The commit being deployed (undefined: unknown). */
  current: string | undefined;
  /** GITHUB_REPOSITORY: a record written from another repository cannot be compared by ancestry. */
  repository: string | undefined;
  ancestry: (recorded: string, current: string) => Promise<Ancestry>;
}

export interface OrderDecision {
  /** proceed quietly, proceed with a warning, or refuse (GuardError). */
  verdict: 'proceed' | 'warn' | 'refuse';
  message: string;
  /** The record read (for "last deployed: commit, run, time"). */
  last?: DeployRecord;
  relation?: Relation;
}

/**
 * The decision for one deploy: behind (older) or diverged → refuse (enforce) or warn (warn), unless
 * allow-older-commit; undecidable → warn, or refuse under enforce (a guard that cannot check must not pass
 * silently); the same commit (a re-run) or a newer one → proceed.
 */
export async function decideOrder(check: OrderCheckInput): Promise<OrderDecision> {
  const subject = `stack ${check.stackName}`;
  const strict = check.mode === 'enforce' && !check.advisory;
  const doubt = (message: string, last?: DeployRecord): OrderDecision => ({
    verdict: strict ? 'refuse' : 'warn',
    message: strict
      ? `Refusing to deploy ${subject}: ${message} deploy-order is enforce, so an unchecked order is refused; fix the cause or set allow-older-commit: true for this run (O1).`
      : `Deploy order (O1): ${message}`,
    last,
  });
  const { read } = check;
  if (read.kind === 'failed') {
    const why = read.denied
      ? `reading the deploy record ${check.recordName} was denied (the role needs ssm:GetParameter on it): ${read.reason}.`
      : `the deploy record ${check.recordName} could not be read: ${read.reason}.`;
    return check.allowOlderCommit ? { verdict: 'warn', message: `Deploy order (O1): ${why}` } : doubt(why);
  }
  if (read.kind === 'unreadable')
    return {
      verdict: 'warn',
      message: `Deploy order (O1): the parameter ${check.recordName} is not a deploy record of ours (${read.reason}); treated as absent.`,
    };
  if (read.kind === 'absent')
    return {
      verdict: 'proceed',
      message: `No deploy record for ${subject} yet (${check.recordName}): nothing to compare with.`,
    };
  const last = read.record;
  const recorded = last.commit;
  if (!check.current) {
    const why = `the commit being deployed is unknown (no git history at the workspace and GITHUB_SHA is not a full commit SHA), so it cannot be compared with ${recorded.slice(0, 12)}, deployed last.`;
    return check.allowOlderCommit
      ? { verdict: 'warn', message: `Deploy order (O1): ${why}`, last }
      : doubt(why, last);
  }
  if (recorded === check.current)
    return {
      verdict: 'proceed',
      message: `Deploy order (O1): ${check.current.slice(0, 12)} is the commit deployed last (a re-run): proceeding.`,
      last,
      relation: 'identical',
    };
  const foreign = last.repository && check.repository && last.repository !== check.repository;
  const ancestry: Ancestry = foreign
    ? {
        relation: 'diverged',
        via: 'none',
        detail: `it was recorded by another repository, ${last.repository}`,
      }
    : await check.ancestry(recorded, check.current);
  const short = `${check.current.slice(0, 12)}`;
  const against = `the commit deployed last, ${recorded.slice(0, 12)}`;
  if (ancestry.relation === 'ahead' || ancestry.relation === 'identical')
    return {
      verdict: 'proceed',
      message: `Deploy order (O1): ${short} is newer than ${against} (${ancestry.detail}).`,
      last,
      relation: ancestry.relation,
    };
  if (!ancestry.relation) {
    const why = `whether ${short} is newer than ${against} could not be decided: ${ancestry.detail}.`;
    return check.allowOlderCommit
      ? { verdict: 'warn', message: `Deploy order (O1): ${why}`, last }
      : doubt(why, last);
  }
  const what =
    ancestry.relation === 'behind'
      ? `${short} is OLDER than ${against} (${ancestry.detail}): deploying it would go backwards.`
      : `${short} has DIVERGED from ${against} (${ancestry.detail}): deploying it would drop what that one deployed.`;
  if (check.allowOlderCommit)
    return {
      verdict: 'warn',
      message: `Deploy order (O1): ${what} allow-older-commit is true: proceeding.`,
      last,
      relation: ancestry.relation,
    };
  if (strict)
    return {
      verdict: 'refuse',
      message: `Refusing to deploy ${subject}: ${what} Deploy the newer commit, or set allow-older-commit: true to roll back on purpose (O1).`,
      last,
      relation: ancestry.relation,
    };
  return {
    verdict: 'warn',
    message: `Deploy order (O1): ${what}${check.advisory ? '' : ' deploy-order is warn: proceeding (set deploy-order: enforce to refuse).'}`,
    last,
    relation: ancestry.relation,
  };
}
