/**
 * O1: ancestry from a real temporary git repository, from a loopback stand-in for GitHub's compare API, and
 * the decision table (enforce / warn / allow-older-commit / plans).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  decideAncestry,
  decideOrder,
  gitAncestry,
  gitRunner,
  githubAncestry,
  headCommit,
  type Ancestry,
  type GitRunner,
  type OrderCheckInput,
} from '../../../src/deploy-order';
import type { DeployRecord } from '../../../src/deploy-record';
import { createOctokit } from '../../../src/pr-comment';
import { gitEnv, gitRepo, type GitRepo } from '../../helpers/git-repo';

let repo: GitRepo;
let a: string;
let b: string;
let side: string;
const git = gitRunner(gitEnv());

beforeAll(() => {
  repo = gitRepo({ 'template.yaml': 'v0' });
  a = repo.commit('A', { 'template.yaml': 'A' });
  b = repo.commit('B', { 'template.yaml': 'B' });
  repo.checkout('-b', 'side', a);
  side = repo.commit('side', { 'template.yaml': 'side' });
  repo.checkout('main');
});

/** A git runner that records every argument list it was given. */
function spying(): { runner: GitRunner; calls: string[][] } {
  const calls: string[][] = [];
  return { calls, runner: (args, cwd, timeout) => (calls.push(args), git(args, cwd, timeout)) };
}

describe('O1: ancestry from local git', () => {
  it('O1: ahead, behind, diverged and identical from a real repository', async () => {
    expect(await headCommit(git, repo.dir)).toBe(b);
    expect((await gitAncestry(git, repo.dir, a, b)).relation).toBe('ahead');
    expect((await gitAncestry(git, repo.dir, b, a)).relation).toBe('behind');
    expect((await gitAncestry(git, repo.dir, b, side)).relation).toBe('diverged');
    expect((await gitAncestry(git, repo.dir, b, b)).relation).toBe('identical');
  });

  it('O1: a commit that is not hex never reaches git (no option injection)', async () => {
    const { runner, calls } = spying();
    for (const bad of ['--upload-pack=touch /tmp/pwned', 'HEAD', `${b}; rm -rf /`, b.toUpperCase()]) {
      const result = await gitAncestry(runner, repo.dir, bad, b);
      expect(result.relation).toBeUndefined();
      expect(result.detail).toMatch(/not a full hexadecimal SHA/);
    }
    expect(calls).toEqual([]);
  });

  it('O1: a commit missing from the local history, or a shallow clone, is undecided (not "diverged")', async () => {
    expect((await gitAncestry(git, repo.dir, 'f'.repeat(40), b)).relation).toBeUndefined();
    const shallowDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-shallow-'));
    repo.git('clone', '-q', '--depth', '1', `file://${repo.dir}`, shallowDir);
    const shallow = await gitAncestry(git, shallowDir, a, b);
    expect(shallow.relation).toBeUndefined();
    expect(shallow.detail).toMatch(/shallow.*fetch-depth: 0/);
    const notARepo = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-norepo-'));
    expect(await headCommit(git, notARepo)).toBeUndefined();
  });

  it('T1: a git that hangs is killed at its deadline', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-fakegit-'));
    fs.writeFileSync(path.join(bin, 'git'), '#!/bin/sh\nsleep 30\n', { mode: 0o755 });
    const hanging = gitRunner({ PATH: `${bin}:/usr/bin:/bin` });
    const started = Date.now();
    const result = await hanging(['rev-parse', 'HEAD'], repo.dir, 300);
    expect(result.code).toBeNull();
    expect(Date.now() - started).toBeLessThan(5_000);
    // No git at all: a result, not a throw.
    expect((await gitRunner({ PATH: '/nonexistent' })(['status'], repo.dir)).code).toBeNull();
  });
});

describe('O1: ancestry from GitHub compare API (loopback stand-in)', () => {
  let server: http.Server;
  let url: string;
  const seen: string[] = [];
  let status: number | string = 'behind';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      if (typeof status === 'number') {
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('O1: asks /repos/{o}/{r}/compare/{recorded}...{current} and maps its status', async () => {
    const octokit = createOctokit('t', url);
    for (const answer of ['behind', 'diverged', 'ahead', 'identical'] as const) {
      status = answer;
      expect((await githubAncestry(octokit, 'acme/infra', b, a)).relation).toBe(answer);
    }
    expect(seen.at(-1)).toBe(`/repos/acme/infra/compare/${b}...${a}?per_page=1`);
    status = 404;
    expect((await githubAncestry(octokit, 'acme/infra', b, a)).relation).toBeUndefined();
    status = 'weird';
    expect((await githubAncestry(octokit, 'acme/infra', b, a)).relation).toBeUndefined();
  });

  it('O1: git first; without the history, GitHub; without either, undecided with both reasons', async () => {
    status = 'behind';
    const calls = seen.length;
    const local = await decideAncestry(
      { git, dir: repo.dir, github: async () => createOctokit('t', url), repository: 'acme/infra' },
      b,
      a,
    );
    expect(local).toMatchObject({ relation: 'behind', via: 'git' });
    expect(seen.length).toBe(calls);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-nohistory-'));
    const remote = await decideAncestry(
      { git, dir: empty, github: async () => createOctokit('t', url), repository: 'acme/infra' },
      b,
      a,
    );
    expect(remote).toMatchObject({ relation: 'behind', via: 'github' });
    const none = await decideAncestry({ git, dir: empty }, b, a);
    expect(none.relation).toBeUndefined();
    expect(none.detail).toMatch(/no git repository.*no GitHub token/);
  });
});

describe('O1: the decision', () => {
  const record = (commit: string): DeployRecord => ({
    commit,
    time: '2026-06-01T00:00:00.000Z',
    runId: '7',
    repository: 'acme/infra',
  });
  function check(
    over: Partial<OrderCheckInput>,
    relation?: Ancestry['relation'],
  ): Promise<ReturnType<typeof decideOrder> extends Promise<infer D> ? D : never> {
    return decideOrder({
      mode: 'enforce',
      allowOlderCommit: false,
      advisory: false,
      stackName: 'app',
      recordName: '/guarded-deploy/app',
      read: { kind: 'found', record: record(b) },
      current: a,
      repository: 'acme/infra',
      ancestry: async () => ({ relation, via: 'git', detail: 'test' }),
      ...over,
    });
  }

  it('O1: older (behind) → refused under enforce, warned under warn, allowed with allow-older-commit', async () => {
    expect(await check({}, 'behind')).toMatchObject({
      verdict: 'refuse',
      message: expect.stringMatching(/Refusing.*OLDER/),
    });
    expect(await check({ mode: 'warn' }, 'behind')).toMatchObject({
      verdict: 'warn',
      message: expect.stringMatching(/OLDER.*warn: proceeding/),
    });
    expect(await check({ allowOlderCommit: true }, 'behind')).toMatchObject({
      verdict: 'warn',
      message: expect.stringMatching(/allow-older-commit/),
    });
    // A plan (create-only) never refuses: it says what an execution would meet.
    expect(await check({ advisory: true }, 'behind')).toMatchObject({ verdict: 'warn' });
  });

  it('O1: diverged → refused under enforce', async () => {
    expect(await check({ current: side }, 'diverged')).toMatchObject({
      verdict: 'refuse',
      message: expect.stringMatching(/DIVERGED/),
    });
  });

  it('O1: newer, or the same commit (a re-run of an old run), proceeds', async () => {
    expect(await check({ read: { kind: 'found', record: record(a) }, current: b }, 'ahead')).toMatchObject({
      verdict: 'proceed',
    });
    let asked = false;
    const rerun = await check({
      current: b,
      ancestry: async () => ((asked = true), { via: 'none', detail: '' }),
    });
    expect(rerun).toMatchObject({ verdict: 'proceed', relation: 'identical' });
    expect(asked).toBe(false);
  });

  it('O1: undecidable, unknown commit or an unreadable record store → refused under enforce, warned under warn', async () => {
    expect(await check({}, undefined)).toMatchObject({
      verdict: 'refuse',
      message: expect.stringMatching(/could not be decided/),
    });
    expect(await check({ mode: 'warn' }, undefined)).toMatchObject({ verdict: 'warn' });
    expect(await check({ current: undefined }, 'ahead')).toMatchObject({
      verdict: 'refuse',
      message: expect.stringMatching(/unknown/),
    });
    const denied = { kind: 'failed' as const, reason: 'AccessDeniedException: no', denied: true };
    expect(await check({ read: denied })).toMatchObject({
      verdict: 'refuse',
      message: expect.stringMatching(/ssm:GetParameter/),
    });
    expect(await check({ read: denied, mode: 'warn' })).toMatchObject({ verdict: 'warn' });
  });

  it('O1: absent → proceed; garbage → warn, treated as absent; another repository → diverged', async () => {
    expect(await check({ read: { kind: 'absent' } })).toMatchObject({ verdict: 'proceed' });
    expect(await check({ read: { kind: 'unreadable', reason: 'its value is not JSON' } })).toMatchObject({
      verdict: 'warn',
      message: expect.stringMatching(/treated as absent/),
    });
    const foreign = await check(
      { read: { kind: 'found', record: { ...record(b), repository: 'evil/fork' } } },
      'ahead',
    );
    expect(foreign).toMatchObject({
      verdict: 'refuse',
      relation: 'diverged',
      message: expect.stringMatching(/another repository, evil\/fork/),
    });
  });
});
