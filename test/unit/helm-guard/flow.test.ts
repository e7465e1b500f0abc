import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { GuardError, InputError } from '../../../src/errors';
import { REDACTED } from '../../../src/secrets';
import { execHelmRunner, type HelmRunner } from '../../../actions/helm-guard/src/helm-exec';
import {
  deployed,
  DOWNGRADE_BLOCKED_OUTPUTS,
  fakeHelm,
  nginx,
  runGuard,
  ws,
  type FakeState,
  type Run,
} from './fake';

async function guard(state: FakeState, inputs: Record<string, string>, fake = fakeHelm(state)): Promise<Run> {
  const run = await runGuard(inputs, fake.runner);
  return { ...run, fake, calls: fake.calls() };
}

const upgrades = (r: Run) => r.calls.filter((c) => c[0] === 'upgrade');

describe('helm-guard flow against the fake helm', () => {
  it('H4: installed 4.14.0, pinned 4.13.0 → downgrade-blocked, step fails, no upgrade invoked', async () => {
    const r = await guard({ releases: [nginx('4.14.0')] }, { upgrade: 'true' });
    expect(r.error).toBeInstanceOf(GuardError);
    expect(r.error!.message).toMatch(/^H4: .*4\.14\.0.*newer than the pinned 4\.13\.0/);
    expect(r.outputs).toEqual(DOWNGRADE_BLOCKED_OUTPUTS);
    expect(upgrades(r)).toHaveLength(0);
    expect(r.fake.state().releases![0]!.version).toBe('4.14.0');
    expect(r.summary).toMatch(/downgrade-blocked/);
    expect(r.summary).toMatch(/Refused/);
  });

  it('H4: guard-only mode blocks too (outputs set before failing)', async () => {
    const r = await guard({ releases: [nginx('4.14.0')] }, {});
    expect(r.error).toBeInstanceOf(GuardError);
    expect(r.outputs['should-upgrade']).toBe('false');
    expect(r.calls.map((c) => c.slice(0, 2).join(' '))).toEqual(['version --short', 'get metadata']);
  });

  it('H4: on-downgrade skip → succeeds without upgrading, with a warning', async () => {
    const r = await guard({ releases: [nginx('4.14.0')] }, { upgrade: 'true', 'on-downgrade': 'skip' });
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({ decision: 'downgrade-skipped', 'should-upgrade': 'false' });
    expect(upgrades(r)).toHaveLength(0);
    expect(r.log.warnings.join('\n')).toMatch(/not downgrading/);
    expect(r.summary).toMatch(/helm upgrade was not run/);
  });

  it('H4: on-downgrade allow → downgrades with a warning', async () => {
    const r = await guard({ releases: [nginx('4.14.0')] }, { upgrade: 'true', 'on-downgrade': 'allow' });
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({ decision: 'downgrade-allowed', 'should-upgrade': 'true' });
    expect(upgrades(r)).toHaveLength(1);
    expect(r.fake.state().releases![0]!.version).toBe('4.13.0');
    expect(r.log.warnings.join('\n')).toMatch(/downgrading to 4\.13\.0/);
  });

  it('H4: 1.13.4 → 1.13.10 is an upgrade, and the exact upgrade command is run', async () => {
    const controller = 'aws-load-balancer-controller';
    const alb = deployed(controller, 'kube-system', controller, '1.13.4', 7);
    const r = await guard(
      { releases: [alb] },
      {
        release: 'aws-load-balancer-controller',
        namespace: 'kube-system',
        chart: 'eks/aws-load-balancer-controller',
        version: '1.13.10',
        upgrade: 'true',
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({
      decision: 'upgrade',
      'installed-version': '1.13.4',
      'should-upgrade': 'true',
    });
    expect(upgrades(r)).toEqual([
      [
        'upgrade',
        '--install',
        'aws-load-balancer-controller',
        'eks/aws-load-balancer-controller',
        '--version',
        '1.13.10',
        '--namespace',
        'kube-system',
      ],
    ]);
    expect(r.fake.state().releases![0]).toMatchObject({ version: '1.13.10', revision: 8 });
    // L4: the upgrade output is streamed inside a group naming action, release and namespace.
    const g = r.log.lines.findIndex((l) =>
      l.startsWith(
        '::group::helm-guard: release aws-load-balancer-controller (namespace kube-system): helm upgrade',
      ),
    );
    expect(g).toBeGreaterThanOrEqual(0);
    expect(r.log.lines.slice(g).join('\n')).toMatch(/has been upgraded\. Happy Helming!/);
    expect(r.summary).toMatch(/Ran \(succeeded\)/);
    expect(r.summary).toContain(
      'helm upgrade --install aws-load-balancer-controller eks/aws-load-balancer-controller --version 1.13.10 --namespace kube-system',
    );
  });

  it('H4: prerelease ordering: installed 4.13.0-rc.1, pinned 4.13.0 → upgrade; installed 4.13.0, pinned rc → blocked', async () => {
    const up = await guard({ releases: [nginx('4.13.0-rc.1')] }, {});
    expect(up.outputs.decision).toBe('upgrade');
    const down = await guard({ releases: [nginx('4.13.0')] }, { version: '4.13.0-rc.2' });
    expect(down.outputs.decision).toBe('downgrade-blocked');
    expect(down.error).toBeInstanceOf(GuardError);
  });

  it('H4: v prefix on the pin → same version is unchanged; pinned-version is reported without the v', async () => {
    const r = await guard({ releases: [nginx('4.13.0')] }, { version: 'v4.13.0' });
    expect(r.outputs).toMatchObject({
      decision: 'unchanged',
      'pinned-version': '4.13.0',
      'should-upgrade': 'true',
    });
  });

  it('H4: absent release → install (helm upgrade --install creates it)', async () => {
    const r = await guard({ releases: [] }, { upgrade: 'true' });
    expect(r.error).toBeUndefined();
    expect(r.outputs).toEqual({
      'installed-version': '',
      'installed-chart': '',
      'pinned-version': '4.13.0',
      decision: 'install',
      'should-upgrade': 'true',
    });
    expect(upgrades(r)).toHaveLength(1);
    expect(r.log.text()).toMatch(/does not exist\. Installing it now/);
    expect(r.fake.state().releases![0]).toMatchObject({
      name: 'ingress-nginx',
      version: '4.13.0',
      revision: 1,
    });
  });

  it('H4: a release of the same name in another namespace is not this one (namespace always explicit)', async () => {
    const r = await guard({ releases: [nginx('9.0.0', { namespace: 'default' })] }, {});
    expect(r.outputs.decision).toBe('install');
    expect(r.calls[1]).toEqual(['get', 'metadata', 'ingress-nginx', '-n', 'ingress-nginx', '-o', 'json']);
  });

  it.each(['pending-install', 'pending-upgrade', 'pending-rollback', 'uninstalling'])(
    'H4: status %s → fails with a clear error, never a blind upgrade',
    async (status) => {
      const r = await guard({ releases: [nginx('4.12.0', { status })] }, { upgrade: 'true' });
      expect(r.error).toBeInstanceOf(GuardError);
      expect(r.error!.message).toMatch(
        status === 'uninstalling'
          ? /being uninstalled/
          : /^another Helm operation is in progress on ingress-nginx; |^another Helm operation is in progress on ingress-nginx \(/,
      );
      expect(upgrades(r)).toHaveLength(0);
      expect(r.outputs).toMatchObject({ 'should-upgrade': 'false', decision: '' });
    },
  );

  it('H1: failed release → proceeds (noting it) and upgrades', async () => {
    const r = await guard({ releases: [nginx('4.12.0', { status: 'failed' })] }, { upgrade: 'true' });
    expect(r.error).toBeUndefined();
    expect(r.outputs.decision).toBe('upgrade');
    expect(r.log.warnings.join('\n')).toMatch(/status failed/);
    expect(upgrades(r)).toHaveLength(1);
    expect(r.fake.state().releases![0]!.status).toBe('deployed');
  });

  it('H4: chart mismatch fails by default, allow replaces', async () => {
    const state = { releases: [nginx('1.0.0', { chart: 'nginx-ingress' })] };
    const r = await guard(state, { upgrade: 'true' });
    expect(r.error).toBeInstanceOf(GuardError);
    expect(r.error!.message).toMatch(/runs chart 'nginx-ingress'.*chart input is 'ingress-nginx'/);
    expect(upgrades(r)).toHaveLength(0);
    const ok = await guard(state, { upgrade: 'true', 'on-chart-mismatch': 'allow' });
    expect(ok.error).toBeUndefined();
    expect(upgrades(ok)).toHaveLength(1);
  });

  it('H4: older Helm (no get metadata) → falls back to helm list, splits hyphenated names and prerelease versions', async () => {
    const rel = deployed('my-app', 'apps', 'my-chart-2', '1.0.0-rc.1', 2);
    const r = await guard(
      { helmVersion: 'v3.12.3+g3a31588', metadataCommand: false, releases: [rel] },
      { release: 'my-app', namespace: 'apps', chart: 'repo/my-chart-2', version: '1.0.0-rc.10' },
    );
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({
      'installed-chart': 'my-chart-2',
      'installed-version': '1.0.0-rc.1',
      decision: 'upgrade',
    });
    expect(r.calls[2]).toEqual(['list', '-n', 'apps', '--filter', '^my-app$', '--all', '-o', 'json']);
    expect(r.result!.source).toMatch(/helm list/);
    expect(r.log.text()).toMatch(/Source: helm list \(fallback for Helm < 3\.13\)/);
    // Summary cells are Markdown-escaped: `(` is written `\(`.
    expect(r.summary).toMatch(/helm list \\\(fallback/);
  });

  it('H4: older Helm fallback without a chart input still splits `name-version` correctly', async () => {
    const r = await guard(
      { metadataCommand: false, releases: [nginx('4.14.0-beta.2')] },
      { chart: '', version: '4.13.0' },
    );
    expect(r.outputs).toMatchObject({
      'installed-chart': 'ingress-nginx',
      'installed-version': '4.14.0-beta.2',
    });
    expect(r.outputs.decision).toBe('downgrade-blocked');
  });

  it('L1: release names with regex metacharacters are escaped in --filter (a dot matches only a dot)', async () => {
    const r = await guard(
      {
        metadataCommand: false,
        releases: [
          // Would match an unescaped ^my.app$ and is newer: a wrong match would block.
          {
            name: 'myxapp',
            namespace: 'apps',
            chart: 'app',
            version: '9.0.0',
            revision: 1,
            status: 'deployed',
          },
          {
            name: 'my.app',
            namespace: 'apps',
            chart: 'app',
            version: '1.0.0',
            revision: 1,
            status: 'deployed',
          },
        ],
      },
      { release: 'my.app', namespace: 'apps', chart: 'repo/app', version: '1.1.0' },
    );
    expect(r.calls[2]).toContain('^my\\.app$');
    expect(r.outputs).toMatchObject({ 'installed-version': '1.0.0', decision: 'upgrade' });
  });

  it.each(['x; rm -rf /', '--set=evil', '../', '$(touch /tmp/pwned)', 'a`id`'])(
    'L1: malicious release name %j is rejected before helm runs (invocation log stays empty)',
    async (release) => {
      const r = await guard({ releases: [nginx('4.12.0')] }, { release, upgrade: 'true' });
      expect(r.error).toBeInstanceOf(InputError);
      expect(r.error!.message).toMatch(/not a valid Helm release name/);
      expect(r.calls).toEqual([]);
      expect(r.outputs).toEqual({});
    },
  );

  it('C3: set-secret value is never printed (log, warnings, outputs, summary, errors), even when helm echoes it', async () => {
    const secret = 'pa55,w0rd-Do-Not-Print';
    const r = await guard(
      { releases: [nginx('4.12.0')], upgrade: { notesEchoValues: true } },
      {
        upgrade: 'true',
        values: 'values.yaml',
        set: 'controller.replicaCount=2',
        'set-secret': `controller.admissionWebhooks.token=${secret}`,
        atomic: 'true',
        wait: 'true',
        timeout: '10m',
        'extra-args': '--description\ndeployed by CI',
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.masked).toContain(secret);
    // helm got the real value (escaped for --set-string so the comma stays literal)...
    const up = upgrades(r)[0]!;
    expect(up).toContain('controller.admissionWebhooks.token=pa55\\,w0rd-Do-Not-Print');
    expect(up).toEqual(
      expect.arrayContaining([
        '--values',
        path.join(ws, 'values.yaml'),
        '--set',
        'controller.replicaCount=2',
        '--atomic',
        '--wait',
        '--timeout',
        '10m',
        '--description',
        'deployed by CI',
      ]),
    );
    // ...but nothing we printed or wrote contains it in any form.
    const all = r.all();
    for (const form of [secret, 'pa55\\,w0rd-Do-Not-Print', 'pa55', 'w0rd-Do-Not-Print'])
      expect(all).not.toContain(form);
    expect(all).toContain(`controller.admissionWebhooks.token=${REDACTED}`);
    expect(r.log.text()).toContain(`configured controller.admissionWebhooks.token=${REDACTED}`);
  });

  it('H1: re-run after an upgrade sees the new version → unchanged (the pin holds)', async () => {
    const fake = fakeHelm({ releases: [nginx('4.12.0')] });
    const first = await guard({}, { upgrade: 'true' }, fake);
    expect(first.outputs.decision).toBe('upgrade');
    const second = await guard({}, {}, fake);
    expect(second.error).toBeUndefined();
    expect(second.outputs).toMatchObject({ decision: 'unchanged', 'installed-version': '4.13.0' });
    // Guard-only re-run made no further upgrade.
    expect(upgrades(second)).toHaveLength(1);
  });

  it('H1: a failing helm upgrade fails the step with helm exit code, after writing the summary', async () => {
    const r = await guard(
      {
        releases: [nginx('4.12.0')],
        upgrade: { exitCode: 1, stderr: 'Error: UPGRADE FAILED: timed out waiting for the condition' },
      },
      { upgrade: 'true' },
    );
    expect(r.error!.message).toMatch(
      /helm upgrade failed for release 'ingress-nginx' in namespace 'ingress-nginx' \(exit 1\)/,
    );
    expect(r.log.text()).toMatch(/\[stderr\] Error: UPGRADE FAILED/);
    expect(r.summary).toMatch(/Ran \(failed \(exit 1\)\)/);
    expect(r.fake.state().releases![0]!.version).toBe('4.12.0');
  });

  it('kube-context is used for the read and the upgrade alike', async () => {
    const r = await guard({ releases: [nginx('4.12.0')] }, { upgrade: 'true', 'kube-context': 'prod-eks' });
    const withCtx = r.calls.filter((c) => c.includes('--kube-context'));
    expect(withCtx.map((c) => c[0])).toEqual(['get', 'upgrade']);
    for (const c of withCtx) expect(c[c.indexOf('--kube-context') + 1]).toBe('prod-eks');
  });

  it('helm missing → one clear error', async () => {
    const r = await runGuard({}, execHelmRunner(path.join(ws, 'no-such-helm')));
    expect(r.error?.message).toMatch(/^Could not run helm .*Install Helm 3\.13\+/);
  });

  it('unexpected helm get metadata error is reported, not treated as "not installed"', async () => {
    const calls: string[][] = [];
    const runner: HelmRunner = async (args) => {
      calls.push(args);
      return args[0] === 'get'
        ? { exitCode: 1, stdout: '', stderr: 'Error: Kubernetes cluster unreachable: connection refused' }
        : { exitCode: 0, stdout: 'v3.14.4\n', stderr: '' };
    };
    const r = await runGuard({ upgrade: 'true' }, runner);
    expect(r.error?.message).toMatch(/helm get metadata failed .*cluster unreachable/);
    expect(calls.some((c) => c[0] === 'upgrade')).toBe(false);
  });
});
