/**
 * O1 through deploy-stack's pipeline: the deploy record (SSM, mocked) against a real temporary git repository
 * as the workspace. Older → refused (enforce) / warned (warn); newer and re-runs proceed; the record is written
 * after a successful execution and re-checked right before executing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { createOctokit } from '../../../src/pr-comment';
import { gitEnv, gitRepo, type GitRepo } from '../../helpers/git-repo';
import { TEMPLATE, cfnMock, entryErrors, freshMocksEachTest, setup, updateFlow } from './harness';
import { mutatingCalls } from './mutating';

const ssmMock = mockClient(SSMClient);
freshMocksEachTest();
beforeEach(() => {
  ssmMock.reset();
  updateFlow();
  ssmMock.on(PutParameterCommand).resolves({ Version: 1 });
});

let repo: GitRepo;
let a: string;
let b: string;
let side: string;
beforeAll(() => {
  repo = gitRepo({ 'template.yaml': TEMPLATE });
  a = repo.commit('A', { 'notes.txt': 'A' });
  b = repo.commit('B', { 'notes.txt': 'B' });
  repo.checkout('-b', 'side', a);
  side = repo.commit('side', { 'notes.txt': 'side' });
});

const RECORD_NAME = '/guarded-deploy/app-stack';
const recordValue = (commit: string) =>
  JSON.stringify({
    commit,
    runId: '41',
    runAttempt: '1',
    repository: 'acme/infra',
    time: '2026-05-31T12:00:00.000Z',
  });
function recorded(...commits: string[]): void {
  const answers = commits.map((commit) => ({ Parameter: { Name: RECORD_NAME, Value: recordValue(commit) } }));
  let call = 0;
  ssmMock.on(GetParameterCommand).callsFake(() => answers[Math.min(call++, answers.length - 1)]);
}

/** deploy-stack with the git repository checked out at `commit` as the workspace. */
function deployAt(commit: string, inputs: Record<string, string> = {}, env: Record<string, string> = {}) {
  repo.checkout(commit);
  return setup(inputs, undefined, {
    env: {
      ...gitEnv(),
      GITHUB_WORKSPACE: repo.dir,
      GITHUB_SHA: commit,
      GITHUB_REPOSITORY: 'acme/infra',
      ...env,
    },
  });
}

function written(): Record<string, string> | undefined {
  const put = ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input;
  return put && { name: put.Name as string, ...(JSON.parse(put.Value as string) as Record<string, string>) };
}

describe('O1: deploy order through deploy-stack', () => {
  it('O1: B deployed, then its parent A with deploy-order: enforce → refused before any change set; one error line', async () => {
    recorded(b);
    const s = deployAt(a, { 'deploy-order': 'enforce' });
    const errors = await entryErrors(s);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `Refusing to deploy stack app-stack: ${a.slice(0, 12)} is OLDER than the commit deployed last, ${b.slice(0, 12)}`,
      ),
    );
    expect(process.exitCode).toBe(1);
    expect(mutatingCalls()).toEqual([]);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(ssmMock.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({ Name: RECORD_NAME });
    // The summary says what was deployed last.
    expect(s.rt.sink.summaries.join('\n')).toContain(
      `Last deployed: commit \`${b.slice(0, 12)}\`, run \`41\` (attempt 1) of \`acme/infra\``,
    );
  });

  it('O1 (issue #12): the stack is read while the record is read — DescribeStacks goes out before GetParameter answers', async () => {
    // The first record read is held until released; the re-check before executing answers at once.
    let releaseRecord: () => void = () => undefined;
    let stackReadWhileRecordPending = false;
    const answer = { Parameter: { Name: RECORD_NAME, Value: recordValue(a) } };
    let reads = 0;
    ssmMock
      .on(GetParameterCommand)
      .callsFake(() =>
        reads++ === 0 ? new Promise((resolve) => (releaseRecord = () => resolve(answer))) : answer,
      );
    const s = deployAt(b);
    const running = s.run();
    // Real time: git runs as a child process before the record is read.
    const until = async (condition: () => boolean) => {
      for (let waited = 0; waited < 10_000 && !condition(); waited += 10)
        await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await until(() => ssmMock.commandCalls(GetParameterCommand).length > 0);
    await until(() => cfnMock.commandCalls(DescribeStacksCommand).length > 0);
    stackReadWhileRecordPending = cfnMock.commandCalls(DescribeStacksCommand).length > 0;
    releaseRecord();
    await expect(running).resolves.toMatchObject({ result: 'updated' });
    expect(stackReadWhileRecordPending).toBe(true);
  });

  it('O1: B, then A with the default (warn) → a warning, the deploy proceeds and the record says A', async () => {
    recorded(b);
    const s = deployAt(a);
    await expect(s.run()).resolves.toMatchObject({ result: 'updated' });
    expect(s.warnings().join('\n')).toMatch(/OLDER.*deploy-order is warn: proceeding/);
    expect(written()).toMatchObject({
      name: RECORD_NAME,
      commit: a,
      runId: '42',
      runAttempt: '1',
      repository: 'acme/infra',
    });
  });

  it('O1: A deployed, then its child B → proceeds; the record is written after the execution', async () => {
    recorded(a);
    const s = deployAt(b, { 'deploy-order': 'enforce' });
    const outcome = await s.run();
    expect(outcome.result).toBe('updated');
    expect(s.warnings()).toEqual([]);
    const record = written()!;
    expect(record).toMatchObject({ commit: b, runId: '42', time: new Date(s.clock.now()).toISOString() });
    expect(record.templateDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(1);
  });

  it('O1: re-running the run that deployed B (same commit) proceeds under enforce', async () => {
    recorded(b);
    const s = deployAt(b, { 'deploy-order': 'enforce' });
    await expect(s.run()).resolves.toMatchObject({ result: 'updated' });
    expect(s.warnings()).toEqual([]);
  });

  it('O1: diverged from the recorded commit → refused under enforce', async () => {
    recorded(b);
    const errors = await entryErrors(deployAt(side, { 'deploy-order': 'enforce' }));
    expect(errors[0]).toMatch(/DIVERGED/);
    expect(mutatingCalls()).toEqual([]);
  });

  it('O1: another run deployed a newer commit while this one planned → refused right before ExecuteChangeSet', async () => {
    // The plan saw A (an ancestor of side); by the time of execution the record says B (diverged from side).
    recorded(a, b);
    const s = deployAt(side, { 'deploy-order': 'enforce' });
    const run = await s.deploy();
    expect(run.outcome.result).toBe('failed');
    expect(run.outcome.error).toMatch(/DIVERGED/);
    expect(cfnMock.commandCalls(CreateChangeSetCommand)).toHaveLength(1);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('O1: a plan (create-only) of an older commit only warns, even under enforce', async () => {
    recorded(b);
    const s = deployAt(a, { 'deploy-order': 'enforce', mode: 'create-only' });
    await expect(s.run()).resolves.toMatchObject({ result: 'planned' });
    expect(s.warnings().join('\n')).toMatch(/OLDER/);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('O1: reading the record denied → a warning under warn, refused under enforce (zero mutating calls)', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: ssm:GetParameter'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    ssmMock.on(GetParameterCommand).rejects(denied);
    const warned = deployAt(b);
    await expect(warned.run()).resolves.toMatchObject({ result: 'updated' });
    expect(warned.warnings().join('\n')).toMatch(/was denied \(the role needs ssm:GetParameter/);
    cfnMock.reset();
    updateFlow();
    const errors = await entryErrors(deployAt(b, { 'deploy-order': 'enforce' }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Refusing.*ssm:GetParameter/);
    expect(mutatingCalls()).toEqual([]);
  });

  it('O1: writing the record denied after a successful deploy → one clear warning, the deploy stands', async () => {
    ssmMock.on(GetParameterCommand).rejects(Object.assign(new Error('none'), { name: 'ParameterNotFound' }));
    ssmMock
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const s = deployAt(b);
    await expect(s.run()).resolves.toMatchObject({ result: 'updated' });
    const warnings = s.warnings().filter((warning) => warning.includes('Deploy record'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /was deployed, but the record \/guarded-deploy\/app-stack was not written: writing it was denied \(the role needs ssm:PutParameter/,
    );
  });

  it('O1/W1: a record someone else wrote with garbage and workflow commands → treated as absent, never printed raw', async () => {
    ssmMock
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: '{"commit":"::stop-commands::pwn\\n::add-mask::x"}' } });
    const s = deployAt(a, { 'deploy-order': 'enforce' });
    await expect(s.run()).resolves.toMatchObject({ result: 'updated' });
    expect(s.warnings().join('\n')).toMatch(
      /is not a deploy record of ours \(its commit is not a full hexadecimal commit SHA\); treated as absent/,
    );
    expect(s.rt.sink.all()).not.toContain('stop-commands');
    expect(written()).toMatchObject({ commit: a });
  });

  it('O1: deploy-order: off → the record is neither read nor written (deploy-record follows it)', async () => {
    const s = deployAt(a, { 'deploy-order': 'off' });
    await expect(s.run()).resolves.toMatchObject({ result: 'updated' });
    expect(ssmMock.calls()).toHaveLength(0);
  });

  it('O1: a custom deploy-record-prefix names the parameter', async () => {
    recorded(a);
    await deployAt(b, { 'deploy-record-prefix': '/org/deploys/' }).run();
    expect(ssmMock.commandCalls(GetParameterCommand)[0]!.args[0].input.Name).toBe('/org/deploys/app-stack');
    expect(written()!.name).toBe('/org/deploys/app-stack');
  });
});

describe('O1: without git history, GitHub compare API decides (loopback stand-in)', () => {
  let server: http.Server;
  let url: string;
  const asked: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      const [base, head] = /compare\/([0-9a-f]+)\.\.\.([0-9a-f]+)/.exec(req.url ?? '')!.slice(1);
      const status = base === head ? 'identical' : base === b && head === a ? 'behind' : 'ahead';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('O1: no history in the workspace: B recorded, A deployed → GitHub says behind → refused under enforce', async () => {
    recorded(b);
    const s = setup({ 'deploy-order': 'enforce', 'github-token': 'ghs_test' }, undefined, {
      env: { ...gitEnv(), GITHUB_SHA: a, GITHUB_REPOSITORY: 'acme/infra' },
      octokit: createOctokit('ghs_test', url),
    });
    const errors = await entryErrors(s);
    expect(errors[0]).toMatch(/OLDER.*GitHub's compare API says behind/);
    expect(asked).toContain(`/repos/acme/infra/compare/${b}...${a}?per_page=1`);
    expect(mutatingCalls()).toEqual([]);
  });

  it('O1: no history and no token → "could not be decided": warned (warn), refused (enforce)', async () => {
    recorded(b);
    const env = { env: { ...gitEnv(), GITHUB_SHA: a, GITHUB_REPOSITORY: 'acme/infra' } };
    const warned = setup({}, undefined, env);
    await expect(warned.run()).resolves.toMatchObject({ result: 'updated' });
    expect(warned.warnings().join('\n')).toMatch(/could not be decided: no git repository.*no GitHub token/);
    cfnMock.reset();
    updateFlow();
    const errors = await entryErrors(setup({ 'deploy-order': 'enforce' }, undefined, env));
    expect(errors[0]).toMatch(/Refusing.*could not be decided/);
    expect(mutatingCalls()).toEqual([]);
  });

  it('O1: GITHUB_SHA that is not a commit SHA is never used (no git, no URL): unknown commit', async () => {
    recorded(b);
    const s = setup({ 'deploy-order': 'enforce', 'github-token': 'ghs_test' }, undefined, {
      env: { GITHUB_SHA: '--output=/tmp/x', GITHUB_REPOSITORY: 'acme/infra' },
      octokit: createOctokit('ghs_test', url),
    });
    const before = asked.length;
    const errors = await entryErrors(s);
    expect(errors[0]).toMatch(/the commit being deployed is unknown/);
    expect(asked.length).toBe(before);
    expect(mutatingCalls()).toEqual([]);
  });
});
