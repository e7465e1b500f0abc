/**
 * The guards of dist/deploy-stack/index.js that only show when the committed bundle runs as the runner runs
 * it: L1 (validation before the first mutating call, against a stack in ROLLBACK_COMPLETE) and K1 (SIGINT
 * while the action waits: what it created is cleaned up, and it says so). The bundle talks to moto through
 * the fault proxy, which records every call it makes (and holds a wait open for K1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ListChangeSetsCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { runDist, type DistRun } from '../helpers/dist';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy';
import { motoClientConfig, motoEndpoint, motoEnv, uniqueName } from '../helpers/moto';

/** moto fails to create an SSM parameter without a Name; scripts/moto_server.py rolls that back. */
const BROKEN =
  'Resources:\n  Broken:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: x\n';
/** Calls that change nothing (the query/JSON action names, and S3's REST reads). */
const READ_ONLY = /^(Describe|List|Get|Head)|^(GET|HEAD) /;

let ws: string;
let cfn: CloudFormationClient;
let proxy: FaultProxy;

beforeAll(() => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-dist-guards-'));
  fs.copyFileSync('examples/templates/demo.yaml', path.join(ws, 'demo.yaml'));
  fs.writeFileSync(path.join(ws, 'broken.yaml'), BROKEN);
  cfn = new CloudFormationClient(motoClientConfig());
});

beforeEach(async () => {
  proxy = await startFaultProxy(motoEndpoint());
});

afterEach(async () => {
  await proxy.close();
});

/** Run the bundle with the fault proxy between it and moto. */
function deploy(inputs: Record<string, string>, opts: Parameters<typeof runDist>[2] = {}): Promise<DistRun> {
  return runDist(
    'deploy-stack',
    { template: 'demo.yaml', 'wait-timeout-minutes': '2', ...inputs },
    { cwd: ws, ...opts, env: { ...motoEnv(), AWS_ENDPOINT_URL: proxy.endpoint, ...opts.env } },
  );
}

function errorLines(run: DistRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
}

async function stackNamed(name: string): Promise<Stack | undefined> {
  const answer = await cfn.send(new DescribeStacksCommand({ StackName: name }));
  return answer.Stacks?.[0];
}

/** The stack's change sets, every status (moto's ListChangeSets ignores StackName: filter here). */
async function changeSetsOf(name: string): Promise<string[]> {
  const answer = await cfn.send(new ListChangeSetsCommand({ StackName: name }));
  return (answer.Summaries ?? [])
    .filter((summary) => summary.StackName === name)
    .map((summary) => `${summary.ChangeSetName} ${summary.ExecutionStatus}`);
}

/** Resolves when the first request matching `action` reaches the proxy (which then holds it `ms`). */
function holdFirst(action: string | ((req: ProxiedRequest) => boolean), ms: number): Promise<void> {
  let arrived!: () => void;
  const seen = new Promise<void>((resolve) => (arrived = resolve));
  const matches = typeof action === 'string' ? (req: ProxiedRequest) => req.action === action : action;
  proxy.add({
    match: (req) => {
      if (!matches(req)) return false;
      arrived();
      return true;
    },
    fault: { kind: 'delay', ms },
    times: 1,
  });
  return seen;
}

/**
 * Deploy the demo stack and send SIGINT once `when` resolves. The bundle must exit by itself (not be killed
 * by the signal) with code 1, within seconds, with exactly one `::error::` line: returned with the run.
 */
async function interruptedDeploy(
  name: string,
  changeSetName: string,
  when: Promise<unknown>,
): Promise<{ run: DistRun; error: string }> {
  const run = await deploy(
    { name, 'parameter-overrides': 'ApiToken=k1-secret-token', 'change-set-name': changeSetName },
    { killWhen: { when, signal: 'SIGINT' } },
  );
  expect(run.killedBy).toBeNull();
  expect(run.code).toBe(1);
  expect(run.exitAfterSignalMs).toBeLessThan(4_000);
  const errors = errorLines(run);
  expect(errors).toHaveLength(1);
  return { run, error: errors[0] as string };
}

describe('dist/deploy-stack guards', () => {
  it.each([
    {
      problem: 'an override of a parameter the template does not declare',
      overrides: 'ApiToken=l1-secret-token,Nope=1',
      error: /parameter-overrides name parameters the template does not declare: Nope\./,
    },
    {
      problem: 'a required parameter (no default, no previous value) that gets no value',
      overrides: 'Release=v2',
      error: /requires parameter\(s\) without a default that get no value: ApiToken \(stack \S+ will be created/,
    },
  ])(
    'L1: $problem, against a ROLLBACK_COMPLETE stack with on-rollback-complete: delete → one error line, exit 1, zero mutating calls, the stack is still there',
    async ({ overrides, error }) => {
      const name = uniqueName('dist-l1');
      const broken = await deploy({ name, template: 'broken.yaml' });
      expect(broken.code).toBe(1);
      const before = await stackNamed(name);
      expect(before?.StackStatus).toBe('ROLLBACK_COMPLETE');
      const changeSetsBefore = await changeSetsOf(name);
      proxy.calls.splice(0);

      const run = await deploy({ name, 'parameter-overrides': overrides, 'on-rollback-complete': 'delete' });

      expect(run.code).toBe(1);
      expect(run.killedBy).toBeNull();
      const errors = errorLines(run);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(error);
      expect(run.summary).toMatch(/❌ \*\*Failed:\*\*/);
      expect(run.summary).not.toMatch(/No changes/);
      expect(proxy.calls.map((call) => call.action).filter((action) => !READ_ONLY.test(action))).toEqual([]);
      const after = await stackNamed(name);
      expect(after?.StackId).toBe(before?.StackId);
      expect(after?.StackStatus).toBe('ROLLBACK_COMPLETE');
      expect(await changeSetsOf(name)).toEqual(changeSetsBefore);
    },
  );

  it.each([
    {
      moment: 'a DescribeChangeSet call is in flight',
      hold: () => holdFirst('DescribeChangeSet', 5_000),
    },
    {
      moment: 'it sleeps between polls (the change set is still CREATE_IN_PROGRESS)',
      hold: () => {
        let polled!: () => void;
        const firstPoll = new Promise<void>((resolve) => (polled = resolve));
        proxy.add({
          match: 'DescribeChangeSet',
          fault: {
            kind: 'rewrite',
            body: (body) => {
              polled();
              return body.replace(/<Status>CREATE_COMPLETE<\/Status>/, '<Status>CREATE_IN_PROGRESS</Status>');
            },
          },
        });
        // The answer reaches the action, which then sleeps a second before it polls again.
        return firstPoll.then(() => new Promise((resolve) => setTimeout(resolve, 300)));
      },
    },
  ])(
    'K1: SIGINT while waiting for the change set ($moment) → it is deleted, the error line and the summary say so, exit 1 within seconds',
    async ({ hold }) => {
      const name = uniqueName('dist-k1');
      const { run, error } = await interruptedDeploy(name, 'k1-plan', hold());

      expect(proxy.ops('CreateChangeSet').map((call) => call.status)).toEqual([200]);
      expect(proxy.ops('DeleteChangeSet').map((call) => call.status)).toEqual([200]);
      expect(proxy.ops('ExecuteChangeSet')).toEqual([]);
      expect(await changeSetsOf(name)).toEqual([]);
      const cleaned = new RegExp(
        `cancelled \\(SIGINT\\)\\. Cleaned up: change set k1-plan of stack ${name} \\(deleted`,
      );
      expect(error).toMatch(cleaned);
      expect(error).not.toMatch(/Could NOT clean up/);
      expect(run.summary).toMatch(cleaned);
      expect(run.summary).not.toMatch(/no change set was left behind/i);
    },
  );

  it('K1: SIGINT while waiting for the execution → nothing is deleted, and the error line and the summary say the operation continues on AWS', async () => {
    const name = uniqueName('dist-k1-exec');
    const executing = holdFirst(
      (req) => req.action === 'DescribeStacks' && proxy.ops('ExecuteChangeSet').length > 0,
      5_000,
    );
    const { run, error } = await interruptedDeploy(name, 'k1-exec', executing);

    expect(proxy.ops('ExecuteChangeSet').map((call) => call.status)).toEqual([200]);
    expect(proxy.ops('DeleteChangeSet')).toEqual([]);
    const honest = new RegExp(
      `Could NOT clean up — check by hand: change set k1-exec of stack ${name} \\(change set k1-exec of stack ${name} was already executing: nothing to delete, and the stack operation continues on AWS`,
    );
    expect(error).toMatch(honest);
    expect(error).not.toMatch(/Cleaned up:/);
    expect(run.summary).toMatch(honest);
  });
});

describe('dist/deploy-stack P1: guards that could be bypassed hold through the committed bundle', () => {
  const calls = (action: string) => proxy.calls.filter((call) => call.action === action);

  it('P1: no-execute-changeset: 1 (with every action.yml default passed, as the runner does) plans and never executes', async () => {
    const name = uniqueName('dist-p1-alias');
    const run = await deploy({ name, 'no-execute-changeset': '1', 'parameter-overrides': 'ApiToken=p1-alias-token' });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(calls('ExecuteChangeSet')).toEqual([]);
    expect(run.outputs['plan-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.summary).toMatch(/Change set created for review \(not executed\)/);
    expect((await stackNamed(name))?.StackStatus).toBe('REVIEW_IN_PROGRESS');
  });

  it('P1: no-fail-on-empty-changeset: 0 fails on an empty change set', async () => {
    const name = uniqueName('dist-p1-empty');
    const params = { name, 'parameter-overrides': 'ApiToken=p1-empty-token' };
    expect((await deploy(params)).code).toBe(0);
    const again = await deploy({ ...params, 'no-fail-on-empty-changeset': '0' });
    expect(again.code).toBe(1);
    expect(errorLines(again)).toEqual([expect.stringMatching(/contains no changes and fail-on-empty-changeset is true/)]);
  });

  it.each([
    [{ mode: 'create-and-execute', 'no-execute-changeset': '1' }, /contradict each other/],
    [{ 'fail-on-empty-changeset': 'false', 'no-fail-on-empty-changeset': '0' }, /contradict each other/],
  ])('P1: contradicting inputs %j → one error line, exit 1, no AWS call', async (inputs, message) => {
    const run = await deploy({ name: uniqueName('dist-p1-contra'), ...inputs });
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([expect.stringMatching(message)]);
    expect(proxy.calls).toEqual([]);
  });

  it('P1: execute-only by a reused change set name runs nothing: the reviewed plan deleted, a destructive one created under its name', async () => {
    const name = uniqueName('dist-p1-swap');
    const token = 'ApiToken=p1-swap-token';
    expect((await deploy({ name, 'parameter-overrides': token })).code).toBe(0);
    const plan = await deploy({
      name,
      mode: 'create-only',
      'change-set-name': 'reviewed',
      'parameter-overrides': `${token},Release=v2`,
    });
    expect(plan.code).toBe(0);
    const digest = plan.outputs['plan-digest'] as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The swap: the reviewed plan is deleted and a change set that removes a resource takes its name, described
    // as one of our plans.
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: 'reviewed', StackName: name }));
    const destructive = fs
      .readFileSync(path.join(ws, 'demo.yaml'), 'utf8')
      .replace(/ {2}EnvironmentParameter:\n(?: {4}.*\n)+/, '');
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: name,
        ChangeSetName: 'reviewed',
        ChangeSetType: 'UPDATE',
        TemplateBody: destructive,
        Parameters: [{ ParameterKey: 'ApiToken', UsePreviousValue: true }],
        Description: `guarded-deploy plan acme/infra:pr-1 0123456789ab plan-digest=${digest}`,
      }),
    );
    const swapped = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: 'reviewed', StackName: name }));
    expect(swapped.Changes?.map((change) => `${change.ResourceChange?.Action} ${change.ResourceChange?.LogicalResourceId}`)).toContain(
      'Remove EnvironmentParameter',
    );
    proxy.calls.splice(0);

    const byName = await deploy({
      name,
      mode: 'execute-only',
      template: '',
      'execute-change-set-id': 'reviewed',
      'expected-plan-digest': digest,
      'allow-destructive': 'true',
    });
    expect(byName.code).toBe(1);
    expect(errorLines(byName)).toEqual([expect.stringMatching(/is not the reviewed plan/)]);
    expect(calls('ExecuteChangeSet')).toEqual([]);

    const withoutDigest = await deploy({ name, mode: 'execute-only', template: '', 'execute-change-set-id': 'reviewed' });
    expect(errorLines(withoutDigest)).toEqual([expect.stringMatching(/is a change set name.*expected-plan-digest/)]);
    expect(calls('ExecuteChangeSet')).toEqual([]);
    expect((await stackNamed(name))?.StackStatus).toBe('CREATE_COMPLETE');
  });

  it('P1: execute-only of the reviewed plan by its ARN and digest executes exactly it', async () => {
    const name = uniqueName('dist-p1-exec');
    const plan = await deploy({ name, mode: 'create-only', 'parameter-overrides': 'ApiToken=p1-exec-token' });
    expect(plan.code).toBe(0);
    const run = await deploy({
      name,
      mode: 'execute-only',
      template: '',
      'execute-change-set-id': plan.outputs['change-set-id'] as string,
      'expected-plan-digest': plan.outputs['plan-digest'] as string,
    });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs['plan-digest']).toBe(plan.outputs['plan-digest']);
    expect(calls('ExecuteChangeSet')).toHaveLength(1);
    expect(run.outputs['stack-status']).toBe('CREATE_COMPLETE');
  });

  it('R2: plan then deploy of a new stack: create-only, then create-and-execute of the same name finishes in seconds (polls by stack id)', async () => {
    const name = uniqueName('dist-plan-deploy');
    const plan = await deploy({ name, mode: 'create-only', 'parameter-overrides': 'ApiToken=p6-token' });
    expect(plan.code).toBe(0);
    const started = Date.now();
    const run = await deploy({ name, 'parameter-overrides': 'ApiToken=p6-token' });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs['stack-status']).toBe('CREATE_COMPLETE');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
