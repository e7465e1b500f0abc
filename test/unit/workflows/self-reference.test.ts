// The "Locate Guarded Deploy" step every reusable-workflow job runs before loading our actions: it names the
// repository and commit the reusable workflow itself was loaded from (job.workflow_repository / job.workflow_sha,
// or the OIDC token's job_workflow_* claims), and refuses to go on without them. Run here with bash, as the
// runner runs it, against a loopback stand-in for the OIDC token endpoint.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reusableWorkflows, steps } from './load';

const locate = reusableWorkflows()
  .flatMap((w) => Object.values(w.doc.jobs).flatMap((j) => steps(j)))
  .find((s) => s.id === 'self')!;

const SHA = '0123456789abcdef0123456789abcdef01234567';
const OTHER = 'fedcba9876543210fedcba9876543210fedcba98';

interface Result {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
}

function runLocate(env: Record<string, string>): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-self-'));
  const out = path.join(dir, 'output');
  fs.writeFileSync(out, '');
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', locate.run!],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GITHUB_OUTPUT: out, ...env } },
      (err, stdout) => {
        const outputs = Object.fromEntries(
          fs
            .readFileSync(out, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, outputs });
      },
    );
  });
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
let server: http.Server;
let url = '';
let requests: { url: string; auth: string | undefined }[] = [];
let claims: Record<string, string> = {};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    const jwt = `${b64url({ alg: 'RS256' })}.${b64url(claims)}.c2lnbmF0dXJl`;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ value: jwt }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("Locate Guarded Deploy: our actions come from the reusable workflow's own commit", () => {
  it('reads the JSON job context through env (never pasted into the script)', () => {
    expect(locate.env).toEqual({ JOB_CONTEXT: '${{ toJSON(job) }}' });
    expect(locate.run).not.toContain('${{');
  });

  it('uses job.workflow_repository and job.workflow_sha when the runner provides them', async () => {
    requests = [];
    const r = await runLocate({
      JOB_CONTEXT: JSON.stringify({
        status: 'success',
        workflow_repository: 'acme/guarded-deploy',
        workflow_sha: SHA,
      }),
      ACTIONS_ID_TOKEN_REQUEST_URL: url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
    });
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({ repository: 'acme/guarded-deploy', sha: SHA });
    expect(requests).toEqual([]); // no token requested when the context has the answer
  });

  it("falls back to the OIDC token's job_workflow_ref / job_workflow_sha claims, and masks the token", async () => {
    requests = [];
    claims = {
      job_workflow_ref: 'acme/guarded-deploy/.github/workflows/release-environment.yml@refs/tags/v1',
      job_workflow_sha: OTHER,
      repository: 'caller/app',
    };
    const r = await runLocate({
      JOB_CONTEXT: JSON.stringify({ status: 'success' }),
      ACTIONS_ID_TOKEN_REQUEST_URL: url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
    });
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({ repository: 'acme/guarded-deploy', sha: OTHER });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toContain('audience=guarded-deploy-self');
    expect(requests[0]!.auth).toBe('bearer request-token');
    expect(r.stdout).toMatch(/^::add-mask::\S+\.\S+\.\S+$/m);
  });

  it('refuses (exit 1, one ::error::) when neither source names a commit, instead of loading another one', async () => {
    const r = await runLocate({ JOB_CONTEXT: JSON.stringify({ status: 'success' }) });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toHaveLength(1);
    expect(r.outputs).toEqual({});
  });

  it.each([
    [
      'a branch name instead of a commit',
      { workflow_repository: 'acme/guarded-deploy', workflow_sha: 'main' },
    ],
    ['a short sha', { workflow_repository: 'acme/guarded-deploy', workflow_sha: SHA.slice(0, 7) }],
    ['a repository with a path', { workflow_repository: 'acme/guarded-deploy/../x', workflow_sha: SHA }],
    ['a repository with shell characters', { workflow_repository: 'acme/$(id)', workflow_sha: SHA }],
  ])('L1: refuses %s', async (_l, ctx) => {
    const r = await runLocate({ JOB_CONTEXT: JSON.stringify(ctx) });
    expect(r.code).toBe(1);
    expect(r.outputs).toEqual({});
  });
});
