// Responses shaped exactly like the @aws-sdk/client-amplify types (App, Branch, JobSummary, Job, Step).
import { mockClient } from 'aws-sdk-client-mock';
import {
  AmplifyClient,
  GetAppCommand,
  GetBranchCommand,
  GetJobCommand,
  ListJobsCommand,
  NotFoundException,
  StartJobCommand,
  UpdateAppCommand,
  UpdateBranchCommand,
  type App,
  type Branch,
  type Job,
  type JobStatus,
  type JobSummary,
  type Step,
} from '@aws-sdk/client-amplify';
import { fakeRuntime, type FakeRuntime } from '../../helpers/runtime';

export const APP_ID = 'd1a2b3c4d5e6f7';
export const BRANCH = 'release/demo';
export const SHA_A = 'abc1234def5678abc1234def5678abc1234def56';
export const SHA_B = '0123456789abcdef0123456789abcdef01234567';
const T0 = new Date('2025-01-01T00:00:00Z');

export function app(environmentVariables?: Record<string, string> | null): App {
  return {
    appId: APP_ID,
    appArn: `arn:aws:amplify:us-east-1:123456789012:apps/${APP_ID}`,
    name: 'web',
    description: '',
    repository: 'https://github.com/example/web',
    platform: 'WEB',
    createTime: T0,
    updateTime: T0,
    // null is what the API returns for a new or wiped app (H5); the SDK type says Record | undefined.
    environmentVariables: environmentVariables as Record<string, string> | undefined,
    defaultDomain: `${APP_ID}.amplifyapp.com`,
    enableBranchAutoBuild: false,
    enableBasicAuth: false,
  };
}

export function branch(environmentVariables?: Record<string, string> | null, name = BRANCH): Branch {
  return {
    branchArn: `arn:aws:amplify:us-east-1:123456789012:apps/${APP_ID}/branches/${encodeURIComponent(name)}`,
    branchName: name,
    description: '',
    stage: 'PRODUCTION',
    displayName: name.replace(/\//g, '-'),
    enableNotification: false,
    createTime: T0,
    updateTime: T0,
    environmentVariables: environmentVariables as Record<string, string> | undefined,
    enableAutoBuild: false,
    customDomains: [],
    framework: 'React',
    activeJobId: '0',
    totalNumberOfJobs: '0',
    enableBasicAuth: false,
    ttl: '5',
    enablePullRequestPreview: false,
  };
}

export function jobSummary(jobId: string, status: JobStatus, commitId = SHA_A): JobSummary {
  return {
    jobArn: `arn:aws:amplify:us-east-1:123456789012:apps/${APP_ID}/branches/release-demo/jobs/${jobId.padStart(10, '0')}`,
    jobId,
    commitId,
    commitMessage: 'a commit',
    commitTime: T0,
    startTime: new Date(T0.getTime() + Number(jobId) * 60_000),
    status,
    jobType: 'RELEASE',
    ...(status === 'SUCCEED' || status === 'FAILED' || status === 'CANCELLED'
      ? { endTime: new Date(T0.getTime() + Number(jobId) * 60_000 + 30_000) }
      : {}),
  };
}

export function step(stepName: string, status: JobStatus, extra: Partial<Step> = {}): Step {
  return {
    stepName,
    startTime: T0,
    status,
    endTime: T0,
    logUrl: `https://aws-amplify-prod-us-east-1-artifacts.s3.amazonaws.com/${APP_ID}/${stepName}.log?X-Amz-Signature=abc`,
    ...extra,
  };
}

export function job(jobId: string, status: JobStatus, steps: Step[], commitId = SHA_A): Job {
  return { summary: jobSummary(jobId, status, commitId), steps };
}

export function notFound(message: string): NotFoundException {
  return new NotFoundException({ message, $metadata: { httpStatusCode: 404, requestId: 'req-1' } });
}

export interface Harness {
  rt: FakeRuntime;
  /** The log as the runner would show it: stdout lines, warnings, the text of both. */
  log: { lines: string[]; warnings: string[]; text(): string };
  clock: FakeRuntime['clock'];
  /** Every string registered with the runner (::add-mask::), with the number of log lines printed before it. */
  masked: { value: string; linesBefore: number }[];
  summaries: string[];
  outputs: Record<string, string>;
}

/**
 * A fake Runtime for runWith with every byte recorded (test/helpers/runtime.ts); the AmplifyClient built by
 * `rt.aws` is the one mockClient() stubs.
 */
export function harness(
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
  options: { debug?: boolean } = {},
): Harness {
  const rt = fakeRuntime({
    action: 'amplify-release',
    inputs,
    env: { AWS_REGION: 'us-east-1', ...env },
    ...(options.debug ? { debug: true } : {}),
  });
  const { sink } = rt;
  const masked: Harness['masked'] = [];
  const command = sink.command.bind(sink);
  sink.command = (name, message) => {
    if (name === 'add-mask') masked.push({ value: message, linesBefore: sink.lines.length });
    command(name, message);
  };
  return {
    rt,
    log: {
      lines: sink.lines,
      get warnings() {
        return sink.commands.filter((c) => c.name === 'warning').map((c) => c.message);
      },
      text: () => sink.text(),
    },
    clock: rt.clock,
    masked,
    summaries: sink.summaries,
    outputs: sink.outputs,
  };
}

/** Everything a person could see: log lines, annotations, summaries, outputs. */
export function everything(h: Harness): string {
  return h.rt.sink.all();
}

/** The Amplify API every client built by `rt.aws(AmplifyClient, …)` talks to (reset it before each test). */
export const amplify = mockClient(AmplifyClient);

/** The inputs every run needs. */
export const base = { 'app-id': APP_ID, branch: BRANCH };

export interface World {
  /** The app as GetApp answers it. Default: app(appEnv). */
  app?: App;
  appEnv?: Record<string, string> | null;
  branchEnv?: Record<string, string> | null;
  /** The branch's jobs, on one page. Default: none. */
  jobs?: JobSummary[];
}

/** App and branch exist; updates succeed; StartJob starts job 43, which runs and succeeds. */
export function world(o: World = {}): void {
  amplify.on(GetAppCommand).resolves({ app: o.app ?? app(o.appEnv) });
  amplify.on(GetBranchCommand).resolves({ branch: branch(o.branchEnv) });
  amplify.on(ListJobsCommand).resolves({ jobSummaries: o.jobs ?? [] });
  amplify.on(UpdateBranchCommand).resolves({ branch: branch({}) });
  amplify.on(UpdateAppCommand).resolves({ app: app({}) });
  amplify.on(StartJobCommand).resolves({ jobSummary: jobSummary('43', 'PENDING') });
  amplify
    .on(GetJobCommand, { jobId: '43' })
    .resolvesOnce({ job: job('43', 'PENDING', []) })
    .resolvesOnce({ job: job('43', 'RUNNING', [step('BUILD', 'RUNNING')]) })
    .resolves({ job: job('43', 'SUCCEED', [step('BUILD', 'SUCCEED'), step('DEPLOY', 'SUCCEED')]) });
}
