import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REDACTED } from '../../src/secrets';
import { runDist } from '../helpers/dist';
import { base, DOWNGRADE_BLOCKED_OUTPUTS, nginx } from '../unit/helm-guard/fake';

const fakeDir = path.resolve('test/helpers/fake-helm');

interface Fake {
  env: Record<string, string>;
  calls(): string[][];
  state(): { releases: { name: string; version: string; revision: number }[] };
}

function fake(state: object): Fake {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-dist-fake-helm-'));
  const FAKE_HELM_STATE = path.join(dir, 'state.json');
  const FAKE_HELM_LOG = path.join(dir, 'calls.jsonl');
  fs.writeFileSync(FAKE_HELM_STATE, JSON.stringify(state));
  return {
    env: { PATH: `${fakeDir}:${process.env.PATH}`, FAKE_HELM_STATE, FAKE_HELM_LOG },
    calls: () =>
      fs.existsSync(FAKE_HELM_LOG)
        ? fs
            .readFileSync(FAKE_HELM_LOG, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as string[])
        : [],
    state: () => JSON.parse(fs.readFileSync(FAKE_HELM_STATE, 'utf8')),
  };
}

/** Lines the runner would print (add-mask commands are consumed by the runner, never shown). */
const visible = (text: string) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

describe('dist/helm-guard (the committed bundle, as the runner runs it)', () => {
  it('H4: guard-only, installed 4.14.0, pinned 4.13.0 → exit 1, downgrade-blocked, no upgrade invoked', async () => {
    const f = fake({ releases: [nginx('4.14.0')] });
    const r = await runDist('helm-guard', base, { env: f.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::H4: release 'ingress-nginx' in namespace 'ingress-nginx' runs chart ingress-nginx 4\.14\.0/);
    expect(r.outputs).toEqual(DOWNGRADE_BLOCKED_OUTPUTS);
    expect(r.summary).toMatch(/### helm-guard: ingress-nginx in ingress-nginx/);
    expect(r.summary).toMatch(/downgrade-blocked/);
    expect(f.calls()).toEqual([
      ['version', '--short'],
      ['get', 'metadata', 'ingress-nginx', '-n', 'ingress-nginx', '-o', 'json'],
    ]);
  });

  it('H4: guard-only, older installed → exit 0, should-upgrade=true, helm upgrade not run by the guard', async () => {
    const f = fake({ releases: [nginx('4.12.0')] });
    const r = await runDist('helm-guard', base, { env: f.env });
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ decision: 'upgrade', 'should-upgrade': 'true', 'installed-version': '4.12.0' });
    expect(r.summary).toMatch(/Guard only \(upgrade: false\); should-upgrade=true/);
    expect(f.calls().some((c) => c[0] === 'upgrade')).toBe(false);
  });

  it('H4 + H1 + C3: upgrade: true runs helm upgrade --install once; a re-run is unchanged; the secret never shows', async () => {
    const f = fake({ releases: [nginx('4.12.0')], upgrade: { notesEchoValues: true } });
    const secret = 'dist-S3cret-Token-42';
    const inputs = {
      ...base,
      upgrade: 'true',
      set: 'controller.replicaCount=2',
      'set-secret': `controller.token=${secret}`,
      wait: 'true',
      timeout: '5m',
    };
    const r = await runDist('helm-guard', inputs, { env: { ...f.env, RUNNER_DEBUG: '1' } });
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ decision: 'upgrade', 'should-upgrade': 'true', 'pinned-version': '4.13.0' });
    const up = f.calls().filter((c) => c[0] === 'upgrade');
    expect(up).toEqual([
      [
        'upgrade',
        '--install',
        'ingress-nginx',
        'ingress-nginx/ingress-nginx',
        '--version',
        '4.13.0',
        '--namespace',
        'ingress-nginx',
        '--set',
        'controller.replicaCount=2',
        '--set-string',
        `controller.token=${secret}`,
        '--wait',
        '--timeout',
        '5m',
      ],
    ]);
    // L4: streamed inside a named group.
    expect(r.stdout).toMatch(
      /::group::helm-guard: release ingress-nginx \(namespace ingress-nginx\): helm upgrade --install ingress-nginx 4\.13\.0/,
    );
    expect(r.stdout).toMatch(/Release "ingress-nginx" has been upgraded\. Happy Helming!/);
    expect(r.summary).toMatch(/Ran \(succeeded\)/);
    expect(r.summary).toContain(`--set-string controller.token=${REDACTED} --wait --timeout 5m`);
    // C3: the runner was told to mask it, and nothing visible contains it (also with RUNNER_DEBUG=1).
    expect(r.stdout).toContain(`::add-mask::${secret}`);
    expect(visible(r.all)).not.toContain(secret);
    expect(f.state().releases[0]).toMatchObject({ version: '4.13.0', revision: 4 });

    const again = await runDist('helm-guard', base, { env: f.env });
    expect(again.code).toBe(0);
    expect(again.outputs).toMatchObject({ decision: 'unchanged', 'installed-version': '4.13.0' });
    expect(f.calls().filter((c) => c[0] === 'upgrade')).toHaveLength(1);
  });

  it('W1: chart NOTES and helm warnings cannot issue workflow commands through the bundle', async () => {
    const payloads = [
      '::add-mask::x',
      '::stop-commands::tok',
      ' ::set-output name=a::b',
      '\u0085::warning::x',
      '##[set-output name=a;]b',
    ];
    const f = fake({ releases: [nginx('4.12.0')], upgrade: { notes: payloads, warnings: payloads } });
    const r = await runDist('helm-guard', { ...base, upgrade: 'true' }, { env: f.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('stop-commands::tok'); // shown, defused
    const lines = r.stdout.split(/\r\n|\r|\n/);
    const forged = lines.filter(
      (l) => /^[\s\u0085\u180e\u200b-\u200d\u2060\ufeff]*::(add-mask|stop-commands|set-output|warning)::?/.test(l) || l.includes('##['),
    );
    expect(forged).toEqual([]);
    expect(r.outputs).toEqual({
      'installed-version': '4.12.0',
      'installed-chart': 'ingress-nginx',
      'pinned-version': '4.13.0',
      decision: 'upgrade',
      'should-upgrade': 'true',
    });
  });

  it('H4: upgrade: true with on-downgrade skip → exit 0, no upgrade, warning', async () => {
    const f = fake({ releases: [nginx('4.14.0')] });
    const r = await runDist('helm-guard', { ...base, upgrade: 'true', 'on-downgrade': 'skip' }, { env: f.env });
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ decision: 'downgrade-skipped', 'should-upgrade': 'false' });
    expect(r.stdout).toMatch(/::warning::.*not downgrading \(on-downgrade: skip\)/);
    expect(f.calls().some((c) => c[0] === 'upgrade')).toBe(false);
  });

  it('H4: absent → install with upgrade: true; helm exit code decides the step', async () => {
    const f = fake({ releases: [] });
    const r = await runDist('helm-guard', { ...base, upgrade: 'true' }, { env: f.env });
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ decision: 'install', 'installed-version': '' });
    expect(f.state().releases[0]).toMatchObject({ name: 'ingress-nginx', version: '4.13.0' });

    const broken = fake({ releases: [], upgrade: { exitCode: 1, stderr: 'Error: INSTALLATION FAILED: boom' } });
    const b = await runDist('helm-guard', { ...base, upgrade: 'true' }, { env: broken.env });
    expect(b.code).toBe(1);
    expect(b.stdout).toMatch(/::error::helm upgrade failed for release 'ingress-nginx' in namespace 'ingress-nginx' \(exit 1\)/);
  });

  it('H4: pending-upgrade → exit 1 with "another Helm operation is in progress"', async () => {
    const f = fake({ releases: [{ ...nginx('4.12.0'), status: 'pending-upgrade' }] });
    const r = await runDist('helm-guard', { ...base, upgrade: 'true' }, { env: f.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::another Helm operation is in progress on ingress-nginx/);
    expect(f.calls().some((c) => c[0] === 'upgrade')).toBe(false);
  });

  it('L1: malicious release name → exit 1, one error line, helm never invoked', async () => {
    const f = fake({ releases: [nginx('4.12.0')] });
    const r = await runDist('helm-guard', { ...base, release: 'x; rm -rf /', upgrade: 'true' }, { env: f.env });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/not a valid Helm release name/);
    expect(f.calls()).toEqual([]);
    expect(r.outputs).toEqual({});
  });
});

describe('dist/helm-guard: deadlines, paths and error lines', () => {
  it('T1: a hanging helm upgrade is stopped at helm-timeout-minutes through the bundle; one error line names the command', async () => {
    const f = fake({ releases: [nginx('4.12.0')], upgrade: { sleepMs: 60_000 } });
    const started = Date.now();
    const r = await runDist('helm-guard', { ...base, upgrade: 'true', 'helm-timeout-minutes': '0.05' }, { env: f.env });
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^::error::helm upgrade did not finish within 0\.05 minute\(s\) \(helm-timeout-minutes\) and was stopped: stopped pid \d+ \(SIGTERM\)\. The release may be left pending-upgrade/,
    );
    expect(f.state().releases[0]).toMatchObject({ version: '4.12.0' });
  }, 30_000);

  describe('X1: a chart or values file that is a symbolic link out of the workspace is refused before helm runs', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-dist-helm-outside-'));
    fs.mkdirSync(path.join(outside, 'evil'));
    fs.writeFileSync(path.join(outside, 'evil', 'Chart.yaml'), 'apiVersion: v2\nname: ingress-nginx\nversion: 4.13.0\n');
    fs.writeFileSync(path.join(outside, 'values.yaml'), 'stolen: true\n');
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-dist-helm-ws-'));
    fs.mkdirSync(path.join(ws, 'charts'));
    fs.symlinkSync(path.join(outside, 'evil'), path.join(ws, 'charts', 'ingress-nginx'));
    fs.symlinkSync(path.join(outside, 'values.yaml'), path.join(ws, 'values.yaml'));
    fs.symlinkSync(outside, path.join(ws, 'linked'));

    it.each([
      ['chart', { chart: 'charts/ingress-nginx' }, /^::error::Input 'chart' must be a path inside the workspace .* symbolic link/],
      ['chart under a linked folder', { chart: './linked/evil' }, /^::error::Input 'chart' must be a path inside the workspace .* symbolic link/],
      ['values', { values: 'values.yaml' }, /^::error::Input 'values' must be a path inside the workspace .* symbolic link/],
    ])('X1: %s → exit 1, one error line, zero helm calls', async (_name, inputs, message) => {
      const f = fake({ releases: [nginx('4.12.0')] });
      const r = await runDist('helm-guard', { ...base, upgrade: 'true', ...inputs }, { env: f.env, cwd: ws });
      expect(r.code).toBe(1);
      const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(f.calls()).toEqual([]);
      expect(r.outputs).toEqual({});
    });
  });

  it('C3: --debug with set-secret is refused through the bundle (one error line, helm never runs)', async () => {
    const f = fake({ releases: [nginx('4.12.0')] });
    const r = await runDist(
      'helm-guard',
      { ...base, upgrade: 'true', 'set-secret': 'auth.token=dist-S3cret', 'extra-args': '--debug' },
      { env: f.env },
    );
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/'--debug' while 'set-secret' is given/);
    expect(f.calls()).toEqual([]);
  });

  it.each([
    ['the guard refused (downgrade)', { releases: [nginx('4.14.0')] }],
    ['helm upgrade failed', { releases: [nginx('4.12.0')], upgrade: { exitCode: 1, stderr: 'Error: UPGRADE FAILED: boom' } }],
  ])('one ::error:: line per failed step: %s', async (_name, state) => {
    const f = fake(state);
    const r = await runDist('helm-guard', { ...base, upgrade: 'true' }, { env: f.env });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toHaveLength(1);
  });
});
