import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryLogger } from '../../../src/log';
import {
  MAX_COMMENT_CHARS,
  commentBody,
  createOctokit,
  markerFor,
  resolveCommentTarget,
  upsertStickyComment,
} from '../../../src/pr-comment';
import { start, type GitHubStub } from '../../helpers/github-stub';

let gh: GitHubStub;
beforeEach(async () => {
  gh = await start();
});
afterEach(async () => {
  await gh.stop();
});

const marker = { action: 'deploy-stack', stack: 'app-prod', environment: 'prod' };

function upsert(body: string, extra: Partial<Parameters<typeof upsertStickyComment>[0]> = {}) {
  const log = memoryLogger();
  const result = upsertStickyComment({
    octokit: createOctokit('ghs_test', gh.url),
    owner: 'acme',
    repo: 'infra',
    issueNumber: 7,
    marker,
    body,
    log,
    ...extra,
  });
  return { log, result };
}

describe('upsertStickyComment', () => {
  it('H1: creates the comment, then updates the same one on the next run (exactly one remains)', async () => {
    const first = upsert('plan v1');
    expect(await first.result).toMatchObject({ action: 'created' });
    const second = upsert('plan v2');
    const r2 = await second.result;
    expect(r2).toMatchObject({ action: 'updated' });
    const mine = gh.on(7);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.id).toBe(r2!.id);
    expect(mine[0]!.body).toBe('<!-- guarded-deploy:deploy-stack:app-prod:prod -->\nplan v2');
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(gh.requests[0]!.authorization).toBe('token ghs_test');
    expect(second.log.warnings).toEqual([]);
  });

  it('finds its marker on page 3 of 250+ comments and updates it instead of posting a duplicate', async () => {
    for (let i = 0; i < 230; i++) gh.addComment(7, `chatter ${i}`);
    const ours = gh.addComment(7, `${markerFor(marker)}\nold plan`, { login: 'github-actions[bot]' });
    for (let i = 0; i < 40; i++) gh.addComment(7, `more chatter ${i}`);
    const { result, log } = upsert('new plan');
    expect(await result).toEqual(expect.objectContaining({ id: ours.id, action: 'updated' }));
    expect(gh.on(7)).toHaveLength(271);
    expect(ours.body).toContain('new plan');
    const gets = gh.requests.filter((r) => r.method === 'GET').map((r) => r.url);
    expect(gets).toHaveLength(3);
    expect(gets.every((u) => u.includes('per_page=100'))).toBe(true);
    expect(gets[2]).toContain('page=3');
    expect(gh.requests.some((r) => r.method === 'POST')).toBe(false);
    expect(log.warnings).toEqual([]);
  });

  it('a different environment (or stack) gets its own comment', async () => {
    await upsert('prod plan').result;
    await upsert('staging plan', { marker: { ...marker, environment: 'staging' } }).result;
    await upsert('other stack', { marker: { ...marker, stack: 'app-db' } }).result;
    await upsert('prod plan v2').result;
    const bodies = gh.on(7).map((c) => c.body);
    expect(bodies).toHaveLength(3);
    expect(bodies.find((b) => b.includes(':app-prod:staging'))).toContain('staging plan');
    expect(bodies.find((b) => b.includes(':app-prod:prod'))).toContain('prod plan v2');
  });

  it('L2: a 403 on POST is a warning naming the missing permission, never a throw', async () => {
    gh.failWith(403, 'POST');
    const { result, log } = upsert('plan', { fromFork: true });
    await expect(result).resolves.toBeUndefined();
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toContain('HTTP 403');
    expect(log.warnings[0]).toContain('`pull-requests: write`');
    expect(log.warnings[0]).toContain('`issues: write`');
    expect(log.warnings[0]).toContain('fork PRs get a read-only token');
    expect(log.warnings[0]).toContain('acme/infra#7');
    expect(gh.on(7)).toHaveLength(0);
  });

  it('L2: 404 on listing and 500 on update are warnings too', async () => {
    gh.failWith(404, 'GET');
    const a = upsert('plan');
    expect(await a.result).toBeUndefined();
    expect(a.log.warnings[0]).toMatch(/HTTP 404.*pull-requests: write/);

    gh.failWith(undefined);
    await upsert('plan').result;
    gh.failWith(500, 'PATCH');
    const b = upsert('plan 2');
    expect(await b.result).toBeUndefined();
    expect(b.log.warnings[0]).toContain('HTTP 500');
  });

  it('L2: an unreachable API is a warning', async () => {
    await gh.stop();
    const log = memoryLogger();
    const r = await upsertStickyComment({
      octokit: createOctokit('t', gh.url),
      owner: 'acme',
      repo: 'infra',
      issueNumber: 7,
      marker,
      body: 'x',
      log,
    });
    expect(r).toBeUndefined();
    expect(log.warnings[0]).toContain('PR comment not posted on acme/infra#7');
    gh = await start(); // afterEach stops it again
  });

  it('caps the body at 65,536 characters with the marker included', async () => {
    const huge = 'line of plan text\n'.repeat(10_000);
    await upsert(huge).result;
    const body = gh.on(7)[0]!.body;
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.startsWith(markerFor(marker))).toBe(true);
    expect(body).toContain('cut to fit');
    expect(commentBody('<!-- m -->', 'short')).toBe('<!-- m -->\nshort');
  });

  it('marker parts cannot break out of the HTML comment', () => {
    expect(markerFor({ action: 'drift-check', stack: 'app', environment: 'x --> <b>y' })).toBe(
      '<!-- guarded-deploy:drift-check:app:x_--___b_y -->',
    );
    expect(markerFor({ action: 'deploy-stack', stack: 'app' })).toBe(
      '<!-- guarded-deploy:deploy-stack:app:- -->',
    );
  });
});

describe('resolveCommentTarget', () => {
  const prPayload = (fork = false) => ({
    number: 12,
    pull_request: {
      number: 12,
      head: { repo: { full_name: fork ? 'mallory/infra' : 'acme/infra', fork } },
      base: { repo: { full_name: 'acme/infra' } },
    },
  });

  it('auto: comments on pull_request and pull_request_target events with a token', async () => {
    for (const eventName of ['pull_request', 'pull_request_target']) {
      const r = await resolveCommentTarget({
        mode: 'auto',
        token: 't',
        eventName,
        payload: prPayload(),
        repository: 'acme/infra',
      });
      expect(r.target).toEqual({ owner: 'acme', repo: 'infra', issueNumber: 12, fromFork: false });
    }
  });

  it('auto on a push event: no comment, no warning', async () => {
    const r = await resolveCommentTarget({
      mode: 'auto',
      token: 't',
      eventName: 'push',
      payload: { after: 'abc' },
      repository: 'acme/infra',
    });
    expect(r.target).toBeUndefined();
    expect(r.warning).toBe(false);
    expect(r.reason).toContain('not a pull request event');
  });

  it('never: never comments', async () => {
    const r = await resolveCommentTarget({
      mode: 'never',
      token: 't',
      eventName: 'pull_request',
      payload: prPayload(),
      repository: 'acme/infra',
    });
    expect(r.target).toBeUndefined();
  });

  it('L2: a PR event without a token is a warning', async () => {
    const r = await resolveCommentTarget({
      mode: 'auto',
      eventName: 'pull_request',
      payload: prPayload(),
      repository: 'acme/infra',
    });
    expect(r.target).toBeUndefined();
    expect(r.warning).toBe(true);
    expect(r.reason).toContain('no GitHub token');
  });

  it('reads the event payload from GITHUB_EVENT_PATH and flags fork PRs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-event-'));
    const eventPath = path.join(dir, 'event.json');
    fs.writeFileSync(eventPath, JSON.stringify(prPayload(true)));
    const r = await resolveCommentTarget({
      mode: 'auto',
      token: 't',
      eventName: 'pull_request',
      eventPath,
      repository: 'acme/infra',
    });
    expect(r.target).toEqual({ owner: 'acme', repo: 'infra', issueNumber: 12, fromFork: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('L2: fork PR with a read-only token: the 403 warning names the permission', async () => {
    const t = await resolveCommentTarget({
      mode: 'auto',
      token: 't',
      eventName: 'pull_request',
      payload: prPayload(true),
      repository: 'acme/infra',
    });
    gh.failWith(403, 'POST');
    const { result, log } = upsert('plan', {
      issueNumber: t.target!.issueNumber,
      fromFork: t.target!.fromFork,
    });
    expect(await result).toBeUndefined();
    expect(log.warnings[0]).toContain(
      'the token lacks `pull-requests: write` (or `issues: write`) permission',
    );
    expect(log.warnings[0]).toContain('This PR comes from a fork');
  });

  it('always: issue_comment on a PR comments there; on a plain issue it warns', async () => {
    const onPr = await resolveCommentTarget({
      mode: 'always',
      token: 't',
      eventName: 'issue_comment',
      payload: { issue: { number: 5, pull_request: { url: 'x' } } },
      repository: 'acme/infra',
    });
    expect(onPr.target?.issueNumber).toBe(5);
    const onIssue = await resolveCommentTarget({
      mode: 'always',
      token: 't',
      eventName: 'issue_comment',
      payload: { issue: { number: 6 } },
      repository: 'acme/infra',
    });
    expect(onIssue.target).toBeUndefined();
    expect(onIssue.warning).toBe(true);
  });

  it('always: push finds the open PR of the commit, else warns', async () => {
    gh.setPullsForCommit('abc123', [
      { number: 3, state: 'closed', head: { sha: 'abc123' } },
      { number: 9, state: 'open', head: { sha: 'abc123' } },
    ]);
    const octokit = createOctokit('t', gh.url);
    const found = await resolveCommentTarget({
      mode: 'always',
      token: 't',
      eventName: 'push',
      payload: {},
      sha: 'abc123',
      repository: 'acme/infra',
      octokit,
    });
    expect(found.target).toEqual({ owner: 'acme', repo: 'infra', issueNumber: 9 });
    const none = await resolveCommentTarget({
      mode: 'always',
      token: 't',
      eventName: 'push',
      payload: {},
      sha: 'fff000',
      repository: 'acme/infra',
      octokit,
    });
    expect(none.target).toBeUndefined();
    expect(none.warning).toBe(true);
    expect(none.reason).toContain('no open pull request');
  });
});
