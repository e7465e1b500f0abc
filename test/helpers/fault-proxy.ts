/**
 * A programmable loopback proxy in front of an AWS endpoint (moto, or a stub): the flaky network and the
 * hostile service, on demand. Rules match a request (by AWS action — the query protocol's `Action=` form
 * field, the JSON protocol's `X-Amz-Target`, or REST method + path) and apply one fault a limited number of
 * times; everything else is forwarded untouched. Every call is recorded with the fault it met.
 *
 * Faults: `throttle` (400 Throttling, the query/JSON error shape), `status` (any HTTP status, e.g. 500/503),
 * `reset` (the socket is destroyed before forwarding), `delay` (forward after a pause), `blackhole` (accepted,
 * never answered), `lost` (forwarded — the service did the work — then the socket is destroyed before the
 * answer reaches the client), `rewrite` (forward, then transform the answer body: real-AWS shapes, hostile
 * text), `late` (forward at once — the service does the work — and hold the answer: a call in flight that a
 * cancellation cannot take back).
 */
import { forwardRequest } from '../../scripts/http-forward.mjs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'throttle' }
  | { kind: 'status'; status: number; code?: string; message?: string }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'blackhole' }
  | { kind: 'lost' }
  | { kind: 'rewrite'; body: (body: string, req: ProxiedRequest) => string; status?: number }
  | { kind: 'late'; ms: number };

export interface ProxiedRequest {
  method: string;
  path: string;
  /** AWS action name (`CreateChangeSet`), or `METHOD /path` for REST APIs. */
  action: string;
  body: string;
}

export interface Rule {
  /** An action name, a RegExp tested against the action, or a predicate. */
  match: string | RegExp | ((req: ProxiedRequest) => boolean);
  fault: Fault;
  /** How many matching requests get the fault (default: all). */
  times?: number;
  /** Let this many matching requests through before the fault applies (default 0). */
  after?: number;
}

export interface ProxyCall {
  action: string;
  fault?: Fault['kind'];
  status?: number;
}

export interface FaultProxy {
  endpoint: string;
  calls: ProxyCall[];
  /** Calls of one action (whatever fault they met). */
  ops(action: string): ProxyCall[];
  add(rule: Rule): void;
  clear(): void;
  close(): Promise<void>;
}

function actionOf(method: string, path: string, headers: http.IncomingHttpHeaders, body: string): string {
  const form = /(?:^|&)Action=([A-Za-z0-9]+)/.exec(body)?.[1];
  if (form) return form;
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  return `${method} ${path.split('?')[0]}`;
}

function matches(rule: Rule, req: ProxiedRequest): boolean {
  if (typeof rule.match === 'string') return rule.match === req.action;
  if (rule.match instanceof RegExp) return rule.match.test(req.action);
  return rule.match(req);
}

function errorBody(code: string, message: string, json: boolean): string {
  return json
    ? JSON.stringify({ __type: code, message })
    : `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: Array<Rule & { seen: number; applied: number }> = [];
  const calls: ProxyCall[] = [];
  const sockets = new Set<Socket>();

  const forward = (req: http.IncomingMessage, body: Buffer) => forwardRequest(target, req, body);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      const json = String(req.headers['content-type'] ?? '').includes('json');
      const proxied: ProxiedRequest = {
        method,
        path,
        action: actionOf(method, path, req.headers, body),
        body,
      };
      let fault: Fault | undefined;
      for (const rule of rules) {
        if (!matches(rule, proxied)) continue;
        rule.seen++;
        if (rule.seen <= (rule.after ?? 0)) continue;
        if (rule.times !== undefined && rule.applied >= rule.times) continue;
        rule.applied++;
        fault = rule.fault;
        break;
      }
      const call: ProxyCall = { action: proxied.action, fault: fault?.kind };
      calls.push(call);
      const pass = async (transform?: (b: string) => string, lose = false, status?: number, holdMs = 0) => {
        try {
          const up = await forward(req, raw);
          call.status = up.status;
          if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
          if (lose) {
            req.socket.destroy();
            return;
          }
          const out = transform ? Buffer.from(transform(up.body.toString('utf8'))) : up.body;
          const headers = { ...up.headers, 'content-length': String(out.length) };
          delete headers['transfer-encoding'];
          if (status !== undefined) call.status = status;
          res.writeHead(status ?? up.status, headers);
          res.end(out);
        } catch {
          req.socket.destroy();
        }
      };
      switch (fault?.kind) {
        case undefined:
          void pass();
          return;
        case 'throttle':
          call.status = 400;
          res.writeHead(400, { 'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml' });
          res.end(errorBody('Throttling', 'Rate exceeded', json));
          return;
        case 'status':
          call.status = fault.status;
          res.writeHead(fault.status, { 'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml' });
          res.end(
            errorBody(
              fault.code ?? (fault.status >= 500 ? 'InternalFailure' : 'ValidationError'),
              fault.message ?? 'injected by fault proxy',
              json,
            ),
          );
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'delay': {
          const t = setTimeout(() => void pass(), fault.ms);
          req.socket.once('close', () => clearTimeout(t));
          return;
        }
        case 'blackhole':
          return; // accepted, never answered
        case 'lost':
          void pass(undefined, true);
          return;
        case 'rewrite': {
          const rewrite = fault.body;
          void pass((b) => rewrite(b, proxied), false, fault.status);
          return;
        }
        case 'late':
          void pass(undefined, false, undefined, fault.ms);
          return;
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    ops: (action) => calls.filter((c) => c.action === action),
    add: (rule) => void rules.push({ ...rule, seen: 0, applied: 0 }),
    clear: () => void rules.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
