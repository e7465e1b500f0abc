import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { escapeHtml, escapeMarkdown } from '../../../src/escape';
import { GITHUB_LIMITS } from '../../../src/limits';
import { Outbound } from '../../../src/outbound';
import { postPlanComment } from '../../../src/plan-report';
import { createOctokit, markerFor, resolveCommentTarget, upsertStickyComment } from '../../../src/pr-comment';
import { REDACTED } from '../../../src/secrets';
import { start, type GitHubStub } from '../../helpers/github-stub';
import { fakeRuntime, memorySink, type MemorySink } from '../../helpers/runtime';

let gh: GitHubStub;
beforeEach(async () => {
  gh = await start();
});
afterEach(async () => {
  await gh.stop();
});

const marker = { action: 'deploy-stack', stack: 'app-prod', environment: 'prod' };

/** The `::warning::` messages written to the sink. */
function warningsOf(sink: MemorySink): string[] {
  return sink.commands.filter((c) => c.name === 'warning').map((c) => c.message);
}

function upsert(body: string, extra: Partial<Parameters<typeof upsertStickyComment>[0]> = {}) {
  const sink = memorySink();
  const out = new Outbound(sink);
  const result = upsertStickyComment({
    octokit: createOctokit('ghs_test', gh.url),
    owner: 'acme',
    repo: 'infra',
    issueNumber: 7,
    marker,
    body,
    out,
    ...extra,
  });
  return { sink, out, result, warnings: () => warningsOf(sink) };
}

/** Every comment body GitHub was sent (POST and PATCH), not only the one it kept. */
function sentBodies(): string[] {
  return gh.requests
    .filter((r) => r.method === 'POST' || r.method === 'PATCH')
    .map((r) => String((r.body as { body?: unknown } | undefined)?.body ?? ''));
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
    expect(second.warnings()).toEqual([]);
  });

  it('finds its marker on page 3 of 250+ comments and updates it instead of posting a duplicate', async () => {
    for (let i = 0; i < 230; i++) gh.addComment(7, `chatter ${i}`);
    const ours = gh.addComment(7, `${markerFor(marker)}\nold plan`, { login: 'github-actions[bot]' });
    for (let i = 0; i < 40; i++) gh.addComment(7, `more chatter ${i}`);
    const { result, warnings } = upsert('new plan');
    expect(await result).toEqual(expect.objectContaining({ id: ours.id, action: 'updated' }));
    expect(gh.on(7)).toHaveLength(271);
    expect(ours.body).toContain('new plan');
    const gets = gh.requests.filter((r) => r.method === 'GET').map((r) => r.url);
    expect(gets).toHaveLength(3);
    expect(gets.every((u) => u.includes('per_page=100'))).toBe(true);
    expect(gets[2]).toContain('page=3');
    expect(gh.requests.some((r) => r.method === 'POST')).toBe(false);
    expect(warnings()).toEqual([]);
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
    const { result, warnings } = upsert('plan', { fromFork: true });
    await expect(result).resolves.toBeUndefined();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('HTTP 403');
    expect(warnings()[0]).toContain('`pull-requests: write`');
    expect(warnings()[0]).toContain('`issues: write`');
    expect(warnings()[0]).toContain('fork PRs get a read-only token');
    expect(warnings()[0]).toContain('acme/infra#7');
    expect(gh.on(7)).toHaveLength(0);
  });

  it('L2: 404 on listing and 500 on update are warnings too', async () => {
    gh.failWith(404, 'GET');
    const a = upsert('plan');
    expect(await a.result).toBeUndefined();
    expect(a.warnings()[0]).toMatch(/HTTP 404.*pull-requests: write/);

    gh.failWith(undefined);
    await upsert('plan').result;
    gh.failWith(500, 'PATCH');
    const b = upsert('plan 2');
    expect(await b.result).toBeUndefined();
    expect(b.warnings()[0]).toContain('HTTP 500');
  });

  it('L2: an unreachable API is a warning', async () => {
    await gh.stop();
    const { result, warnings } = upsert('x');
    expect(await result).toBeUndefined();
    expect(warnings()[0]).toContain('PR comment not posted on acme/infra#7');
    gh = await start(); // afterEach stops it again
  });

  it('caps the body at 65,536 characters with the marker included, cut at a line break', async () => {
    const line = 'line of plan text';
    const huge = `${line}\n`.repeat(10_000);
    await upsert(huge).result;
    const body = gh.on(7)[0]!.body;
    expect(GITHUB_LIMITS.commentChars).toBe(65_536);
    expect(body.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentChars);
    expect(body.length).toBeGreaterThan(GITHUB_LIMITS.commentChars - 1_000);
    expect(body.startsWith(`${markerFor(marker)}\n`)).toBe(true);
    expect(body).toContain('cut to fit');
    // Everything kept is whole lines: the cut fell on a line break, not inside a line.
    const kept = body.slice(`${markerFor(marker)}\n`.length, body.indexOf('\n\n_… cut to fit'));
    expect(kept.split('\n').every((l) => l === line)).toBe(true);
    // A short body is the marker line and the body, nothing else.
    expect(new Outbound(memorySink()).comment('short', '<!-- m -->\n')).toBe('<!-- m -->\nshort');
  });

  it('a keyed marker (account + region) finds its own comment, adopts the old three-part one, and leaves other targets alone', async () => {
    const keyed = { ...marker, account: '111122223333', region: 'us-east-1' };
    const old = gh.addComment(7, `${markerFor(marker)}\nold plan`);
    const otherRegion = gh.addComment(7, `${markerFor({ ...keyed, region: 'eu-west-1' })}\nother region`);
    expect(await upsert('keyed plan', { marker: keyed }).result).toMatchObject({
      id: old.id,
      action: 'updated',
    });
    expect(old.body).toBe(`${markerFor(keyed)}\nkeyed plan`);
    expect(otherRegion.body).toContain('other region');
    expect(await upsert('keyed plan 2', { marker: keyed }).result).toMatchObject({ id: old.id });
    expect(gh.on(7)).toHaveLength(2);
  });

  it('create: false updates an existing comment but never posts one', async () => {
    const none = upsert('empty plan', { create: false });
    expect(await none.result).toBeUndefined();
    expect(gh.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(none.warnings()).toEqual([]);
    await upsert('a plan').result;
    expect(await upsert('now empty', { create: false }).result).toMatchObject({ action: 'updated' });
    expect(gh.on(7).map((c) => c.body)).toEqual([`${markerFor(marker)}\nnow empty`]);
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

describe('C3: the comment body goes through the outbound channel', () => {
  // Characters that make every form differ from the raw value: quote and backslash (JSON), & < > (HTML),
  // | * _ (Markdown), space / + = (URL), and enough bytes for base64 at every alignment.
  const SECRET = 'pa$$ "w0rd"/<x>&|*_+=\\Zq9';

  /** Base64 runs in `text`, decoded: a secret hidden in base64 shows up here. */
  function decodedBase64Runs(text: string): string[] {
    const runs = text.match(/[A-Za-z0-9+/=_-]{8,}/g) ?? [];
    const decoded: string[] = [];
    for (const run of runs)
      for (let skip = 0; skip < 4; skip++) {
        const part = run.slice(skip);
        decoded.push(Buffer.from(part, 'base64').toString('latin1'));
        decoded.push(Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'));
      }
    return decoded;
  }

  function formsOf(secret: string): Record<string, string> {
    return {
      exact: secret,
      'JSON-escaped': JSON.stringify(secret).slice(1, -1),
      'Markdown-escaped': escapeMarkdown(secret),
      'HTML-escaped': escapeHtml(secret),
      'URL-encoded': encodeURIComponent(secret),
      base64: Buffer.from(secret).toString('base64'),
    };
  }

  it('C3: a secret registered with out.addSecret never reaches the posted body, in any form', async () => {
    const forms = formsOf(SECRET);
    // Each form on its own line, and base64 inside larger blobs at each byte alignment.
    const blobs = ['', 'a', 'ab'].map((pad) => Buffer.from(`${pad}${SECRET}tail`).toString('base64'));
    const body = [
      '### plan',
      ...Object.entries(forms).map(([name, form]) => `${name}: ${form}`),
      ...blobs.map((blob) => `blob: ${blob}`),
    ].join('\n');
    const sink = memorySink();
    const out = new Outbound(sink);
    out.addSecret(SECRET);
    await upsert(body, { out }).result;
    const posted = gh.on(7)[0]!.body;
    expect(sentBodies()).toEqual([posted]);
    for (const [name, form] of Object.entries(forms)) {
      expect({ name, leaked: posted.includes(form) }).toEqual({ name, leaked: false });
      expect(posted).toContain(`${name}: ${REDACTED}`);
    }
    for (const blob of blobs) expect(posted).not.toContain(blob);
    for (const decoded of decodedBase64Runs(posted)) expect(decoded).not.toContain(SECRET.slice(0, 8));
    expect(posted.startsWith(`${markerFor(marker)}\n### plan\n`)).toBe(true);
    // Nor does it reach the log.
    expect(sink.all()).not.toContain(SECRET);
  });

  it("C3: postPlanComment(rt, …) posts only what the runtime's outbound channel let through", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-event-'));
    const eventPath = path.join(dir, 'event.json');
    fs.writeFileSync(eventPath, JSON.stringify({ number: 12, pull_request: { number: 12 } }));
    const rt = fakeRuntime({
      env: {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_REPOSITORY: 'acme/infra',
      },
      octokit: createOctokit('t', gh.url),
    });
    rt.out.addSecret(SECRET);
    const forms = formsOf(SECRET);
    const result = await postPlanComment(rt, {
      mode: 'auto',
      token: 't',
      action: 'deploy-stack',
      stack: 'app-prod',
      environment: 'prod',
      body: `plan\n${Object.values(forms).join('\n')}`,
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result).toMatchObject({ action: 'created' });
    const posted = gh.on(12)[0]!.body;
    expect(posted.startsWith(`${markerFor(marker)}\nplan\n`)).toBe(true);
    for (const form of Object.values(forms)) expect(posted).not.toContain(form);
    expect(posted.split(REDACTED)).toHaveLength(Object.keys(forms).length + 1);
    expect(rt.sink.all()).not.toContain(SECRET);
  });

  it('C3: a secret straddling the 65,536 cut leaves no prefix of itself at the cut', async () => {
    const secret = 'Zq9Vx7LmK3pW8rT2';
    const out = new Outbound(memorySink());
    out.addSecret(secret);
    const prefix = `${markerFor(marker)}\n`;
    // Where the cut falls for one long line: how many filler characters a capped comment keeps.
    const probe = new Outbound(memorySink()).comment('x'.repeat(70_000), prefix);
    const room = /^x*/.exec(probe.slice(prefix.length))![0].length;
    expect(prefix.length + room).toBeLessThan(GITHUB_LIMITS.commentChars);

    // Without the secret registered, this is what the cut would leave: the first 6 characters of it.
    const unprotected = (body: string) =>
      new Outbound(memorySink()).comment(body, prefix).slice(prefix.length);
    const atTheCut = `${'x'.repeat(room - 6)}${secret.slice(0, 6)}\n`;
    const cases = {
      // The whole secret straddles the cut (its first 6 characters before it).
      straddling: `${'x'.repeat(room - 6)}${secret}${'y'.repeat(5_000)}`,
      // Only its first 6 characters are in the text, right where the cut falls: they are dropped too.
      partial: `${'x'.repeat(room - 6)}${secret.slice(0, 6)}${'y'.repeat(5_000)}`,
    };
    for (const [name, body] of Object.entries(cases)) {
      expect({ name, prefixAtCut: unprotected(body).startsWith(atTheCut) }).toEqual({
        name,
        prefixAtCut: true,
      });
      await upsert(body, { out }).result;
      const posted = gh.on(7)[0]!.body;
      expect(posted.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentChars);
      expect(posted).toContain('cut to fit');
      expect(posted.slice(prefix.length).startsWith('x'.repeat(room - 6))).toBe(true);
      for (let n = 4; n <= secret.length; n++)
        expect({ name, n, leaked: posted.includes(secret.slice(0, n)) }).toEqual({ name, n, leaked: false });
    }
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
    const { result, warnings } = upsert('plan', {
      issueNumber: t.target!.issueNumber,
      fromFork: t.target!.fromFork,
    });
    expect(await result).toBeUndefined();
    expect(warnings()[0]).toContain('the token lacks `pull-requests: write` (or `issues: write`) permission');
    expect(warnings()[0]).toContain('This PR comes from a fork');
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
