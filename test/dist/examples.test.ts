// Every example workflow (examples/workflows/*.yml), run as written: the caller's jobs, the reusable workflows
// they call, every matrix leg, in `needs` order, with each `if:` evaluated (test/unit/workflows/expressions.ts)
// and each step that uses one of our actions run as the committed bundle (dist/<name>/index.js, through runDist)
// with its `with:` evaluated from the contexts below. Only `secrets`, `vars` and `github` are test values
// (the tables here); inputs, templates, values files and stack names are the examples' own.
//
// What stands in for what: moto for CloudFormation and STS (`aws-actions/configure-aws-credentials` is
// emulated by an STS AssumeRole of the step's role-to-assume, so the account guard sees the role's account, as
// on GitHub); the fake helm (test/helpers/fake-helm) for Helm; the loopback Amplify stub for Amplify; the
// loopback CloudFormation query stub for drift-check (moto has no drift APIs); the loopback GitHub stub for
// the plan's PR comments. Other steps (checkout, shell scripts, artifact upload) are not run: they touch no
// input of ours. Both branches of `github.event_name` are run deliberately: a push (deploys), a pull request
// (plans of the deployed stacks; the drift step's `if:` lets it run), a pull request on new stacks (first plans;
// the drift step's `if:` skips it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { noDrift, type DriftScenario } from '../fixtures/drift';
import { startAmplifyStub, type AmplifyStub } from '../helpers/amplify-stub';
import { startCfnStub, type CfnStub } from '../helpers/cfn-query-stub';
import { runDist, type DistRun } from '../helpers/dist';
import { start as startGitHubStub, type GitHubStub } from '../helpers/github-stub';
import { findLeak } from '../helpers/leaks';
import { motoEndpoint, motoEnv } from '../helpers/moto';
import { interpolate, toText, type Value } from '../unit/workflows/expressions';
import { exampleWorkflows, loadAction, type WorkflowFile } from '../unit/workflows/load';
import { runWorkflow, type JobRecord, type StepCall, type StepResult, type Tables } from '../unit/workflows/walk';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const PR_NUMBER = 7;
const TOKEN = 'ghs_exampleTestToken0123456789';

/** The secrets the examples name (each example's header lists them), with test values. */
const SECRETS: Record<string, string> = {
  DEMO_STACK_PARAMETERS: 'ApiToken=Demo-Stack-Secret-Token-314',
  APP_STACK_PARAMETERS: 'ApiToken=App-Stack-Secret-Token-271',
  INGRESS_HELM_SECRETS: 'controller.admissionWebhooks.token=Ingress-Helm-Secret-161',
  WEB_SECRET_ENV: 'API_TOKEN=Web-Secret-Env-Value-577',
};
const SECRET_VALUES = Object.values(SECRETS).map((line) => line.slice(line.indexOf('=') + 1));

function tables(eventName: string): Tables {
  return {
    github: {
      event_name: eventName,
      token: TOKEN,
      repository: 'your-org/app',
      repository_owner: 'your-org',
      sha: SHA,
      ref: eventName === 'pull_request' ? `refs/pull/${PR_NUMBER}/merge` : 'refs/heads/main',
      run_id: '4242',
      run_attempt: '1',
      server_url: 'https://github.com',
      api_url: 'https://api.github.com',
      workspace: process.cwd(),
      event: eventName === 'pull_request' ? { pull_request: { number: PR_NUMBER } } : {},
    },
    secrets: { GITHUB_TOKEN: TOKEN, ...SECRETS },
    vars: {},
  };
}

interface Ran {
  call: StepCall;
  run?: DistRun;
}

let amplify: AmplifyStub;
let cfnStub: CfnStub;
let github: GitHubStub;
let helmState: string;
const fakeHelm = path.resolve('test/helpers/fake-helm');

/** A drift scenario (in sync) for an example's stack, declaring the parameters of the template it deploys. */
function inSync(name: string, template: string): DriftScenario {
  const spec = parseYaml(fs.readFileSync(template, 'utf8'), { logLevel: 'silent' }) as {
    Parameters?: Record<string, { NoEcho?: boolean }>;
  };
  return {
    ...noDrift(name),
    parameters: Object.entries(spec.Parameters ?? {}).map(([key, p]) => ({
      ParameterKey: key,
      ParameterType: 'String',
      NoEcho: p.NoEcho === true,
    })),
  };
}

beforeAll(async () => {
  amplify = await startAmplifyStub({ pollsToFinish: 1 });
  for (const [app, branch] of [
    ['d1demo2app3id', 'release/demo'],
    ['d1prod2app3id', 'release/prod'],
  ] as const) {
    amplify.addApp(app, null);
    amplify.addBranch(app, branch, null);
  }
  cfnStub = await startCfnStub(
    [
      inSync('demo-staging', 'examples/templates/demo.yaml'),
      inSync('demo-prod', 'examples/templates/demo.yaml'),
      inSync('prod-network', 'examples/templates/network.yaml'),
      inSync('prod-app', 'examples/templates/demo.yaml'),
    ],
    { detectionPolls: 0 },
  );
  github = await startGitHubStub();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-examples-helm-'));
  helmState = path.join(dir, 'state.json');
  fs.writeFileSync(helmState, JSON.stringify({ releases: [] }));
});

afterAll(async () => {
  await amplify?.close();
  await cfnStub?.close();
  await github?.stop();
});

/** An action.yml default that is an expression (`${{ github.token }}`) is evaluated as the runner does. */
function expressionDefaults(action: string, given: Record<string, string>, t: Tables): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(loadAction(action)?.inputs ?? {})) {
    if (name in given || input.default === undefined || !String(input.default).includes('${{')) continue;
    defaults[name] = toText(interpolate(input.default, t as unknown as Record<string, Value>));
  }
  return defaults;
}

async function assumeRole(call: StepCall): Promise<StepResult> {
  const sts = new STSClient({
    region: call.inputs['aws-region'],
    endpoint: motoEndpoint(),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const answer = await sts.send(
    new AssumeRoleCommand({
      RoleArn: call.inputs['role-to-assume'],
      RoleSessionName: call.inputs['role-session-name'],
    }),
  );
  call.jobState.credentials = {
    AWS_ACCESS_KEY_ID: answer.Credentials!.AccessKeyId!,
    AWS_SECRET_ACCESS_KEY: answer.Credentials!.SecretAccessKey!,
    AWS_SESSION_TOKEN: answer.Credentials!.SessionToken!,
    AWS_REGION: call.inputs['aws-region']!,
    AWS_DEFAULT_REGION: call.inputs['aws-region']!,
  };
  return { outcome: 'success' };
}

/** Delete a stack as the given role (a person closing the experiment), and wait until it is gone. */
async function deleteStack(roleArn: string, stackName: string): Promise<void> {
  const jobState: Record<string, unknown> = {};
  await assumeRole({
    workflow: 'test',
    job: 'cleanup',
    step: {},
    action: undefined,
    inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': roleArn, 'role-session-name': 'cleanup' },
    jobState,
  });
  const env = jobState.credentials as Record<string, string>;
  const cfn = new CloudFormationClient({
    region: 'eu-west-1',
    endpoint: motoEndpoint(),
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
      sessionToken: env.AWS_SESSION_TOKEN!,
    },
  });
  for (;;) {
    const stacks = await cfn.send(new DescribeStacksCommand({ StackName: stackName })).catch(() => ({ Stacks: [] }));
    const live = (stacks.Stacks ?? []).find((st) => st.StackStatus !== 'DELETE_COMPLETE');
    if (!live) return;
    await cfn.send(new DeleteStackCommand({ StackName: live.StackId }));
  }
}

/** Runs one example with one event; returns every step that was reached, in order, and the jobs' results. */
async function runExample(
  example: WorkflowFile,
  eventName: string,
): Promise<{ ran: Ran[]; jobs: Record<string, JobRecord> }> {
  const t = tables(eventName);
  const ran: Ran[] = [];
  const eventDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-examples-event-'));
  const eventPath = path.join(eventDir, 'event.json');
  fs.writeFileSync(eventPath, JSON.stringify(t.github.event));
  const runStep = async (call: StepCall): Promise<StepResult> => {
    if ((call.step.uses ?? '').startsWith('aws-actions/configure-aws-credentials@')) {
      ran.push({ call });
      return assumeRole(call);
    }
    if (!call.action) return { outcome: 'success' };
    const credentials = call.jobState.credentials as Record<string, string> | undefined;
    if (!credentials) throw new Error(`${call.job}: ${call.action} runs before any AWS credentials step`);
    const env: Record<string, string> = {
      ...motoEnv(),
      ...credentials,
      AWS_EC2_METADATA_DISABLED: 'true',
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: 'your-org/app',
      GITHUB_REPOSITORY_OWNER: 'your-org',
      GITHUB_SHA: SHA,
      GITHUB_REF: String(t.github.ref),
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: github.url,
    };
    if (call.action === 'drift-check') env.AWS_ENDPOINT_URL_CLOUDFORMATION = cfnStub.endpoint;
    if (call.action === 'amplify-release') env.AWS_ENDPOINT_URL_AMPLIFY = amplify.endpoint;
    if (call.action === 'helm-guard') {
      env.PATH = `${fakeHelm}:${process.env.PATH}`;
      env.FAKE_HELM_STATE = helmState;
    }
    const inputs = { ...expressionDefaults(call.action, call.inputs, t), ...call.inputs };
    const run = await runDist(call.action, inputs, { env, timeoutMs: 120_000 });
    ran.push({ call, run });
    return { outcome: run.code === 0 ? 'success' : 'failure', outputs: run.outputs };
  };
  const jobs = await runWorkflow(example.file, example.doc, t, runStep);
  return { ran, jobs };
}

const examples = new Map(exampleWorkflows().map((w) => [path.basename(w.file), w]));
const example = (name: string) => {
  const found = examples.get(name);
  if (!found) throw new Error(`examples/workflows/${name} is missing`);
  return found;
};

/** Steps of ours that ran, as `job: action`, and their failures with the last lines of output. */
const ours = (ran: Ran[]) => ran.filter((r) => r.run).map((r) => `${r.call.job}: ${r.call.action}`);
const failures = (ran: Ran[]) =>
  ran
    .filter((r) => r.run && r.run.code !== 0)
    .map((r) => `${r.call.job}: ${r.call.action}: ${r.run!.stdout.split('\n').slice(-8).join('\n')}`);

/** What a person would see: everything except the ::add-mask:: commands the runner consumes. */
const visible = (ran: Ran[]) =>
  ran
    .flatMap((r) => (r.run ? [r.run.all] : []))
    .join('\n')
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

describe('every example workflow runs as written (our actions against the emulator)', () => {
  it('the examples this test knows are the examples that exist', () => {
    expect([...examples.keys()].sort()).toEqual([
      'nightly-drift.yml',
      'plan-and-deploy.yml',
      'release-partition.yml',
      'stackset-rollout.yml',
    ]);
  });

  it('plan-and-deploy.yml, push: staging then prod deploy (secret NoEcho parameter included), outputs passed on', async () => {
    const { ran, jobs } = await runExample(example('plan-and-deploy.yml'), 'push');
    expect(failures(ran)).toEqual([]);
    expect(ours(ran)).toEqual(['deploy-staging/deploy: deploy-stack', 'deploy-prod/deploy: deploy-stack']);
    expect(jobs['deploy-staging']!.result).toBe('success');
    expect(jobs['deploy-prod']!.result).toBe('success');
    expect(jobs.report!.result).toBe('success');
    expect(JSON.parse(jobs['deploy-staging']!.outputs.outputs!)).toMatchObject({ Release: 'v1' });
    expect(jobs['deploy-prod']!.outputs['stack-id']).toMatch(/^arn:aws:cloudformation:eu-west-1:222222222222:stack\/demo-prod\//);
    for (const secret of SECRET_VALUES) expect(findLeak(visible(ran), secret)).toBeUndefined();
  });

  it('plan-and-deploy.yml, pull_request after the deploy: plans of the deployed stacks (no changes), and the drift step runs', async () => {
    const { ran } = await runExample(example('plan-and-deploy.yml'), 'pull_request');
    expect(failures(ran)).toEqual([]);
    expect(ours(ran)).toEqual([
      'plan-staging/plan: deploy-stack',
      'plan-staging/plan: drift-check',
      'plan-prod/plan: deploy-stack',
      'plan-prod/plan: drift-check',
    ]);
    const plans = ran.filter((r) => r.call.action === 'deploy-stack');
    for (const r of plans) expect(r.run!.outputs['stack-status']).toBe('CREATE_COMPLETE');
    console.log(JSON.stringify(plans.map((p) => p.run!.outputs)));
    for (const r of plans) expect(r.run!.outputs).toMatchObject({ 'has-changes': 'false' });
  });

  it('plan-and-deploy.yml, pull_request on stacks that do not exist yet: both plans create a change set (not executed); nothing deploys', async () => {
    // moto keeps a second stack of the same name when a CREATE change set is made for a REVIEW_IN_PROGRESS
    // stack (CloudFormation reuses it), so this first-plan case runs last, on stacks deleted first.
    await deleteStack('arn:aws:iam::111111111111:role/guarded-deploy', 'demo-staging');
    await deleteStack('arn:aws:iam::222222222222:role/guarded-deploy', 'demo-prod');
    const { ran, jobs } = await runExample(example('plan-and-deploy.yml'), 'pull_request');
    expect(failures(ran)).toEqual([]);
    expect(ours(ran)).toEqual(['plan-staging/plan: deploy-stack', 'plan-prod/plan: deploy-stack']);
    expect(Object.fromEntries(Object.entries(jobs).map(([id, j]) => [id, j.result]))).toEqual({
      'plan-staging': 'success',
      'plan-prod': 'success',
      'deploy-staging': 'skipped',
      'deploy-prod': 'skipped',
      report: 'skipped',
    });
    for (const r of ran.filter((x) => x.run)) {
      // A first plan: the stack is only reviewed (REVIEW_IN_PROGRESS), so the drift step's `if:` skips it.
      expect(r.run!.outputs).toMatchObject({ 'has-changes': 'true', 'stack-status': 'REVIEW_IN_PROGRESS' });
    }
    // C2: each plan ran with its own environment's role, in its own account.
    expect(ran.filter((r) => !r.run).map((r) => r.call.inputs['role-to-assume'])).toEqual([
      'arn:aws:iam::111111111111:role/guarded-deploy-plan',
      'arn:aws:iam::222222222222:role/guarded-deploy-plan',
    ]);
    // The plan comment went to the pull request (loopback GitHub), one per stack.
    expect(github.on(PR_NUMBER, 'your-org', 'app').length).toBeGreaterThanOrEqual(2);
    // C3: the secret parameter reached CloudFormation and nobody can read it in any output.
    for (const secret of SECRET_VALUES) expect(findLeak(visible(ran), secret)).toBeUndefined();
  });

  it('release-partition.yml, push: demo then prod, each: stacks in order, the chart, the Amplify release', async () => {
    const { ran, jobs } = await runExample(example('release-partition.yml'), 'push');
    expect(failures(ran)).toEqual([]);
    expect(ours(ran)).toEqual([
      'demo/stacks (demo-network): deploy-stack',
      'demo/stacks (demo-app): deploy-stack',
      'demo/charts (ingress-nginx): helm-guard',
      'demo/amplify: amplify-release',
      'prod/stacks (prod-network): deploy-stack',
      'prod/stacks (prod-app): deploy-stack',
      'prod/charts (ingress-nginx): helm-guard',
      'prod/amplify: amplify-release',
    ]);
    expect(jobs.demo!.result).toBe('success');
    expect(jobs.prod!.result).toBe('success');
    const amplifyRuns = ran.filter((r) => r.call.action === 'amplify-release');
    for (const r of amplifyRuns) expect(r.run!.outputs).toMatchObject({ started: 'true', 'job-status': 'SUCCEED' });
    const helmRuns = ran.filter((r) => r.call.action === 'helm-guard');
    for (const r of helmRuns) expect(r.run!.outputs).toMatchObject({ 'pinned-version': '4.13.0' });
    for (const secret of SECRET_VALUES) expect(findLeak(visible(ran), secret)).toBeUndefined();
  });

  it('stackset-rollout.yml, push then pull_request: the rollout to 3 regions, then its plan (no changes, nothing started)', async () => {
    const push = await runExample(example('stackset-rollout.yml'), 'push');
    expect(failures(push.ran)).toEqual([]);
    expect(ours(push.ran)).toEqual(['baseline/apply: deploy-stackset']);
    expect(push.jobs.baseline!.result).toBe('success');
    expect(push.jobs.baseline!.outputs).toMatchObject({ result: 'created', 'failed-instances': '0' });
    expect(push.jobs.baseline!.outputs['operation-ids']).toMatch(/^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*$/);
    const plan = await runExample(example('stackset-rollout.yml'), 'pull_request');
    expect(failures(plan.ran)).toEqual([]);
    expect(ours(plan.ran)).toEqual(['baseline/plan: deploy-stackset']);
    expect(plan.jobs.baseline!.outputs).toMatchObject({ 'plan-destructive-changes': '0' });
    const planStep = plan.ran.find((r) => r.call.action === 'deploy-stackset')!;
    expect(planStep.run!.outputs).toMatchObject({ result: 'planned', 'has-changes': 'false' });
    expect(planStep.run!.outputs['operation-ids']).toBe('');
  });

  it('nightly-drift.yml, schedule: drift-check over both prod stacks', async () => {
    const { ran, jobs } = await runExample(example('nightly-drift.yml'), 'schedule');
    expect(failures(ran)).toEqual([]);
    expect(ours(ran)).toEqual(['prod/drift: drift-check']);
    expect(jobs.prod!.outputs).toMatchObject({ drifted: 'false', 'drifted-stacks': '[]' });
  });
});
