// helm-guard against a helm that hangs (T1: every helm process has a deadline) and a helm told to print the
// rendered values (C3: --debug/-v/--dry-run next to set-secret; every form helm prints a value in is redacted).
import { describe, expect, it } from '@jest/globals';
import { InputError, TimeoutError } from '../../../src/errors';
import { mapInputs } from '../../../src/inputs';
import { helmPrintedForms } from '../../../actions/helm-guard/src/helm';
import { parseInputs } from '../../../actions/helm-guard/src/inputs';
import { realHelm, runHelmGuardWith } from '../../../actions/helm-guard/src/run';
import { findLeak } from '../../helpers/leaks';
import { fakeRuntime } from '../../helpers/runtime';
import { base, fakeHelm, nginx, runGuard, ws } from './fake';

const parse = (inputs: Record<string, string>) =>
  parseInputs(mapInputs({ ...base, ...inputs }), { workspace: ws });

describe('T1: every helm process has a deadline and is stopped past it', () => {
  it('T1: a hanging helm upgrade is stopped at helm-timeout-minutes (SIGTERM) and the failure names `helm upgrade`', async () => {
    const fake = fakeHelm({ releases: [nginx('4.12.0')], upgrade: { sleepMs: 60_000 } });
    const rt = fakeRuntime({
      action: 'helm-guard',
      // 0.05 minutes = 3 s of real time: helm is a real process.
      inputs: { ...base, upgrade: 'true', 'helm-timeout-minutes': '0.05' },
      env: { ...fake.pathEnv, GITHUB_WORKSPACE: ws },
    });
    const started = Date.now();
    const error = await runHelmGuardWith(rt, realHelm).catch((e: unknown) => e);
    const tookMs = Date.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(
      /^helm upgrade did not finish within 0\.05 minute\(s\) \(helm-timeout-minutes\) and was stopped: stopped pid \d+ \(SIGTERM\)\. The release may be left pending-upgrade or pending-install: check 'helm history ingress-nginx -n ingress-nginx' before re-running\.$/,
    );
    expect(tookMs).toBeGreaterThanOrEqual(2_900);
    expect(tookMs).toBeLessThan(10_000);
    // It was really stopped: the release was never written.
    expect(fake.state().releases![0]!.version).toBe('4.12.0');
  }, 20_000);

  it('T1: a helm that ignores SIGTERM is killed (SIGKILL after the grace)', async () => {
    const fake = fakeHelm({ releases: [nginx('4.12.0')], ignoreSigterm: true, upgrade: { sleepMs: 60_000 } });
    const helm = fake.runnerWithOptions({ deadlineMs: 1_000, killGraceMs: 500 });
    const started = Date.now();
    const run = await runGuard({ upgrade: 'true' }, helm);
    expect(run.error).toBeInstanceOf(TimeoutError);
    expect(run.error!.message).toMatch(
      /^helm upgrade did not finish within 1 s and was stopped: killed pid \d+ \(SIGKILL after 0\.5 s\)\./,
    );
    expect(Date.now() - started).toBeLessThan(8_000);
    // The one error line says which command timed out.
    const errors = run.rt.sink.commands.filter((command) => command.name === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^helm upgrade did not finish/);
  }, 20_000);

  it('T1: a read that never answers (helm get metadata) is stopped too, before any upgrade', async () => {
    const fake = fakeHelm({ releases: [nginx('4.12.0')], readSleepMs: 60_000 });
    const run = await runGuard({ upgrade: 'true' }, fake.runnerWithOptions({ deadlineMs: 800 }));
    expect(run.error).toBeInstanceOf(TimeoutError);
    expect(run.error!.message).toMatch(/^helm get metadata did not finish within 0\.8 s and was stopped/);
    expect(fake.calls().map((call) => call[0])).toEqual(['version', 'get']);
  }, 20_000);

  it('T1: the deadline defaults to 20 minutes, or helm --timeout (twice with --atomic) plus 5 minutes when longer', () => {
    expect(parse({}).helmTimeoutMs).toBe(20 * 60_000);
    expect(parse({ upgrade: 'true', timeout: '30m' }).helmTimeoutMs).toBe(35 * 60_000);
    expect(parse({ upgrade: 'true', timeout: '30m', atomic: 'true' }).helmTimeoutMs).toBe(65 * 60_000);
    expect(parse({ upgrade: 'true', 'extra-args': '--timeout\n1h' }).helmTimeoutMs).toBe(65 * 60_000);
    expect(parse({ upgrade: 'true', 'extra-args': '--timeout=40m\n--atomic' }).helmTimeoutMs).toBe(
      85 * 60_000,
    );
    expect(parse({ 'helm-timeout-minutes': '7.5' }).helmTimeoutMs).toBe(450_000);
  });

  it.each([
    [{ 'helm-timeout-minutes': '0' }, /between 0\.05 and 360/],
    [{ 'helm-timeout-minutes': 'soon' }, /between 0\.05 and 360, got 'soon'/],
    [
      { upgrade: 'true', timeout: '10m', 'helm-timeout-minutes': '10' },
      /must be longer than helm's own --timeout 10m/,
    ],
    [
      { upgrade: 'true', 'extra-args': '--timeout=10m\n--atomic', 'helm-timeout-minutes': '15' },
      /longer than helm's own --timeout 10m twice over/,
    ],
    [{ upgrade: 'true', 'extra-args': '--timeout=ten' }, /--timeout must be a duration/],
  ])('T1: helm-timeout-minutes %j is refused before helm runs', (inputs, message) => {
    expect(() => parse(inputs)).toThrow(InputError);
    expect(() => parse(inputs)).toThrow(message);
  });
});

describe('C3: helm told to print rendered values next to set-secret', () => {
  // Every character a YAML, JSON, Go-JSON, base64 or Markdown encoder changes.
  const SECRET = `it's<a>&"b\\c|d-S3cret`;

  it.each(['--debug', '-v=6', '--v=9', '--dry-run=server', '--dry-run'])(
    'C3: extra-args %s with set-secret is refused by default: one error line, helm never runs',
    async (flag) => {
      const fake = fakeHelm({ releases: [nginx('4.12.0')] });
      const run = await runGuard(
        { upgrade: 'true', 'set-secret': `auth.token=${SECRET}`, 'extra-args': flag },
        fake.runner,
      );
      expect(run.error).toBeInstanceOf(InputError);
      expect(run.error!.message).toContain(`'${flag}' while 'set-secret' is given`);
      expect(run.error!.message).toContain('allow-debug-with-secrets: true');
      expect(run.rt.sink.commands.filter((command) => command.name === 'error')).toHaveLength(1);
      expect(fake.calls()).toEqual([]);
    },
  );

  it('C3: --debug without set-secret, and --dry-run=none with it, are not refused', () => {
    expect(parse({ upgrade: 'true', 'extra-args': '--debug' }).debugWithSecrets).toEqual([]);
    expect(
      parse({ upgrade: 'true', 'set-secret': 'a=b', 'extra-args': '--dry-run=none' }).debugWithSecrets,
    ).toEqual([]);
  });

  it('C3: allowed (allow-debug-with-secrets: true) → a warning, and the values helm prints YAML-quoted, Go-JSON-escaped and base64 are redacted everywhere', async () => {
    const fake = fakeHelm({ releases: [nginx('4.12.0')] });
    const run = await runGuard(
      {
        upgrade: 'true',
        'set-secret': `auth.token=${SECRET}`,
        'extra-args': '--debug',
        'allow-debug-with-secrets': 'true',
      },
      fake.runner,
    );
    expect(run.error).toBeUndefined();
    expect(
      run.log.warnings.some((warning) =>
        /extra-args --debug make helm print the rendered values/.test(warning),
      ),
    ).toBe(true);
    // helm did print the values (so the test can fail) ...
    expect(run.rt.sink.lines).toContain('USER-SUPPLIED VALUES:');
    expect(
      run.rt.sink.lines.filter((line) => /^ {2}(single|double|value|quoted|json): /.test(line)).length,
    ).toBe(5);
    // ... and no form of the secret can be read anywhere.
    const visible = [run.rt.sink.text(), ...run.rt.sink.summaries, JSON.stringify(run.outputs)].join('\n');
    expect(findLeak(visible, SECRET)).toBeUndefined();
    // findLeak does not undo YAML's '' doubling: check that form itself.
    for (const form of helmPrintedForms(SECRET)) expect(visible).not.toContain(form);
    expect(visible).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 12));
    expect(fake.calls().find((call) => call[0] === 'upgrade')).toContain('--debug');
  });
});
