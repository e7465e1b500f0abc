// A loopback stand-in for the Amplify REST API (moto has none), for dist tests. Routes and JSON shapes follow
// the SDK's restJson1 serializer (node_modules/@aws-sdk/client-amplify/dist-cjs/index.js) and the API
// reference: {app}, {branch}, {jobSummaries, nextToken}, {jobSummary}, {job: {summary, steps}}; timestamps
// as epoch seconds; errors as HTTP status + x-amzn-errortype.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubCall {
  method: string;
  /** Path as received (branch names URL-encoded). */
  rawPath: string;
  /** Operation name the route maps to (GetApp, UpdateBranch, ListJobs, ...), or 'Unknown'. */
  op: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

export interface StubJob {
  jobId: string;
  status: string;
  commitId: string;
  jobType: string;
  jobReason?: string;
  startTime: number;
  /** GetJob polls left before the job finishes (stub-started jobs progress as they are polled). */
  pollsLeft: number;
  finalStatus: 'SUCCEED' | 'FAILED';
}

export interface StubBranch {
  name: string;
  environmentVariables: Record<string, string> | null;
  jobs: StubJob[];
}

export interface StubApp {
  appId: string;
  environmentVariables: Record<string, string> | null;
  branches: Map<string, StubBranch>;
}

export interface AmplifyStub {
  endpoint: string;
  calls: StubCall[];
  apps: Map<string, StubApp>;
  addApp(appId: string, env?: Record<string, string> | null): StubApp;
  addBranch(appId: string, name: string, env?: Record<string, string> | null): StubBranch;
  /** Calls whose op is one of the given. */
  ops(...names: string[]): StubCall[];
  close(): Promise<void>;
}

export interface StubOptions {
  /** ListJobs page size (the SDK's maxResults is honoured when smaller). Default 2, so pagination is exercised. */
  pageSize?: number;
  /** GetJob polls before a started job finishes. Default 2. */
  pollsToFinish?: number;
  /** How started jobs end. Default SUCCEED. */
  finalStatus?: 'SUCCEED' | 'FAILED';
}

const secs = (ms: number) => Math.floor(ms / 1000);

export async function startAmplifyStub(opts: StubOptions = {}): Promise<AmplifyStub> {
  const apps = new Map<string, StubApp>();
  const calls: StubCall[] = [];
  const region = 'us-east-1';
  const account = '123456789012';
  const t0 = Date.UTC(2025, 0, 1);

  const appJson = (a: StubApp) => ({
    appId: a.appId,
    appArn: `arn:aws:amplify:${region}:${account}:apps/${a.appId}`,
    name: `app-${a.appId}`,
    description: '',
    repository: 'https://github.com/example/web',
    platform: 'WEB',
    createTime: secs(t0),
    updateTime: secs(t0),
    environmentVariables: a.environmentVariables,
    defaultDomain: `${a.appId}.amplifyapp.com`,
    enableBranchAutoBuild: false,
    enableBasicAuth: false,
  });
  const branchJson = (a: StubApp, b: StubBranch) => ({
    branchArn: `arn:aws:amplify:${region}:${account}:apps/${a.appId}/branches/${encodeURIComponent(b.name)}`,
    branchName: b.name,
    description: '',
    stage: 'PRODUCTION',
    displayName: b.name.replace(/\//g, '-'),
    enableNotification: false,
    createTime: secs(t0),
    updateTime: secs(t0),
    environmentVariables: b.environmentVariables,
    enableAutoBuild: false,
    customDomains: [],
    framework: 'React',
    activeJobId: b.jobs.at(-1)?.jobId ?? '0',
    totalNumberOfJobs: String(b.jobs.length),
    enableBasicAuth: false,
    ttl: '5',
    enablePullRequestPreview: false,
  });
  const summaryJson = (a: StubApp, b: StubBranch, j: StubJob) => ({
    jobArn: `arn:aws:amplify:${region}:${account}:apps/${a.appId}/branches/${encodeURIComponent(b.name)}/jobs/${j.jobId.padStart(10, '0')}`,
    jobId: j.jobId,
    commitId: j.commitId,
    commitMessage: j.jobReason ?? 'commit',
    commitTime: secs(j.startTime),
    startTime: secs(j.startTime),
    status: j.status,
    jobType: j.jobType,
    ...(['SUCCEED', 'FAILED', 'CANCELLED'].includes(j.status) ? { endTime: secs(j.startTime) + 60 } : {}),
  });
  const stepsJson = (j: StubJob) => {
    const step = (stepName: string, status: string) => ({
      stepName,
      startTime: secs(j.startTime),
      status,
      endTime: secs(j.startTime) + 30,
      logUrl: `https://example.invalid/logs/${j.jobId}/${stepName}.log`,
    });
    if (j.status === 'PENDING') return [];
    if (j.status === 'RUNNING') return [step('BUILD', 'RUNNING')];
    if (j.status === 'FAILED') return [step('BUILD', 'FAILED')];
    return [step('BUILD', 'SUCCEED'), step('DEPLOY', 'SUCCEED')];
  };

  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const seg = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const method = req.method ?? 'GET';
      let body: Record<string, unknown> | undefined;
      try {
        body = data ? (JSON.parse(data) as Record<string, unknown>) : undefined;
      } catch {
        body = undefined;
      }
      const call: StubCall = {
        method,
        rawPath: url.pathname,
        op: 'Unknown',
        query: Object.fromEntries(url.searchParams),
        body,
      };
      calls.push(call);
      const send = (status: number, json: unknown, errorType?: string) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'x-amzn-requestid': `stub-${calls.length}`,
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        res.end(JSON.stringify(json));
      };
      const notFound = (message: string) => send(404, { message }, 'NotFoundException');

      if (seg[0] !== 'apps' || !seg[1])
        return send(400, { message: `no route ${method} ${url.pathname}` }, 'BadRequestException');
      const app = apps.get(seg[1]);
      // /apps/{appId}
      if (seg.length === 2) {
        call.op = method === 'GET' ? 'GetApp' : 'UpdateApp';
        if (!app) return notFound(`App ${seg[1]} not found.`);
        if (method === 'POST' && body && 'environmentVariables' in body)
          app.environmentVariables = body.environmentVariables as Record<string, string>;
        return send(200, { app: appJson(app) });
      }
      if (seg[2] !== 'branches' || !seg[3]) return send(400, { message: 'no route' }, 'BadRequestException');
      if (!app) return notFound(`App ${seg[1]} not found.`);
      const br = app.branches.get(seg[3]);
      // /apps/{appId}/branches/{branchName}
      if (seg.length === 4) {
        call.op = method === 'GET' ? 'GetBranch' : 'UpdateBranch';
        if (!br) return notFound(`Branch ${seg[3]} not found.`);
        if (method === 'POST' && body && 'environmentVariables' in body)
          br.environmentVariables = body.environmentVariables as Record<string, string>;
        return send(200, { branch: branchJson(app, br) });
      }
      if (seg[4] !== 'jobs') return send(400, { message: 'no route' }, 'BadRequestException');
      if (!br) return notFound(`Branch ${seg[3]} not found.`);
      // /apps/{appId}/branches/{branchName}/jobs
      if (seg.length === 5 && method === 'GET') {
        call.op = 'ListJobs';
        const size = Math.min(opts.pageSize ?? 2, Number(call.query.maxResults ?? 50));
        const start = Number(call.query.nextToken ?? 0);
        const newest = [...br.jobs].reverse();
        const page = newest.slice(start, start + size);
        const next = start + size < newest.length ? String(start + size) : undefined;
        return send(200, {
          jobSummaries: page.map((j) => summaryJson(app, br, j)),
          ...(next ? { nextToken: next } : {}),
        });
      }
      if (seg.length === 5 && method === 'POST') {
        call.op = 'StartJob';
        const j: StubJob = {
          jobId: String(br.jobs.length + 1),
          status: 'PENDING',
          commitId: (body?.commitId as string | undefined) ?? 'HEAD',
          jobType: String(body?.jobType ?? ''),
          jobReason: body?.jobReason as string | undefined,
          startTime: Date.now(),
          pollsLeft: opts.pollsToFinish ?? 2,
          finalStatus: opts.finalStatus ?? 'SUCCEED',
        };
        br.jobs.push(j);
        return send(200, { jobSummary: summaryJson(app, br, j) });
      }
      // /apps/{appId}/branches/{branchName}/jobs/{jobId}
      if (seg.length === 6 && method === 'GET') {
        call.op = 'GetJob';
        const j = br.jobs.find((x) => x.jobId === seg[5]);
        if (!j) return notFound(`Job ${seg[5]} not found.`);
        const response = { job: { summary: summaryJson(app, br, j), steps: stepsJson(j) } };
        // progress for the next poll
        if (j.status === 'PENDING' || j.status === 'RUNNING') {
          j.pollsLeft -= 1;
          j.status = j.pollsLeft <= 0 ? j.finalStatus : 'RUNNING';
        }
        return send(200, response);
      }
      return send(400, { message: `no route ${method} ${url.pathname}` }, 'BadRequestException');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    apps,
    addApp(appId, env = null) {
      const a: StubApp = { appId, environmentVariables: env, branches: new Map() };
      apps.set(appId, a);
      return a;
    },
    addBranch(appId, name, env = null) {
      const a = apps.get(appId);
      if (!a) throw new Error(`stub: no app ${appId}`);
      const b: StubBranch = { name, environmentVariables: env, jobs: [] };
      a.branches.set(name, b);
      return b;
    },
    ops: (...names) => calls.filter((c) => names.includes(c.op)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
