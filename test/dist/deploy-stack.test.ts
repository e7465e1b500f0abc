/**
 * The committed bundle dist/deploy-stack/index.js, run as the runner runs it (INPUT_* env, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files), against moto — this is what catches bundling mistakes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runDist, type DistRun } from '../helpers/dist';
import { motoEnv, uniqueName } from '../helpers/moto';
import { start, type GitHubStub } from '../helpers/github-stub';

const SECRET = 'Dist-S3cret-9f8e7d';
let ws: string;

beforeAll(() => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-dist-ws-'));
  fs.copyFileSync('examples/templates/demo.yaml', path.join(ws, 'demo.yaml'));
});

/** Everything the action wrote, except the ::add-mask:: commands (the runner consumes those). */
function visible(r: DistRun): string {
  return r.all
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

function deploy(inputs: Record<string, string>, env: Record<string, string> = {}) {
  return runDist('deploy-stack', { template: 'demo.yaml', ...inputs }, { cwd: ws, env: { ...motoEnv(), RUNNER_DEBUG: '1', ...env } });
}

describe('dist/deploy-stack', () => {
  it('C3/M1: create, no-op re-run and update; the NoEcho secret appears in no stream, output or summary (RUNNER_DEBUG=1)', async () => {
    const name = uniqueName('dist-demo');
    const first = await deploy({ name, 'parameter-overrides': `ApiToken=${SECRET},Release=v1`, environment: 'demo' });
    expect(first.stderr).not.toMatch(/::error::/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`::add-mask::${SECRET}`);
    expect(first.stdout.indexOf(`::add-mask::${SECRET}`)).toBeLessThan(first.stdout.indexOf('Stack '));
    expect(first.stdout).toContain('::debug::');
    expect(first.outputs['has-changes']).toBe('true');
    expect(first.outputs['stack-status']).toBe('CREATE_COMPLETE');
    expect(JSON.parse(first.outputs.outputs as string)).toEqual({ ReleaseParameterName: `/guarded-deploy/${name}/release`, Release: 'v1' });
    expect(first.outputs.Release).toBe('v1');
    expect(first.summary).toMatch(/Stack created/);
    expect(first.summary).toMatch(/2 to add/);

    const second = await deploy({ name, 'parameter-overrides': `ApiToken=${SECRET},Release=v1` });
    expect(second.code).toBe(0);
    expect(second.outputs['has-changes']).toBe('false');
    expect(second.summary).toMatch(/No changes/);

    const third = await deploy({ name, 'parameter-overrides': `ApiToken=${SECRET},Release=v2` });
    expect(third.code).toBe(0);
    expect(third.outputs['stack-status']).toBe('UPDATE_COMPLETE');
    expect(third.outputs.Release).toBe('v2');

    for (const r of [first, second, third]) expect(visible(r)).not.toContain(SECRET);
    // M4: nothing is exported to later steps' environment.
    for (const r of [first, second, third]) expect(r.exportedEnv).toBe('');
  });

  it('L1: bad input → one ::error:: line, exit 1, no AWS call', async () => {
    const r = await deploy({ name: '../../etc/passwd' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/not a valid stack name/);
  });

  describe('plan in a pull request', () => {
    let gh: GitHubStub;
    let eventPath: string;
    beforeAll(async () => {
      gh = await start();
      eventPath = path.join(ws, 'event.json');
      fs.writeFileSync(
        eventPath,
        JSON.stringify({
          pull_request: { number: 12, head: { repo: { full_name: 'acme/infra' } }, base: { repo: { full_name: 'acme/infra' } } },
          repository: { full_name: 'acme/infra' },
        }),
      );
    });
    afterAll(async () => gh.stop());

    it('create-only twice → exactly one sticky comment, updated in place, without the secret', async () => {
      const name = uniqueName('dist-plan');
      const env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'acme/infra', GITHUB_API_URL: gh.url, GITHUB_SHA: '0123456789abcdef' };
      const inputs = { name, mode: 'create-only', environment: 'staging', 'github-token': 'ghs_dist_token', 'parameter-overrides': `ApiToken=${SECRET}` };
      const a = await deploy({ ...inputs, 'change-set-name': 'plan-a' }, env);
      const b = await deploy({ ...inputs, 'change-set-name': 'plan-b' }, env);
      expect(a.code).toBe(0);
      expect(b.code).toBe(0);
      expect(a.outputs['change-set-name']).toBe('plan-a');
      const comments = gh.on(12);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toMatch(/plan-b/);
      expect(comments[0]!.body).toMatch(/2 to add/);
      expect(comments[0]!.body).not.toContain(SECRET);
      expect(visible(b)).not.toContain('ghs_dist_token');
    });

    it('L2: a token without pull-requests: write → warning, deploy result unaffected', async () => {
      gh.failWith(403, 'POST');
      try {
        const r = await deploy(
          { name: uniqueName('dist-403'), mode: 'create-only', 'github-token': 'ghs_x', 'parameter-overrides': `ApiToken=${SECRET}` },
          { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'acme/infra', GITHUB_API_URL: gh.url },
        );
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/::warning::.*pull-requests: write/);
      } finally {
        gh.failWith(undefined);
      }
    });
  });
});
