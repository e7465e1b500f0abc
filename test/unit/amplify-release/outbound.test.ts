// amplify-release on the one outbound channel: secrets in every form, untrusted service text (W1), cancellation.
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  GetBranchCommand,
  GetJobCommand,
  ListJobsCommand,
  StartJobCommand,
  UpdateBranchCommand,
} from '@aws-sdk/client-amplify';
import { runWith } from '../../../actions/amplify-release/src/run';
import type { CleanupReport } from '../../../src/cancel';
import { CancelledError, errorMessage } from '../../../src/errors';
import { REDACTED } from '../../../src/secrets';
import { COMMAND_PAYLOADS, expectPayloadsDefused } from '../../helpers/workflow-commands';
import { amplify, app, base, branch, harness, job, jobSummary, step, world, type Harness } from './fixtures';

beforeEach(() => {
  amplify.reset();
});

/** What the entry (src/entry.ts) does with an error: one line through the outbound channel. */
async function runLikeTheEntry(h: Harness): Promise<unknown> {
  try {
    await runWith(h.rt);
    return undefined;
  } catch (e) {
    h.rt.out.error(errorMessage(e));
    return e;
  }
}

describe('C3: a secret in every form never leaves the process (log, summary, outputs)', () => {
  const LINE_1 = 'first-line-Sup3r-Secret-A1';
  const LINE_2 = 'second-line-Sup3r-Secret-B2';
  const SECRET = `${LINE_1}\n${LINE_2}`;
  const FORMS: Record<string, string> = {
    exact: SECRET,
    'line 1': LINE_1,
    'line 2': LINE_2,
    'JSON-escaped': JSON.stringify(SECRET).slice(1, -1),
    base64: Buffer.from(SECRET, 'utf8').toString('base64'),
    'URL-encoded': encodeURIComponent(SECRET),
  };

  for (const debug of [false, true]) {
    for (const [formName, form] of Object.entries(FORMS)) {
      it(`C3: the ${formName} form echoed back by Amplify is redacted everywhere (debug: ${debug})`, async () => {
        // The service echoes the secret in fields we print: a commit id (reason output, summary, log), a
        // step's status reason (log, error line, summary) and a log URL (log).
        world({
          appEnv: null,
          branchEnv: { STORED_TOKEN: SECRET },
          jobs: [jobSummary('42', 'SUCCEED', form)],
        });
        amplify.on(GetJobCommand).resolves({
          job: job('43', 'FAILED', [
            step('BUILD', 'FAILED', {
              statusReason: `npm printed ${form} and exited 1`,
              logUrl: `https://logs.example.com/BUILD.log?echo=${form}`,
            }),
          ]),
        });
        const h = harness(
          {
            ...base,
            release: 'always',
            'environment-variables': JSON.stringify({ DB_PASSWORD: SECRET, PUBLIC_URL: 'https://x.example' }),
          },
          {},
          { debug },
        );
        const error = await runLikeTheEntry(h);
        expect(error).toBeInstanceOf(Error);
        const all = h.rt.sink.all();
        for (const shown of Object.values(FORMS)) expect(all).not.toContain(shown);
        // It did reach each channel (so the test can fail): redacted in the reason output, summary and log.
        expect(h.outputs.reason).toContain(REDACTED);
        expect(h.summaries[0]).toContain(REDACTED);
        expect(h.rt.sink.text()).toContain(`npm printed ${REDACTED}`);
        if (debug) expect(h.rt.sink.commands.some((c) => c.name === 'debug')).toBe(true);
        // Amplify still got the real value.
        expect(
          amplify.commandCalls(UpdateBranchCommand)[0]!.args[0].input.environmentVariables,
        ).toMatchObject({ DB_PASSWORD: SECRET, STORED_TOKEN: SECRET });
      });
    }
  }
});

describe('W1: text from Amplify cannot issue workflow commands', () => {
  it('W1: job status, step names, reasons and log URLs with workflow commands are neutralised', async () => {
    const evil = `\n${COMMAND_PAYLOADS.join('\n')}`;
    world({
      app: { ...app(null), name: `web${evil}` },
      branchEnv: null,
      jobs: [jobSummary('42', 'SUCCEED', `HEAD${evil}`)],
    });
    amplify.on(GetJobCommand).resolves({
      job: job('43', 'FAILED', [
        step(`BUILD${evil}`, 'FAILED', { statusReason: `boom${evil}`, logUrl: `https://l.example/${evil}` }),
      ]),
    });
    const h = harness({ ...base, release: 'always' }, {}, { debug: true });
    const error = await runLikeTheEntry(h);
    expect(error).toBeInstanceOf(Error);
    // The text is shown (neutralised), not dropped; nothing became a mask or an output.
    expectPayloadsDefused(h.rt.sink, ['env-changed', 'job-id', 'job-status', 'reason', 'started']);
  });
});

describe('cancellation', () => {
  it('a release job we started is NOT stopped on cancel, and the cancellation note says so', async () => {
    world({ appEnv: null, branchEnv: null });
    const h = harness(base);
    let reports: Promise<CleanupReport[]> | undefined;
    amplify.on(GetJobCommand).callsFake(async () => {
      reports ??= h.rt.cancel.cancel('SIGINT');
      return { job: job('43', 'RUNNING', [step('BUILD', 'RUNNING')]) };
    });
    await expect(runWith(h.rt)).rejects.toBeInstanceOf(CancelledError);
    expect(await reports).toEqual([
      {
        name: 'Amplify release job',
        ok: false,
        detail: expect.stringMatching(/^release job 43 keeps running on Amplify/),
      },
    ]);
    // It stopped polling and started nothing else.
    expect(amplify).toHaveReceivedCommandTimes(GetJobCommand, 1);
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 1);
    expect(h.outputs).toMatchObject({ started: 'true', 'job-id': '43' });
  });

  it('waiting for someone else’s job registers no cleanup (nothing of ours to report)', async () => {
    world({ appEnv: null, branchEnv: null, jobs: [jobSummary('50', 'RUNNING')] });
    const h = harness(base);
    let reports: Promise<CleanupReport[]> | undefined;
    amplify.on(GetJobCommand).callsFake(async () => {
      reports ??= h.rt.cancel.cancel('SIGTERM');
      return { job: job('50', 'RUNNING', []) };
    });
    await expect(runWith(h.rt)).rejects.toBeInstanceOf(CancelledError);
    expect(await reports).toEqual([]);
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 0);
  });

  it('after cancellation no environment variable is written', async () => {
    world({ appEnv: null });
    const h = harness({ ...base, 'environment-variables': 'A=1' });
    amplify.on(GetBranchCommand).callsFake(async () => {
      void h.rt.cancel.cancel('SIGINT');
      return { branch: branch(null) };
    });
    await expect(runWith(h.rt)).rejects.toBeInstanceOf(CancelledError);
    expect(amplify).toHaveReceivedCommandTimes(UpdateBranchCommand, 0);
    expect(amplify).toHaveReceivedCommandTimes(ListJobsCommand, 0);
  });
});
