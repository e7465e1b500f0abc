import { describe, expect, it } from '@jest/globals';
import { decideUpgrade, type GuardInput, type InstalledRelease } from '../../../actions/helm-guard/src/guard';
import { parseSemver } from '../../../actions/helm-guard/src/semver';

const rel = (version: string, over: Partial<InstalledRelease> = {}): InstalledRelease => ({
  name: 'ingress-nginx',
  namespace: 'ingress-nginx',
  chart: 'ingress-nginx',
  version,
  revision: 3,
  status: 'deployed',
  ...over,
});

const input = (pinned: string, installed?: InstalledRelease, over: Partial<GuardInput> = {}): GuardInput => ({
  release: 'ingress-nginx',
  namespace: 'ingress-nginx',
  pinned: parseSemver(pinned)!,
  expectedChart: 'ingress-nginx',
  onDowngrade: 'fail',
  onChartMismatch: 'fail',
  ...(installed ? { installed } : {}),
  ...over,
});

describe('decideUpgrade', () => {
  it('H4: installed 4.14.0, pinned 4.13.0 → downgrade-blocked with an error naming both versions', () => {
    const v = decideUpgrade(input('4.13.0', rel('4.14.0')));
    expect(v.decision).toBe('downgrade-blocked');
    expect(v.shouldUpgrade).toBe(false);
    expect(v.error).toMatch(/4\.14\.0/);
    expect(v.error).toMatch(/4\.13\.0/);
    expect(v.error).toMatch(/on-downgrade/);
  });
  it('H4: on-downgrade skip → downgrade-skipped, no error, should-upgrade false, a warning', () => {
    const v = decideUpgrade(input('4.13.0', rel('4.14.0'), { onDowngrade: 'skip' }));
    expect(v).toMatchObject({ decision: 'downgrade-skipped', shouldUpgrade: false });
    expect(v.error).toBeUndefined();
    expect(v.warnings.join('\n')).toMatch(/not downgrading/);
  });
  it('H4: on-downgrade allow → downgrade-allowed, should-upgrade true, a warning', () => {
    const v = decideUpgrade(input('4.13.0', rel('4.14.0'), { onDowngrade: 'allow' }));
    expect(v).toMatchObject({ decision: 'downgrade-allowed', shouldUpgrade: true });
    expect(v.error).toBeUndefined();
    expect(v.warnings).toHaveLength(1);
  });
  it('H4: 1.13.4 installed, 1.13.10 pinned → upgrade (numeric, not lexical)', () => {
    expect(decideUpgrade(input('1.13.10', rel('1.13.4'))).decision).toBe('upgrade');
    expect(decideUpgrade(input('1.13.4', rel('1.13.10'))).decision).toBe('downgrade-blocked');
  });
  it('H4: prerelease installed (4.13.0-rc.1), release pinned (4.13.0) → upgrade; the reverse is a downgrade', () => {
    expect(decideUpgrade(input('4.13.0', rel('4.13.0-rc.1'))).decision).toBe('upgrade');
    expect(decideUpgrade(input('4.13.0-rc.1', rel('4.13.0'))).decision).toBe('downgrade-blocked');
    expect(decideUpgrade(input('1.0.0-rc.10', rel('1.0.0-rc.2'))).decision).toBe('upgrade');
  });
  it('H4: v prefix on either side compares equal → unchanged', () => {
    expect(decideUpgrade(input('v4.13.0', rel('4.13.0'))).decision).toBe('unchanged');
    expect(decideUpgrade(input('4.13.0', rel('v4.13.0'))).decision).toBe('unchanged');
  });
  it('H1: equal versions → unchanged, still safe to upgrade (values re-apply idempotently)', () => {
    const v = decideUpgrade(input('0.19.1', rel('0.19.1')));
    expect(v).toMatchObject({ decision: 'unchanged', shouldUpgrade: true });
  });
  it('H4: build metadata is ignored but mentioned', () => {
    const v = decideUpgrade(input('1.0.0+b2', rel('1.0.0+b1')));
    expect(v.decision).toBe('unchanged');
    expect(v.reason).toMatch(/build metadata/);
  });
  it('H4: absent → install', () => {
    expect(decideUpgrade(input('4.13.0'))).toMatchObject({ decision: 'install', shouldUpgrade: true });
  });
  it('H4: uninstalled with history kept counts as absent → install', () => {
    const v = decideUpgrade(input('4.13.0', rel('4.14.0', { status: 'uninstalled' })));
    expect(v.decision).toBe('install');
  });
  it.each(['pending-install', 'pending-upgrade', 'pending-rollback'])(
    'H4: status %s → refused with "another Helm operation is in progress" and what to do',
    (status) => {
      const v = decideUpgrade(input('4.13.0', rel('4.12.0', { status })));
      expect(v.decision).toBeUndefined();
      expect(v.shouldUpgrade).toBe(false);
      expect(v.error).toMatch(/^another Helm operation is in progress on ingress-nginx/);
      expect(v.error).toMatch(status === 'pending-install' ? /helm uninstall/ : /helm rollback/);
    },
  );
  it('H4: uninstalling → refused', () => {
    const v = decideUpgrade(input('4.13.0', rel('4.12.0', { status: 'uninstalling' })));
    expect(v.error).toMatch(/being uninstalled/);
    expect(v.shouldUpgrade).toBe(false);
  });
  it('H4: unknown status → refused', () => {
    expect(decideUpgrade(input('4.13.0', rel('4.12.0', { status: 'unknown' }))).error).toMatch(
      /status 'unknown'/,
    );
  });
  it('H1: failed → proceeds with the version check, noting the failure', () => {
    const v = decideUpgrade(input('4.13.0', rel('4.12.0', { status: 'failed' })));
    expect(v.decision).toBe('upgrade');
    expect(v.error).toBeUndefined();
    expect(v.warnings.join('\n')).toMatch(/status failed/);
    // A failed release still cannot be downgraded silently.
    expect(decideUpgrade(input('4.13.0', rel('4.14.0', { status: 'failed' }))).decision).toBe(
      'downgrade-blocked',
    );
  });
  it('H4: chart mismatch fails by default, even when the version would be an upgrade', () => {
    const v = decideUpgrade(input('4.13.0', rel('1.0.0', { chart: 'nginx-ingress' })));
    expect(v.decision).toBeUndefined();
    expect(v.error).toMatch(/runs chart 'nginx-ingress'/);
    expect(v.error).toMatch(/on-chart-mismatch: allow/);
  });
  it('H4: chart mismatch with allow → upgrade (versions of different charts are not compared)', () => {
    const v = decideUpgrade(
      input('4.13.0', rel('9.0.0', { chart: 'nginx-ingress' }), { onChartMismatch: 'allow' }),
    );
    expect(v).toMatchObject({ decision: 'upgrade', shouldUpgrade: true });
    expect(v.warnings.join('\n')).toMatch(/replaced/);
  });
  it('H4: no chart input → chart name not checked', () => {
    const v = decideUpgrade(input('4.13.0', rel('4.12.0', { chart: 'other' }), { expectedChart: undefined }));
    expect(v.decision).toBe('upgrade');
  });
  it('H4: a non-SemVer installed version is refused, never guessed', () => {
    const v = decideUpgrade(input('4.13.0', rel('latest')));
    expect(v.error).toMatch(/not SemVer/);
    expect(v.shouldUpgrade).toBe(false);
  });
  it('pending status wins over a chart mismatch (never touch a busy release)', () => {
    const v = decideUpgrade(
      input('4.13.0', rel('4.12.0', { chart: 'x', status: 'pending-upgrade' }), { onChartMismatch: 'allow' }),
    );
    expect(v.error).toMatch(/in progress/);
  });
});
