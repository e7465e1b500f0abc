import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  GetAppCommand,
  GetBranchCommand,
  GetJobCommand,
  ListJobsCommand,
  StartJobCommand,
  UpdateAppCommand,
  UpdateBranchCommand,
  type Job,
} from '@aws-sdk/client-amplify';
import { runWith } from '../../../actions/amplify-release/src/run';
import { decideWhetherToRelease, sameCommit } from '../../../actions/amplify-release/src/release-guard';
import { TimeoutError } from '../../../src/errors';
import {
  amplify,
  APP_ID,
  base,
  BRANCH,
  SHA_A,
  SHA_B,
  app,
  branch,
  everything,
  harness,
  job,
  jobSummary,
  notFound,
  step,
  world,
} from './fixtures';

beforeEach(() => {
  amplify.reset();
});

/** Each command was sent exactly this many times. */
function expectSent(...counts: [Parameters<typeof amplify.commandCalls>[0], number][]): void {
  for (const [command, times] of counts) expect(amplify).toHaveReceivedCommandTimes(command, times);
}

/**
 * Someone else's job 50 is RUNNING when we first look and has ended in `final` when we look again; GetJob
 * answers `first` (if given) once, then job 50 `final`.
 */
function jobRunningThen(final: 'SUCCEED' | 'FAILED', first?: Job): void {
  world();
  amplify
    .on(ListJobsCommand)
    .resolvesOnce({ jobSummaries: [jobSummary('50', 'RUNNING')] })
    .resolves({ jobSummaries: [jobSummary('50', final)] });
  const answers = amplify.on(GetJobCommand, { jobId: '50' });
  (first ? answers.resolvesOnce({ job: first }) : answers).resolves({
    job: job('50', final, [step('BUILD', final)]),
  });
}

describe('C1: release guard', () => {
  it('C1: first-deploy on a branch that already has a successful job starts nothing', async () => {
    world({ jobs: [jobSummary('42', 'SUCCEED'), jobSummary('41', 'FAILED')] });
    const h = harness(base);
    const r = await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 0);
    expect(r.started).toBe(false);
    expect(h.outputs.started).toBe('false');
    expect(h.outputs.reason).toBe(
      'skipped: branch `release/demo` already has successful job 42 (commit abc1234); set release: always to force.',
    );
    expect(h.outputs['job-id']).toBe('42');
    expect(h.outputs['job-status']).toBe('SUCCEED');
    expect(h.log.text()).toContain(h.outputs.reason);
  });

  it('C1: first-deploy on a branch with only failed jobs starts a release and waits for SUCCEED', async () => {
    world({ jobs: [jobSummary('41', 'FAILED')] });
    const h = harness({ ...base, 'job-reason': 'ticket 12' });
    const r = await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 1);
    expect(amplify).toHaveReceivedCommandWith(StartJobCommand, {
      appId: APP_ID,
      branchName: BRANCH,
      jobType: 'RELEASE',
      jobReason: 'ticket 12',
    });
    // no commit given and not on-new-commit: Amplify builds the branch head
    expect(amplify.commandCalls(StartJobCommand)[0]!.args[0].input.commitId).toBeUndefined();
    expect(r.started).toBe(true);
    expect(h.outputs).toMatchObject({ started: 'true', 'job-id': '43', 'job-status': 'SUCCEED' });
    expect(h.outputs.reason).toMatch(/^started: branch `release\/demo` has no successful job yet/);
    expect(amplify).toHaveReceivedCommandTimes(GetJobCommand, 3);
    // step statuses printed as they change
    expect(h.log.lines).toContain('  job 43 step BUILD: RUNNING');
    expect(h.log.lines).toContain('  job 43 step BUILD: SUCCEED');
    expect(h.log.lines).toContain('  job 43 step DEPLOY: SUCCEED');
    // fast-start backoff on the injected clock
    expect(h.clock.slept[0]).toBeLessThanOrEqual(1000);
  });

  it('C1: the branch is never assumed: every call names the given branch, never main', async () => {
    world({ jobs: [] });
    const h = harness(base);
    await runWith(h.rt);
    for (const c of amplify.calls()) {
      const input = c.args[0].input as { branchName?: string };
      if (input.branchName !== undefined) expect(input.branchName).toBe(BRANCH);
    }
    expect(JSON.stringify(amplify.calls().map((c) => c.args[0].input))).not.toContain('"main"');
  });

  it('C1: release: always starts even when a successful job exists', async () => {
    world({ jobs: [jobSummary('42', 'SUCCEED')] });
    const h = harness({ ...base, release: 'always' });
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 1);
    expect(h.outputs.started).toBe('true');
    expect(h.outputs.reason).toContain('release is `always`');
  });

  it('C1: on-new-commit with the same commit (short or full SHA) skips', async () => {
    world({ jobs: [jobSummary('42', 'SUCCEED', SHA_A)] });
    const h = harness({ ...base, release: 'on-new-commit', 'commit-id': SHA_A.slice(0, 10) });
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 0);
    expect(h.outputs.reason).toBe(
      'skipped: commit abc1234def is already deployed on branch `release/demo` by successful job 42; set release: always to force.',
    );
  });

  it('C1: on-new-commit with a different commit starts, passing commitId (default GITHUB_SHA)', async () => {
    world({ jobs: [jobSummary('42', 'SUCCEED', SHA_A)] });
    const h = harness({ ...base, release: 'on-new-commit' }, { GITHUB_SHA: SHA_B });
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandWith(StartJobCommand, { commitId: SHA_B, jobType: 'RELEASE' });
    expect(h.outputs.reason).toBe(
      'started: commit 0123456 differs from the last successful job 42 (commit abc1234) on branch `release/demo`.',
    );
  });

  it('C1: on-new-commit compares with the newest SUCCESSFUL job, not a newer failed one', async () => {
    world({ jobs: [jobSummary('43', 'FAILED', SHA_B), jobSummary('42', 'SUCCEED', SHA_A)] });
    amplify.on(StartJobCommand).resolves({ jobSummary: jobSummary('44', 'PENDING', SHA_B) });
    amplify.on(GetJobCommand, { jobId: '44' }).resolves({ job: job('44', 'SUCCEED', [], SHA_B) });
    const h = harness({ ...base, release: 'on-new-commit', 'commit-id': SHA_B });
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 1);
    expect(h.outputs['job-id']).toBe('44');
  });

  it('C1: release: never updates env vars but lists no jobs and starts nothing', async () => {
    world({ jobs: [] });
    const h = harness({ ...base, release: 'never', 'environment-variables': 'A=1' });
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(UpdateBranchCommand, 1);
    expect(amplify).toHaveReceivedCommandTimes(ListJobsCommand, 0);
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 0);
    expect(h.outputs).toMatchObject({ started: 'false', 'env-changed': 'true' });
    expect(h.outputs.reason).toContain('release is `never`');
  });

  it('C1: successful job only on page 2 of ListJobs is found (nextToken followed)', async () => {
    world();
    amplify
      .on(ListJobsCommand)
      .resolvesOnce({
        jobSummaries: [jobSummary('45', 'FAILED'), jobSummary('44', 'CANCELLED')],
        nextToken: 'p2',
      })
      .resolvesOnce({ jobSummaries: [jobSummary('43', 'FAILED')], nextToken: 'p3' })
      .resolvesOnce({ jobSummaries: [jobSummary('42', 'SUCCEED')] });
    const h = harness(base);
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(ListJobsCommand, 3);
    expect(amplify).toHaveReceivedNthSpecificCommandWith(2, ListJobsCommand, {
      nextToken: 'p2',
      branchName: BRANCH,
    });
    expect(amplify).toHaveReceivedNthSpecificCommandWith(3, ListJobsCommand, { nextToken: 'p3' });
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 0);
    expect(h.outputs['job-id']).toBe('42');
  });

  it('decideWhetherToRelease(): sentence per mode, and commit comparison is prefix-wise and case-insensitive', () => {
    expect(sameCommit('ABC1234', SHA_A)).toBe(true);
    expect(sameCommit('HEAD', SHA_A)).toBe(false);
    expect(sameCommit(undefined, SHA_A)).toBe(false);
    expect(
      decideWhetherToRelease('on-new-commit', 'x', SHA_A, [jobSummary('1', 'SUCCEED', 'HEAD')]).start,
    ).toBe(true);
    expect(decideWhetherToRelease('on-new-commit', 'x', SHA_A, []).start).toBe(true);
    expect(decideWhetherToRelease('first-deploy', 'x', undefined, [jobSummary('1', 'CANCELLED')]).start).toBe(
      true,
    );
    expect(decideWhetherToRelease('never', 'x', undefined, [])).toEqual({
      start: false,
      reason: 'skipped: release is `never`, so branch `x` was not released.',
    });
  });
});

describe('a job already in progress', () => {
  for (const status of ['PENDING', 'PROVISIONING', 'RUNNING', 'CANCELLING'] as const) {
    it(`C1: ${status} job and wait: false → no second start, reported`, async () => {
      world({ jobs: [jobSummary('50', status), jobSummary('42', 'SUCCEED')] });
      const h = harness({ ...base, release: 'always', wait: 'false' });
      await runWith(h.rt);
      expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 0);
      expect(amplify).toHaveReceivedCommandTimes(GetJobCommand, 0);
      expect(h.outputs).toMatchObject({ started: 'false', 'job-id': '50', 'job-status': status });
      expect(h.outputs.reason).toContain(`job 50 (commit abc1234) is already ${status}`);
      expect(h.log.warnings.join('\n')).toContain('not starting another');
    });
  }

  it('C1: RUNNING job and wait: true → waits for it, then decides again (it succeeded: skip)', async () => {
    jobRunningThen('SUCCEED', job('50', 'RUNNING', [step('BUILD', 'RUNNING')]));
    const h = harness(base);
    await runWith(h.rt);
    expectSent([GetJobCommand, 2], [ListJobsCommand, 2], [StartJobCommand, 0]);
    expect(h.outputs).toMatchObject({ started: 'false', 'job-id': '50', 'job-status': 'SUCCEED' });
    expect(h.log.text()).toContain('waiting for it to finish before deciding');
  });

  it('C1: RUNNING job that then fails, wait: true → first-deploy starts exactly one new job afterwards', async () => {
    jobRunningThen('FAILED');
    const h = harness(base);
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(StartJobCommand, 1);
    // the order: the running job was awaited before the start
    const order = amplify.calls().map((c) => c.args[0].constructor.name);
    expect(order.indexOf('GetJobCommand')).toBeLessThan(order.indexOf('StartJobCommand'));
    expect(h.outputs).toMatchObject({ started: 'true', 'job-id': '43', 'job-status': 'SUCCEED' });
  });
});

describe('job failure and timeout', () => {
  it('C1: a FAILED job fails the step naming the failed step and printing its log URL', async () => {
    world({ jobs: [] });
    amplify.on(GetJobCommand, { jobId: '43' }).resolves({
      job: job('43', 'FAILED', [
        step('BUILD', 'FAILED', { statusReason: 'npm ci exited 1' }),
        step('DEPLOY', 'CANCELLED'),
      ]),
    });
    const h = harness(base);
    await expect(runWith(h.rt)).rejects.toThrow(
      /Amplify job 43 on app d1a2b3c4d5e6f7 branch `release\/demo` \(us-east-1\) ended FAILED at step BUILD \(npm ci exited 1\)/,
    );
    expect(h.log.text()).toContain('BUILD.log?X-Amz-Signature=abc');
    expect(h.outputs).toMatchObject({ started: 'true', 'job-id': '43', 'job-status': 'FAILED' });
    expect(h.summaries[0]).toContain('**Failed:**');
  });

  it('C1: a CANCELLED job fails the step', async () => {
    world({ jobs: [] });
    amplify.on(GetJobCommand).resolves({ job: job('43', 'CANCELLED', [step('BUILD', 'CANCELLED')]) });
    const h = harness(base);
    await expect(runWith(h.rt)).rejects.toThrow(/ended CANCELLED at step BUILD/);
  });

  it('R2-style: a job still RUNNING at wait-timeout-minutes fails with TimeoutError (never passes silently)', async () => {
    world({ jobs: [] });
    amplify.on(GetJobCommand).resolves({ job: job('43', 'RUNNING', [step('BUILD', 'RUNNING')]) });
    const h = harness({ ...base, 'wait-timeout-minutes': '2' });
    const p = runWith(h.rt);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    await expect(p).rejects.toThrow(/Timed out after 120 s waiting for Amplify job 43/);
    expect(h.clock.now()).toBeGreaterThanOrEqual(120_000);
    expect(h.outputs).toMatchObject({ started: 'true', 'job-status': 'RUNNING' });
    // logged BUILD RUNNING once, not on every poll
    expect(h.log.lines.filter((l) => l.includes('step BUILD: RUNNING'))).toHaveLength(1);
  });

  it('wait: false after a start returns at once with the job id', async () => {
    world({ jobs: [] });
    const h = harness({ ...base, wait: 'false' });
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(GetJobCommand, 0);
    expect(h.outputs).toMatchObject({ started: 'true', 'job-id': '43', 'job-status': 'PENDING' });
  });
});

describe('missing app or branch', () => {
  it('missing app: one clear error naming app id, branch and region; nothing else called', async () => {
    amplify.on(GetAppCommand).rejects(notFound(`App ${APP_ID} not found.`));
    const h = harness({ ...base, 'aws-region': 'eu-west-1' });
    await expect(runWith(h.rt)).rejects.toThrow(
      `Amplify app ${APP_ID} was not found in region eu-west-1 (wanted branch \`${BRANCH}\`)`,
    );
    expect(amplify.calls()).toHaveLength(1);
  });

  it('missing branch: one clear error naming app id, branch and region; no write, no job', async () => {
    amplify.on(GetAppCommand).resolves({ app: app(null) });
    amplify.on(GetBranchCommand).rejects(notFound('Branch not found.'));
    const h = harness({ ...base, 'environment-variables': 'A=1' });
    await expect(runWith(h.rt)).rejects.toThrow(
      `Branch \`${BRANCH}\` was not found in Amplify app ${APP_ID} in region us-east-1`,
    );
    expect(amplify).toHaveReceivedCommandTimes(UpdateBranchCommand, 0);
    expect(amplify).toHaveReceivedCommandTimes(ListJobsCommand, 0);
    expect(h.outputs).toMatchObject({ started: 'false', 'env-changed': 'false' });
    expect(h.outputs.reason).toMatch(/^failed: Branch/);
  });

  it('other AWS errors name the call and subject', async () => {
    amplify.on(GetAppCommand).resolves({ app: app(null) });
    amplify.on(GetBranchCommand).resolves({ branch: branch(null) });
    amplify
      .on(UpdateBranchCommand)
      .rejects(
        Object.assign(new Error('User is not authorized'), { name: 'UnauthorizedException', $metadata: {} }),
      );
    const h = harness({ ...base, 'environment-variables': 'A=1' });
    await expect(runWith(h.rt)).rejects.toThrow(
      /^Amplify UpdateBranch for app d1a2b3c4d5e6f7 branch `release\/demo` \(us-east-1\) failed: UnauthorizedException: User is not authorized$/,
    );
  });
});

describe('H5: environment variables', () => {
  for (const scope of ['app', 'branch'] as const) {
    for (const current of [undefined, null] as const) {
      it(`H5: ${scope} scope with environmentVariables ${current === null ? 'null' : 'missing'} → merged, no crash`, async () => {
        world({ appEnv: current, branchEnv: current, jobs: [jobSummary('42', 'SUCCEED')] });
        const h = harness({
          ...base,
          'env-scope': scope,
          'environment-variables': 'API_URL=https://api\nFLAG=on',
        });
        await runWith(h.rt);
        const appCalls = amplify.commandCalls(UpdateAppCommand);
        const branchCalls = amplify.commandCalls(UpdateBranchCommand);
        expect(appCalls).toHaveLength(scope === 'app' ? 1 : 0);
        expect(branchCalls).toHaveLength(scope === 'branch' ? 1 : 0);
        const sent = (scope === 'app' ? appCalls : branchCalls)[0]!.args[0].input;
        expect(sent.environmentVariables).toEqual({
          API_URL: 'https://api',
          FLAG: 'on',
        });
        expect(h.outputs['env-changed']).toBe('true');
        expect(h.log.text()).toContain('starting from an empty map');
      });
    }
  }

  it('H5: keys not mentioned are kept; the full merged map is sent', async () => {
    world({ branchEnv: { KEEP: 'k', FLAG: 'off', SAME: 's' }, jobs: [jobSummary('42', 'SUCCEED')] });
    const h = harness({ ...base, 'environment-variables': 'FLAG=on\nSAME=s\nNEW=n' });
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandWith(UpdateBranchCommand, {
      appId: APP_ID,
      branchName: BRANCH,
      environmentVariables: { KEEP: 'k', FLAG: 'on', SAME: 's', NEW: 'n' },
    });
    expect(h.summaries[0]).toMatch(/\| FLAG \| changed \|/);
    expect(h.summaries[0]).toMatch(/\| NEW \| added \|/);
    expect(h.summaries[0]).toMatch(/\| SAME \| unchanged \|/);
    expect(h.summaries[0]).not.toContain('KEEP');
  });

  it('H5: app scope reads the app map, not the branch map', async () => {
    world({
      appEnv: { APP_ONLY: '1' },
      branchEnv: { BRANCH_ONLY: '2' },
      jobs: [jobSummary('42', 'SUCCEED')],
    });
    const h = harness({ ...base, 'env-scope': 'app', 'environment-variables': '{"X": "y"}' });
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandWith(UpdateAppCommand, {
      appId: APP_ID,
      environmentVariables: { APP_ONLY: '1', X: 'y' },
    });
  });

  it('H5: unchanged values → no Update call, env-changed false', async () => {
    world({ branchEnv: { A: '1', B: '2' }, jobs: [jobSummary('42', 'SUCCEED')] });
    const h = harness({ ...base, 'environment-variables': 'A: 1\nB: "2"' });
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(UpdateBranchCommand, 0);
    expect(amplify).toHaveReceivedCommandTimes(UpdateAppCommand, 0);
    expect(h.outputs['env-changed']).toBe('false');
  });

  it('H5: no environment-variables input → no Update call whatever the current map is', async () => {
    world({ branchEnv: null, jobs: [jobSummary('42', 'SUCCEED')] });
    const h = harness(base);
    await runWith(h.rt);
    expect(amplify).toHaveReceivedCommandTimes(UpdateBranchCommand, 0);
    expect(h.summaries[0]).toContain('none given');
  });

  it('H5: env changed but release skipped → a visible warning that it takes effect on the next build', async () => {
    world({ branchEnv: {}, jobs: [jobSummary('42', 'SUCCEED')] });
    const h = harness({ ...base, 'environment-variables': 'A=1' });
    await runWith(h.rt);
    expect(h.log.warnings.join('\n')).toContain('take effect on the next build');
  });
});

describe('H1: re-running after success does nothing', () => {
  it('H1: second run with the same inputs writes nothing and starts nothing', async () => {
    // first run: new app, no jobs
    world({ branchEnv: null, jobs: [] });
    const inputs = { ...base, 'environment-variables': 'API_URL=https://api\nDB_PASSWORD=pw-123456' };
    const first = harness(inputs);
    await runWith(first.rt);
    expect(first.outputs).toMatchObject({ started: 'true', 'env-changed': 'true' });
    const written = amplify.commandCalls(UpdateBranchCommand)[0]!.args[0].input.environmentVariables;

    // second run sees what the first one left
    amplify.reset();
    world({ branchEnv: written, jobs: [jobSummary('43', 'SUCCEED')] });
    const second = harness(inputs);
    await runWith(second.rt);
    expectSent([UpdateBranchCommand, 0], [UpdateAppCommand, 0], [StartJobCommand, 0]);
    expect(second.outputs).toMatchObject({ started: 'false', 'env-changed': 'false', 'job-id': '43' });
  });
});

describe('C3: secret values are never printed', () => {
  const SECRET = 'pw-Sup3r-s3cret-value';
  const LISTED = 'listed-secret-value-99';
  const STORED = 'stored-token-value-77';

  it('C3: masked before the first log line; absent from logs, warnings, summary and outputs (also on failure)', async () => {
    world({ branchEnv: { EXISTING_TOKEN: STORED, PLAIN: 'x' }, jobs: [] });
    amplify.on(GetJobCommand).resolves({ job: job('43', 'FAILED', [step('BUILD', 'FAILED')]) });
    const h = harness({
      ...base,
      'environment-variables': `DB_PASSWORD=${SECRET}\nSENTRY_DSN=${LISTED}\nPUBLIC_URL=https://example.com`,
      'secret-keys': 'SENTRY_DSN',
    });
    await expect(runWith(h.rt)).rejects.toThrow(/ended FAILED/);
    const text = everything(h);
    for (const s of [SECRET, LISTED, STORED]) expect(text).not.toContain(s);
    // keys are shown, values are not
    // Summary cells are Markdown-escaped (`_` is written `\_`).
    expect(h.summaries[0]).toContain('DB\\_PASSWORD');
    // the input secrets were masked before anything was logged; the stored one before its keys were printed
    const forInputs = h.masked.filter((m) => m.value === SECRET || m.value === LISTED);
    expect(forInputs.map((m) => m.value).sort()).toEqual([LISTED, SECRET]);
    for (const m of forInputs) expect(m.linesBefore).toBe(0);
    expect(h.masked.map((m) => m.value)).toContain(STORED);
    expect(h.masked.map((m) => m.value)).not.toContain('https://example.com');
    // the SDK received the real value (only printing is forbidden)
    expect(amplify.commandCalls(UpdateBranchCommand)[0]!.args[0].input.environmentVariables).toMatchObject({
      DB_PASSWORD: SECRET,
      SENTRY_DSN: LISTED,
      EXISTING_TOKEN: STORED,
    });
  });

  it('C3: a malformed map never echoes its content in the error', async () => {
    const h = harness({ ...base, 'environment-variables': `{"DB_PASSWORD": "${SECRET}", broken` });
    const err = await runWith(h.rt).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain(SECRET);
    expect((err as Error).message).toContain('environment-variables');
    expect(amplify.calls()).toHaveLength(0);
  });
});
