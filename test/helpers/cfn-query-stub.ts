// A loopback stand-in for the CloudFormation query API (moto has no drift APIs), for dist tests and anything
// else that runs the real SDK. Requests are POST form-encoded `Action=...&Version=2010-05-15&...`; responses are
// `<{Action}Response xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><{Action}Result>…` with member
// names exactly as the SDK's schema (node_modules/@aws-sdk/client-cloudformation/dist-cjs) reads them, lists as
// `<member>` items, timestamps ISO 8601; errors as `<ErrorResponse><Error><Type/><Code/><Message/></Error>` with
// HTTP 400. Answers from the drift scenarios in test/fixtures/drift.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { changeSetId, type DriftScenario } from '../fixtures/drift';
import { deployedTemplate, pageOf, type DeployedScenario } from './drift-cfn';

export const CFN_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface QueryCall {
  action: string;
  /** Decoded form parameters (`Parameters.member.1.ParameterKey` style keys). */
  params: Record<string, string>;
}

export interface CfnStubOptions {
  /** DescribeStackDriftDetectionStatus answers DETECTION_IN_PROGRESS this many times first. Default 1. */
  detectionPolls?: number;
  /** DescribeChangeSet answers CREATE_IN_PROGRESS this many times first. Default 0. */
  changeSetPolls?: number;
  /** Page size for DescribeStackResourceDrifts and DescribeChangeSet. Default 1. */
  pageSize?: number;
}

export interface CfnStub {
  endpoint: string;
  calls: QueryCall[];
  ops(action: string): QueryCall[];
  /** Change sets that exist now (created and not deleted). */
  changeSets: Map<string, { stack: string; name: string }>;
  deleted: string[];
  close(): Promise<void>;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** SDK-shaped value → query-protocol XML (member names as-is, lists as <member>, dates ISO 8601). */
export function toXml(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => `<member>${toXml(x)}</member>`).join('');
  if (typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== null)
      .map(([k, x]) => `<${k}>${toXml(x)}</${k}>`)
      .join('');
  return esc(String(v));
}

class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startCfnStub(scenarios: DeployedScenario[], o: CfnStubOptions = {}): Promise<CfnStub> {
  const by = new Map(scenarios.map((s) => [s.stack.StackName as string, s]));
  const calls: QueryCall[] = [];
  const changeSets = new Map<string, { stack: string; name: string }>();
  const deleted: string[] = [];
  const polls = new Map<string, number>();
  const pageSize = o.pageSize ?? 1;
  let rid = 0;

  const scenario = (name: string | undefined): DeployedScenario => {
    const s = by.get(name ?? '');
    if (!s) throw new QueryError('ValidationError', `Stack with id ${name} does not exist`);
    return s;
  };
  const findCs = (idOrName: string, stack?: string) => {
    const cs =
      changeSets.get(idOrName) ??
      [...changeSets.entries()].find(([, v]) => v.name === idOrName && v.stack === stack)?.[1];
    if (!cs) throw new QueryError('ChangeSetNotFound', `ChangeSet [${idOrName}] does not exist`);
    return { id: changeSetId(cs.stack, cs.name), ...cs };
  };
  const bump = (key: string) => {
    const n = polls.get(key) ?? 0;
    polls.set(key, n + 1);
    return n;
  };

  const handle = (action: string, p: Record<string, string>): unknown => {
    switch (action) {
      case 'DescribeStacks':
        return { Stacks: [scenario(p.StackName).stack] };
      case 'GetTemplate': {
        const body = deployedTemplate(scenario(p.StackName));
        if (body === undefined)
          throw new QueryError('ValidationError', 'Template format error: unreadable template');
        return { TemplateBody: body, StagesAvailable: ['Original', 'Processed'] };
      }
      case 'GetTemplateSummary':
        return { Parameters: scenario(p.StackName).parameters, Version: '2010-09-09' };
      case 'DetectStackDrift':
        scenario(p.StackName);
        return { StackDriftDetectionId: `det-${p.StackName}-${bump(`detect:${p.StackName}`)}` };
      case 'DescribeStackDriftDetectionStatus': {
        const id = p.StackDriftDetectionId as string;
        const name = id.replace(/^det-/, '').replace(/-\d+$/, '');
        const s = scenario(name);
        const base = { StackId: s.stack.StackId, StackDriftDetectionId: id, Timestamp: new Date() };
        if (bump(id) < (o.detectionPolls ?? 1)) return { ...base, DetectionStatus: 'DETECTION_IN_PROGRESS' };
        return { ...base, ...s.detection };
      }
      case 'DescribeStackResourceDrifts': {
        const { page, nextToken } = pageOf(scenario(p.StackName).resourceDrifts, p.NextToken, pageSize);
        return { StackResourceDrifts: page, NextToken: nextToken };
      }
      case 'CreateChangeSet': {
        const s = scenario(p.StackName);
        if (s.createError) throw new QueryError(s.createError.name, s.createError.message);
        const id = changeSetId(p.StackName as string, p.ChangeSetName as string);
        changeSets.set(id, { stack: p.StackName as string, name: p.ChangeSetName as string });
        return { Id: id, StackId: s.stack.StackId };
      }
      case 'DescribeChangeSet': {
        const cs = findCs(p.ChangeSetName as string, p.StackName);
        const s = scenario(cs.stack);
        const base = {
          ChangeSetId: cs.id,
          ChangeSetName: cs.name,
          StackId: s.stack.StackId,
          StackName: cs.stack,
        };
        if (!p.NextToken && bump(cs.id) < (o.changeSetPolls ?? 0))
          return { ...base, Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE' };
        const changes =
          p.IncludePropertyValues === 'true'
            ? (s.changeSet.Changes ?? [])
            : stripValues(s.changeSet.Changes ?? []);
        const { page, nextToken } = pageOf(changes, p.NextToken, pageSize);
        return { ...base, ...s.changeSet, Changes: page, NextToken: nextToken };
      }
      case 'DeleteChangeSet': {
        const cs = findCs(p.ChangeSetName as string, p.StackName);
        changeSets.delete(cs.id);
        deleted.push(cs.id);
        return {};
      }
      default:
        throw new QueryError('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const action = params.Action ?? '';
      calls.push({ action, params });
      const requestId = `req-${++rid}`;
      try {
        const result = handle(action, params);
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${CFN_NS}"><${action}Result>${toXml(result)}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
        );
      } catch (e) {
        const code = e instanceof QueryError ? e.code : 'InternalFailure';
        res.writeHead(e instanceof QueryError ? 400 : 500, {
          'content-type': 'text/xml',
          'x-amzn-requestid': requestId,
        });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${CFN_NS}"><Error><Type>Sender</Type><Code>${esc(code)}</Code><Message>${esc((e as Error).message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    ops: (action) => calls.filter((c) => c.action === action),
    changeSets,
    deleted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Without IncludePropertyValues CloudFormation leaves out Before/After values and Drift. */
function stripValues(changes: NonNullable<DriftScenario['changeSet']['Changes']>) {
  return changes.map((c) => ({
    ...c,
    ResourceChange: c.ResourceChange && {
      ...c.ResourceChange,
      BeforeContext: undefined,
      AfterContext: undefined,
      Details: c.ResourceChange.Details?.map((d) => ({
        ...d,
        Target: d.Target && { ...d.Target, BeforeValue: undefined, AfterValue: undefined, Drift: undefined },
      })),
    },
  }));
}
