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
import { findLeak } from '../../helpers/leaks';
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

describe('C3: secrets with Markdown/HTML metacharacters and line breaks, redacted after escaping', () => {
  // Every character an escaper changes (HTML, Markdown, table cells) and a line break in the middle.
  const LINE_1 = 'pa<ss>&wo|rd-"one\'-Q7';
  const LINE_2 = 'second*line_[x](y)-Z9';
  const SECRET = `${LINE_1}\n${LINE_2}`;
  /** What a reader can see: the log, annotations, summary and outputs (not the runner's mask commands). */
  const visible = (h: Harness) => [h.rt.sink.text(), ...h.summaries, JSON.stringify(h.outputs)].join('\n');

  /** GetBranch fails with a message that echoes `echo` (before any decision: it becomes the reason output). */
  const failingGetBranch = (echo: string) => {
    world({ appEnv: null, branchEnv: null });
    amplify.on(GetBranchCommand).rejects(new Error(`ValidationException: ${echo} | retry`));
    return harness({
      ...base,
      release: 'always',
      'secret-keys': 'DEPLOY_HOOK',
      'environment-variables': JSON.stringify({ DEPLOY_HOOK: SECRET }),
    });
  };
  const REASON_PREFIX =
    'failed: Amplify GetBranch for app d1a2b3c4d5e6f7 branch `release/demo` (us-east-1) failed: ValidationException: ';

  it('C3: a secret input echoed in an AWS error cannot be read in the reason output, the summary cells or the log', async () => {
    const h = failingGetBranch(`value ${SECRET} is not allowed`);
    expect(await runLikeTheEntry(h)).toBeInstanceOf(Error);
    // It reached the reason output and the summary's Reason cell (so the test can fail) ...
    // (The error line is flattened to one line: each line of the secret is redacted on its own.)
    expect(h.outputs.reason).toBe(`${REASON_PREFIX}value *** *** is not allowed | retry`);
    expect(h.summaries[0]).toContain(
      'ValidationException: value \\*\\*\\* \\*\\*\\* is not allowed \\| retry |',
    );
    // ... and no decoding of anything shown gives it back.
    expect(findLeak(visible(h), SECRET)).toBeUndefined();
  });

  it('C3: a long reason clipped in its summary cell never leaves the start of a secret at the cut', async () => {
    // The Reason cell is clipped at 300 characters: put the cut 7 characters into the secret.
    const padding = 'x'.repeat(300 - REASON_PREFIX.length - 7);
    const h = failingGetBranch(`${padding}${SECRET}`);
    expect(await runLikeTheEntry(h)).toBeInstanceOf(Error);
    expect(h.outputs.reason).toBe(`${REASON_PREFIX}${padding}*** *** | retry`);
    const row = h.summaries[0]!.split('\n').find((line) => line.includes(padding))!;
    // Not even the first characters of the secret survive the clip, escaped or not.
    expect(row).not.toContain('pa&lt;ss');
    expect(row).not.toContain('pa<ss');
    expect(findLeak(visible(h), SECRET)).toBeUndefined();
  });

  it.each([
    ['DB_PASSWORD'],
    ['API_TOKEN'],
    ['STRIPE_KEY'],
    ['client_secret'],
    ['GCP_CREDENTIALS'],
    ['DB_PASSWD'],
    ['SIGNING_PASSPHRASE'],
    ['PRIVATE_PEM'],
    ['AUTH_HEADER'],
  ])(
    'C3: a value already stored on the branch and the app under %s is redacted, also when no environment-variables are given',
    async (key) => {
      world({
        app: {
          ...app({ [key]: `app-${SECRET}` }),
          basicAuthCredentials: Buffer.from(`admin:${LINE_2}`).toString('base64'),
        },
        branchEnv: { [key]: SECRET, PUBLIC_URL: 'https://x.example' },
        jobs: [jobSummary('42', 'SUCCEED', SECRET)],
      });
      amplify.on(GetJobCommand).resolves({
        job: job('43', 'FAILED', [
          step('BUILD', 'FAILED', { statusReason: `env ${SECRET} / app-${SECRET} / admin:${LINE_2}` }),
        ]),
      });
      const h = harness({ ...base, release: 'always' });
      expect(await runLikeTheEntry(h)).toBeInstanceOf(Error);
      expect(h.rt.sink.text()).toContain('env ***');
      expect(findLeak(visible(h), SECRET)).toBeUndefined();
      expect(findLeak(visible(h), `app-${SECRET}`)).toBeUndefined();
      expect(findLeak(visible(h), `admin:${LINE_2}`)).toBeUndefined();
      // Nothing was written: only read.
      expect(amplify).toHaveReceivedCommandTimes(UpdateBranchCommand, 0);
    },
  );
});
