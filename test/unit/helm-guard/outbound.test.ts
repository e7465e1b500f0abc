// helm-guard on the one outbound channel: helm's output is untrusted (W1), secrets in every form (C3),
// and a running helm is stopped on cancellation.
import { describe, expect, it } from '@jest/globals';
import { CancelledError } from '../../../src/errors';
import { REDACTED } from '../../../src/secrets';
import { strvalsLiteral } from '../../../actions/helm-guard/src/helm';
import { runHelmGuardWith } from '../../../actions/helm-guard/src/run';
import { fakeRuntime } from '../../helpers/runtime';
import { COMMAND_PAYLOADS, commandLines, expectPayloadsDefused } from '../../helpers/workflow-commands';
import { base, fakeHelm, nginx, runGuard, ws } from './fake';

describe('W1: helm output cannot issue workflow commands', () => {
  it('W1: chart NOTES and helm stderr with workflow commands are logged line by line, neutralised', async () => {
    const fake = fakeHelm({
      releases: [nginx('4.12.0')],
      upgrade: { notes: COMMAND_PAYLOADS, warnings: COMMAND_PAYLOADS.map((p) => p.trimStart()) },
    });
    const r = await runGuard({ upgrade: 'true' }, fake.runner);
    expect(r.error).toBeUndefined();
    // The NOTES are shown (defused), not dropped, helm's stderr too; the outputs are ours alone.
    expectPayloadsDefused(r.rt.sink, [
      'decision',
      'installed-chart',
      'installed-version',
      'pinned-version',
      'should-upgrade',
    ]);
    expect(r.rt.sink.lines.some((l) => l.startsWith('[stderr] '))).toBe(true);
  });

  it('W1: release fields read from helm (chart, app version, status) cannot issue commands either', async () => {
    const evil = `\n${COMMAND_PAYLOADS.join('\n')}`;
    const fake = fakeHelm({
      helmVersion: `v3.14.4${evil}`,
      releases: [nginx('4.12.0', { appVersion: `1.0${evil}`, deployedAt: `2025${evil}` })],
    });
    const r = await runGuard({}, fake.runner, { debug: true });
    expect(r.error).toBeUndefined();
    expect(r.rt.sink.text()).toContain('add-mask::x');
    expect(commandLines(r.rt.sink.lines)).toEqual([]);
    expect(r.rt.sink.masks).toEqual([]);
  });
});

describe('C3: a set-secret value in every form never leaves the process (log, summary, outputs)', () => {
  // Every character helm or an encoder would change: comma and backslash (strvals), quote (JSON), slash,
  // plus and equals (URL, base64 alphabet).
  const SECRET = 'Sup3r,S3cret"Val/ue+x=1\\back-XYZ';
  const FORMS: Record<string, string> = {
    exact: SECRET,
    'strvals-escaped (as helm got it)': strvalsLiteral(SECRET),
    'JSON-escaped': JSON.stringify(SECRET).slice(1, -1),
    base64: Buffer.from(SECRET, 'utf8').toString('base64'),
    'URL-encoded': encodeURIComponent(SECRET),
  };
  // set-secret refuses control characters, so a multi-line secret cannot be given to helm-guard at all
  // (the line-by-line form is covered by the outbound channel's own tests and amplify-release's).

  for (const debug of [false, true]) {
    for (const [formName, form] of Object.entries(FORMS)) {
      it(`C3: the ${formName} form echoed by helm is redacted everywhere (debug: ${debug})`, async () => {
        const inputs = { upgrade: 'true', 'set-secret': `auth.token=${SECRET}` };
        // 1. An upgrade whose NOTES and warnings echo the secret (log).
        const echoed = fakeHelm({
          releases: [nginx('4.12.0')],
          upgrade: { notesEchoValues: true, notes: [`token: ${form}`], warnings: [`WARNING: ${form}`] },
        });
        const upgraded = await runGuard(inputs, echoed.runner, { debug });
        expect(upgraded.error).toBeUndefined();
        // 2. A release whose version echoes it (outputs, summary, the error line).
        const refused = fakeHelm({ releases: [nginx(`4.12.0-${form}`)] });
        const blocked = await runGuard(inputs, refused.runner, { debug });
        expect(blocked.error).toBeDefined();

        for (const run of [upgraded, blocked]) {
          const all = run.all();
          for (const shown of Object.values(FORMS)) expect(all).not.toContain(shown);
          expect(run.masked).toContain(SECRET);
        }
        // It did reach each channel (so the test can fail).
        expect(upgraded.rt.sink.text()).toContain(`token: ${REDACTED}`);
        expect(upgraded.rt.sink.text()).toContain(`[stderr] WARNING: ${REDACTED}`);
        expect(blocked.outputs['installed-version']).toContain(REDACTED);
        expect(blocked.summary).toContain(REDACTED);
        expect(blocked.rt.sink.commands.find((c) => c.name === 'error')?.message).toContain(REDACTED);
        // helm got the real value.
        expect(echoed.calls().find((c) => c[0] === 'upgrade')).toContain(
          `auth.token=${strvalsLiteral(SECRET)}`,
        );
      });
    }
  }
});

describe('cancellation', () => {
  it('a running helm upgrade is stopped on cancel, and the note says the release may be left mid-operation', async () => {
    const fake = fakeHelm({ releases: [nginx('4.12.0')], upgrade: { sleepMs: 30_000 } });
    const rt = fakeRuntime({
      action: 'helm-guard',
      inputs: { ...base, upgrade: 'true' },
      env: { GITHUB_WORKSPACE: ws },
      // helm is a real process: give its kill the runner's real 6 s (fakeRuntime's deadline is real time).
      cancelDeadlineMs: 6_000,
    });
    const running = runHelmGuardWith(rt, () => fake.runnerWith(rt.cancel)).catch((e: unknown) => e);
    // Wait (real time: helm is a real process) until helm upgrade has started.
    for (let i = 0; i < 200 && !rt.sink.lines.some((l) => l.startsWith('Upgrading "ingress-nginx"')); i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(rt.sink.lines.some((l) => l.startsWith('Upgrading "ingress-nginx"'))).toBe(true);
    const started = Date.now();
    const reports = await rt.cancel.cancel('SIGINT');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(reports).toEqual(
      expect.arrayContaining([
        {
          name: expect.stringMatching(/^helm upgrade \(pid \d+\)$/),
          ok: true,
          detail: expect.stringMatching(/^stopped pid \d+ \(SIGTERM\)$/),
        },
        {
          name: 'helm release ingress-nginx',
          ok: false,
          detail: expect.stringContaining("check 'helm history ingress-nginx -n ingress-nginx'"),
        },
      ]),
    );
    expect(reports).toHaveLength(2);
    expect(await running).toBeInstanceOf(CancelledError);
    // helm never finished: the release was not changed, and no summary claims it ran.
    expect(fake.state().releases![0]!.version).toBe('4.12.0');
    expect(rt.sink.summaries).toEqual([]);
  });

  it('nothing running → nothing to stop (guard-only run cancelled before helm is called)', async () => {
    const fake = fakeHelm({ releases: [nginx('4.12.0')] });
    const rt = fakeRuntime({ action: 'helm-guard', inputs: base, env: { GITHUB_WORKSPACE: ws } });
    expect(await rt.cancel.cancel('SIGTERM')).toEqual([]);
    await expect(runHelmGuardWith(rt, () => fake.runnerWith(rt.cancel))).rejects.toBeInstanceOf(
      CancelledError,
    );
    expect(fake.calls()).toEqual([]);
  });
});
