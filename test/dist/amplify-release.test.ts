// Runs the committed bundle (dist/amplify-release/index.js) as a process, exactly as the runner does, against a
// loopback Amplify stub (moto has no Amplify API). Rebuild with `node scripts/package.mjs amplify-release` first.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { escapeMarkdown } from '../../src/escape';
import { runDist, type DistRun } from '../helpers/dist';
import { startAmplifyStub, type AmplifyStub } from '../helpers/amplify-stub';

const APP_ID = 'd2stubapp01';
const BRANCH = 'release/demo';
const SECRET = 'Sup3r-Secret-Dist-Value-81';
const SHA = '0123456789abcdef0123456789abcdef01234567';

let stub: AmplifyStub;

beforeEach(async () => {
  stub = await startAmplifyStub({ pageSize: 2, pollsToFinish: 2 });
});
afterEach(async () => {
  await stub.close();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_AMPLIFY: stub.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'example/web',
    GITHUB_RUN_ID: '4242',
    GITHUB_SHA: SHA,
    ...extra,
  };
}

const inputs = {
  'app-id': APP_ID,
  branch: BRANCH,
  'environment-variables': `API_URL=https://api.example.com\nDB_PASSWORD=${SECRET}`,
};

/** What a person sees: everything except the ::add-mask:: commands the runner consumes and never prints. */
function visible(run: DistRun): string {
  return run.all
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

describe('dist: amplify-release', () => {
  it('C1/H5: first deploy writes env vars (null map merged), starts one RELEASE and polls until SUCCEED', async () => {
    stub.addApp(APP_ID, null);
    stub.addBranch(APP_ID, BRANCH, null);
    const run = await runDist('amplify-release', inputs, { env: env() });
    expect(run.stderr).not.toMatch(/Error(?!.*NodeVersionSupport)|::error/);
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({
      started: 'true',
      reason: 'started: branch `release/demo` has no successful job yet (first deploy).',
      'job-id': '1',
      'job-status': 'SUCCEED',
      'env-changed': 'true',
    });
    const ops = stub.calls.map((c) => c.op);
    expect(ops.slice(0, 5)).toEqual(['GetApp', 'GetBranch', 'UpdateBranch', 'ListJobs', 'StartJob']);
    expect(ops.slice(5).every((o) => o === 'GetJob')).toBe(true);
    expect(ops.filter((o) => o === 'GetJob').length).toBe(3);
    expect(ops).not.toContain('UpdateApp');
    // REST paths as the SDK serializes them: branch name URL-encoded
    expect(stub.ops('GetBranch')[0]!.rawPath).toBe(`/apps/${APP_ID}/branches/release%2Fdemo`);
    expect(stub.ops('StartJob')[0]!.rawPath).toBe(`/apps/${APP_ID}/branches/release%2Fdemo/jobs`);
    expect(stub.ops('GetJob')[0]!.rawPath).toBe(`/apps/${APP_ID}/branches/release%2Fdemo/jobs/1`);
    expect(stub.ops('UpdateBranch')[0]!.body).toEqual({
      environmentVariables: { API_URL: 'https://api.example.com', DB_PASSWORD: SECRET },
    });
    expect(stub.ops('StartJob')[0]!.body).toEqual({
      jobType: 'RELEASE',
      jobReason: 'Guarded Deploy amplify-release: https://github.com/example/web/actions/runs/4242',
    });
    expect(run.stdout).toContain('job 1 step BUILD: RUNNING');
    expect(run.stdout).toContain('::group::amplify-release: app d2stubapp01 branch release/demo (us-east-1): release');
    // A summary cell escapes Markdown (DB\_PASSWORD), as renderTable writes every cell.
    expect(run.summary).toContain(`| ${escapeMarkdown('DB_PASSWORD')} | added |`);
    expect(visible(run)).not.toContain(SECRET);
  });

  it('H1: a re-run after success writes nothing and starts nothing', async () => {
    stub.addApp(APP_ID, null);
    stub.addBranch(APP_ID, BRANCH, null);
    const first = await runDist('amplify-release', inputs, { env: env() });
    expect(first.code).toBe(0);
    const before = stub.calls.length;
    const second = await runDist('amplify-release', inputs, { env: env() });
    expect(second.code).toBe(0);
    const ops = stub.calls.slice(before).map((c) => c.op);
    expect(ops).toEqual(['GetApp', 'GetBranch', 'ListJobs']);
    expect(second.outputs).toEqual({
      started: 'false',
      reason: 'skipped: branch `release/demo` already has successful job 1 (commit HEAD); set release: always to force.',
      'job-id': '1',
      'job-status': 'SUCCEED',
      'env-changed': 'false',
    });
  });

  it('C1: on-new-commit follows nextToken to find the successful job on page 2 and skips for the same commit', async () => {
    stub.addApp(APP_ID, {});
    const b = stub.addBranch(APP_ID, BRANCH, {});
    const job = (jobId: string, status: string, commitId: string) => ({
      jobId,
      status,
      commitId,
      jobType: 'RELEASE',
      startTime: Date.UTC(2025, 0, Number(jobId)),
      pollsLeft: 0,
      finalStatus: 'SUCCEED' as const,
    });
    b.jobs.push(job('1', 'SUCCEED', SHA), job('2', 'FAILED', 'aaaaaaa'), job('3', 'CANCELLED', 'bbbbbbb'));
    const run = await runDist('amplify-release', { 'app-id': APP_ID, branch: BRANCH, release: 'on-new-commit' }, { env: env() });
    expect(run.code).toBe(0);
    const lists = stub.ops('ListJobs');
    expect(lists).toHaveLength(2);
    expect(lists[1]!.query.nextToken).toBe('2');
    expect(stub.ops('StartJob')).toHaveLength(0);
    expect(run.outputs.started).toBe('false');
    expect(run.outputs.reason).toContain('commit 0123456 is already deployed');
  });

  it('C3: the secret value never appears in anything the runner would show, with RUNNER_DEBUG=1, even on failure', async () => {
    stub = await (async () => {
      await stub.close();
      return startAmplifyStub({ pollsToFinish: 1, finalStatus: 'FAILED' });
    })();
    stub.addApp(APP_ID, null);
    stub.addBranch(APP_ID, BRANCH, { EXISTING_TOKEN: 'stored-token-value-55' });
    const run = await runDist(
      'amplify-release',
      { ...inputs, 'secret-keys': 'API_URL' },
      { env: env({ RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' }) },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Amplify job 1 on app d2stubapp01 branch `release\/demo` \(us-east-1\) ended FAILED at step BUILD/);
    expect(run.stdout).toContain('::debug::Current branch environment variable keys: EXISTING_TOKEN.');
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toHaveLength(1);
    for (const s of [SECRET, 'https://api.example.com', 'stored-token-value-55']) {
      expect(visible(run)).not.toContain(s);
      expect(run.stdout).toContain(`::add-mask::${s}`); // registered with the runner
    }
    // the masks come before any other output line
    const lines = run.stdout.split('\n').filter(Boolean);
    const firstOther = lines.findIndex((l) => !l.startsWith('::add-mask::'));
    expect(lines.slice(0, firstOther).join('\n')).toContain(SECRET);
  });

  it('L1: bad input exits 1 with one error line and makes zero calls', async () => {
    stub.addApp(APP_ID, null);
    const run = await runDist('amplify-release', { 'app-id': APP_ID, branch: 'bad branch' }, { env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toHaveLength(1);
    expect(stub.calls).toHaveLength(0);
  });

  it('missing branch: one clear error naming app id, branch and region', async () => {
    stub.addApp(APP_ID, null);
    const run = await runDist('amplify-release', { 'app-id': APP_ID, branch: 'release/prod' }, { env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error::Branch `release/prod` was not found in Amplify app d2stubapp01 in region us-east-1',
    );
    expect(stub.ops('UpdateBranch', 'UpdateApp', 'StartJob')).toHaveLength(0);
  });
});
