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
