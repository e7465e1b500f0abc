/**
 * O1 tests: a real git repository in a temporary directory, with commits made on demand (the deploy-order guard
 * decides ancestry with `git merge-base --is-ancestor`). Everything stays under os.tmpdir().
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: os.tmpdir(),
};

export interface GitRepo {
  dir: string;
  git(...args: string[]): string;
  /** Write `files`, commit them, return the new commit's SHA. */
  commit(message: string, files?: Record<string, string>): string;
  /** Check out `ref` (a branch name or SHA; -b to create a branch). */
  checkout(...args: string[]): void;
}

export function gitRepo(files: Record<string, string> = {}): GitRepo {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gd-git-')));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  const commit = (message: string, changed: Record<string, string> = {}) => {
    for (const [name, body] of Object.entries(changed)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), body);
    }
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  if (Object.keys(files).length) commit('initial', files);
  return { dir, git, commit, checkout: (...args) => void git('checkout', '-q', ...args) };
}

/** The environment git needs in a process we start (PATH, and no system config). */
export function gitEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...GIT_ENV };
}
