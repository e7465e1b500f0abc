// Responses shaped exactly like the @aws-sdk/client-amplify types (App, Branch, JobSummary, Job, Step).
import {
  AmplifyClient,
  NotFoundException,
  type App,
  type Branch,
  type Job,
  type JobStatus,
  type JobSummary,
  type Step,
} from '@aws-sdk/client-amplify';
import { fakeClock } from '../../../src/clock';
import { mapInputs } from '../../../src/inputs';
import { memoryLogger } from '../../../src/log';
import type { Runtime } from '../../../actions/amplify-release/src/main';

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
  rt: Runtime;
  log: ReturnType<typeof memoryLogger>;
  clock: ReturnType<typeof fakeClock>;
  /** Every masked string, with the number of log lines printed at the time it was masked. */
  masked: { value: string; linesBefore: number }[];
  summaries: string[];
  outputs: Record<string, string>;
}

/** A Runtime for runWith with everything recorded; the AmplifyClient is the one mockClient() stubs. */
export function harness(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): Harness {
  const log = memoryLogger();
  const clock = fakeClock();
  const masked: Harness['masked'] = [];
  const summaries: string[] = [];
  const outputs: Record<string, string> = {};
  const rt: Runtime = {
    get: mapInputs(inputs),
    env: { AWS_REGION: 'us-east-1', ...env },
    log,
    clock,
    mask: (value) => masked.push({ value, linesBefore: log.lines.length }),
    amplify: (region) =>
      new AmplifyClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    summary: async (md) => void summaries.push(md),
    setOutputs: (o) => {
      for (const [k, v] of Object.entries(o)) if (v !== undefined) outputs[k] = String(v);
    },
  };
  return { rt, log, clock, masked, summaries, outputs };
}

/** Everything a person could see: log lines, warnings, summaries, outputs. */
export function everything(h: Harness): string {
  return [h.log.text(), ...h.log.warnings, ...h.summaries, JSON.stringify(h.outputs)].join('\n');
}
