/**
 * Forward proxies for proxied self-hosted runners, with no dependency: the `http-proxy` input (its name in
 * aws-cloudformation-github-deploy) or HTTPS_PROXY / HTTP_PROXY (lower-case first, like curl), and NO_PROXY.
 *
 * - https targets (AWS, github.com): a CONNECT tunnel through the proxy, TLS end to end with the target.
 * - http targets (emulators, plain-http endpoints): the request in absolute form (`GET http://host/path`).
 * - NO_PROXY: comma-separated `*`, host names (`example.com` also matches `api.example.com`; a leading `.` or
 *   `*.` means the same), IP addresses, each optionally with `:port`. Loopback is not bypassed implicitly.
 *
 * The agents plug into the AWS SDK's NodeHttpHandler (`httpAgent`/`httpsAgent`) and, through `agentFetch`,
 * into Octokit. A proxy URL may carry credentials (`http://user:pass@proxy:3128`): they go in the
 * Proxy-Authorization header and never into a message (`proxyLabel`).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { InputError } from './errors';

/** The environment variable the runner sets for the `http-proxy` input (hyphens are kept). */
export const HTTP_PROXY_INPUT_ENV = 'INPUT_HTTP-PROXY';

export interface ProxyConfig {
  /** The proxy for http:// targets (none: direct). */
  http?: URL;
  /** The proxy for https:// targets (none: direct). */
  https?: URL;
  /** NO_PROXY entries, lower-cased. */
  noProxy: string[];
  /** Where the proxy came from, for the log (`input http-proxy`, `HTTPS_PROXY`…). */
  source: string;
}

/** `http://proxy.example:3128` — never the credentials. */
export function proxyLabel(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/** A proxy URL (`host:port` alone means http://); only http:// and https:// proxies. Never echoes the value. */
export function parseProxyUrl(value: string, source: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${source} is not a valid proxy URL (expected http://host:port).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(`${source} must be an http:// or https:// proxy URL, got ${url.protocol}//.`);
  if (!url.hostname) throw new InputError(`${source} has no proxy host (expected http://host:port).`);
  return url;
}

function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return [name, value];
  }
  return undefined;
}

/**
 * The proxy configuration of this run, or undefined for direct connections. The `http-proxy` input (given,
 * or read from the runner's INPUT_HTTP-PROXY) wins over the environment and serves http and https targets;
 * NO_PROXY applies either way. Throws InputError for a malformed proxy URL (L1: before any call).
 */
export function proxyConfig(
  env: NodeJS.ProcessEnv,
  input: string | undefined = env[HTTP_PROXY_INPUT_ENV],
): ProxyConfig | undefined {
  const noProxy = (firstSet(env, ['no_proxy', 'NO_PROXY'])?.[1] ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  if (input?.trim()) {
    const proxy = parseProxyUrl(input.trim(), "Input 'http-proxy'");
    return { http: proxy, https: proxy, noProxy, source: 'input http-proxy' };
  }
  const httpsVar = firstSet(env, ['https_proxy', 'HTTPS_PROXY']);
  const httpVar = firstSet(env, ['http_proxy', 'HTTP_PROXY']);
  if (!httpsVar && !httpVar) return undefined;
  return {
    https: httpsVar && parseProxyUrl(httpsVar[1], httpsVar[0]),
    http: httpVar && parseProxyUrl(httpVar[1], httpVar[0]),
    noProxy,
    source: [httpsVar?.[0], httpVar?.[0]].filter(Boolean).join(', '),
  };
}

/** The proxy credentials in `config` (user:password in a proxy URL), to register as secrets (C3). */
export function proxyCredentials(config: ProxyConfig | undefined): string[] {
  const out = new Set<string>();
  for (const proxy of [config?.http, config?.https]) {
    if (!proxy) continue;
    if (proxy.password) out.add(decodeURIComponent(proxy.password));
    if (proxy.password) out.add(proxy.password);
  }
  return [...out];
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/** Split a NO_PROXY entry into host and optional port (`[::1]:8080`, `host:80`, `::1`). */
function splitEntry(entry: string): { host: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] };
  const hostPort = /^([^:]+):(\d+)$/.exec(entry);
  if (hostPort) return { host: hostPort[1] as string, port: hostPort[2] };
  return { host: entry };
}

/** True when NO_PROXY says `url` is reached directly. */
export function bypassesProxy(url: URL, noProxy: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || defaultPort(url.protocol);
  return noProxy.some((entry) => {
    if (entry === '*') return true;
    const split = splitEntry(entry);
    if (split.port !== undefined && split.port !== port) return false;
    const suffix = split.host.replace(/^\*?\./, '');
    return suffix !== '' && (host === suffix || host.endsWith(`.${suffix}`));
  });
}

/** The proxy that `url` goes through, or undefined for a direct connection. */
export function proxyFor(url: URL, config: ProxyConfig | undefined): URL | undefined {
  if (!config || bypassesProxy(url, config.noProxy)) return undefined;
  return url.protocol === 'https:' ? config.https : config.http;
}

function hostForUrl(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const user = decodeURIComponent(proxy.username);
  const password = decodeURIComponent(proxy.password);
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function connectToProxy(proxy: URL): net.Socket {
  const port = Number(proxy.port || defaultPort(proxy.protocol));
  const host = proxy.hostname.replace(/^\[|\]$/g, '');
  if (proxy.protocol === 'https:')
    return tls.connect({ host, port, servername: net.isIP(host) ? undefined : host });
  return net.connect({ host, port });
}

/** What the agents take: the configuration and how long a proxy may take to open a tunnel (T1). */
export interface ProxyAgentOptions {
  config: ProxyConfig;
  handshakeTimeoutMs: number;
}

interface AgentRequestOptions extends http.RequestOptions {
  proxy?: URL;
  servername?: string;
}

type Callback = (error: Error | null, socket: Duplex) => void;

/** http targets: the request goes to the proxy in absolute form; NO_PROXY targets go direct. */
export class ForwardingAgent extends http.Agent {
  constructor(
    private readonly proxying: ProxyAgentOptions,
    options: http.AgentOptions = {},
  ) {
    super(options);
  }

  addRequest(request: http.ClientRequest, options: AgentRequestOptions): void {
    const host = String(options.host ?? options.hostname ?? 'localhost');
    const target = new URL(`http://${hostForUrl(host)}:${options.port ?? 80}${request.path}`);
    const proxy = proxyFor(target, this.proxying.config);
    if (proxy) {
      request.path = target.href;
      const authorization = proxyAuthorization(proxy);
      if (authorization) request.setHeader('Proxy-Authorization', authorization);
      options = {
        ...options,
        host: proxy.hostname.replace(/^\[|\]$/g, ''),
        port: Number(proxy.port || defaultPort(proxy.protocol)),
        proxy,
      };
    }
    // Node's own (undocumented, stable) hook, the one every proxy agent uses.
    (http.Agent.prototype as unknown as { addRequest(r: unknown, o: unknown): void }).addRequest.call(
      this,
      request,
      options,
    );
  }

  override createConnection(options: AgentRequestOptions): Duplex {
    if (options.proxy?.protocol === 'https:') return connectToProxy(options.proxy);
    return net.connect(options as net.NetConnectOpts);
  }
}

/** https targets: a CONNECT tunnel through the proxy, then TLS with the target inside it. */
export class TunnelingAgent extends https.Agent {
  constructor(
    private readonly proxying: ProxyAgentOptions,
    options: https.AgentOptions = {},
  ) {
    super(options);
  }

  override createConnection(options: AgentRequestOptions, callback: Callback): Duplex | undefined {
    const host = String(options.host ?? options.hostname ?? 'localhost');
    const port = Number(options.port ?? 443);
    const authority = `${hostForUrl(host)}:${port}`;
    const proxy = proxyFor(new URL(`https://${authority}`), this.proxying.config);
    if (!proxy) return tls.connect(options as tls.ConnectionOptions);
    openTunnel(proxy, authority, this.proxying.handshakeTimeoutMs).then(
      (socket) => callback(null, tls.connect({ ...(options as tls.ConnectionOptions), socket })),
      (error: Error) => callback(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/** Send `CONNECT authority` to the proxy; resolves with the socket once the proxy answers 200. */
export function openTunnel(proxy: URL, authority: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectToProxy(proxy);
    const label = proxyLabel(proxy);
    let answer = Buffer.alloc(0);
    const fail = (message: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`proxy ${label}: ${message} (CONNECT ${authority})`));
    };
    const timer = setTimeout(() => fail(`no answer to CONNECT within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      const end = answer.indexOf('\r\n\r\n');
      if (end === -1) {
        if (answer.length > 16_384) fail('answer headers too long');
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const statusLine = answer.subarray(0, answer.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.[01] 200\b/.test(statusLine)) return fail(`refused: ${statusLine.slice(0, 120)}`);
      clearTimeout(timer);
      socket.off('error', onError);
      const rest = answer.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const onError = (error: Error) => fail(error.message);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', () => fail('closed the connection'));
    const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
    const authorization = proxyAuthorization(proxy);
    if (authorization) lines.push(`Proxy-Authorization: ${authorization}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

export interface ProxyAgents {
  httpAgent: ForwardingAgent;
  httpsAgent: TunnelingAgent;
}

/** Both agents for one configuration (keep-alive, like the SDK's own). */
export function proxyAgents(config: ProxyConfig, handshakeTimeoutMs: number): ProxyAgents {
  const proxying = { config, handshakeTimeoutMs };
  const options = { keepAlive: true, maxSockets: 50 };
  return {
    httpAgent: new ForwardingAgent(proxying, options),
    httpsAgent: new TunnelingAgent(proxying, options),
  };
}

const NULL_BODY = new Set([101, 204, 205, 304]);

function requestBody(body: unknown): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('agentFetch: unsupported request body type');
}

/**
 * A `fetch` over node:http(s) with our agents, for Octokit (`request.fetch`): buffered bodies, no redirects
 * followed (the GitHub API calls we make answer directly), the caller's AbortSignal honoured.
 */
export function agentFetch(agents: ProxyAgents): typeof fetch {
  return ((input: string | URL | Request, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const secure = url.protocol === 'https:';
      const method = (init.method ?? 'GET').toUpperCase();
      const body = requestBody(init.body);
      const request = (secure ? https : http).request(
        url,
        {
          method,
          headers: Object.fromEntries(new Headers(init.headers).entries()),
          agent: secure ? agents.httpsAgent : agents.httpAgent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            try {
              const status = response.statusCode ?? 0;
              const headers = new Headers();
              for (const [name, value] of Object.entries(response.headers))
                for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value])
                  headers.append(name, item);
              const payload = NULL_BODY.has(status) || method === 'HEAD' ? null : Buffer.concat(chunks);
              const answer = new Response(payload, { status, statusText: response.statusMessage, headers });
              Object.defineProperty(answer, 'url', { value: url.href });
              resolve(answer);
            } catch (error) {
              reject(error as Error);
            }
          });
        },
      );
      signal?.addEventListener('abort', () => request.destroy(signal.reason as Error), { once: true });
      request.on('error', reject);
      request.end(body);
    })) as typeof fetch;
}
