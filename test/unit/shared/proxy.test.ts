// src/proxy.ts: the http-proxy input and HTTPS_PROXY/HTTP_PROXY/NO_PROXY, for AWS and GitHub calls, through a
// loopback forward proxy (test/unit/shared/forward-proxy.ts). Host names like `aws.proxy.test` do not resolve:
// only the proxy (which maps them to loopback ports) can reach them, so a success proves the proxy was used.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors';
import { createOctokit } from '../../../src/pr-comment';
import { bypassesProxy, openTunnel, proxyAgents, proxyConfig, type ProxyConfig } from '../../../src/proxy';
import { start, type GitHubStub } from '../../helpers/github-stub';
import { startForwardProxy, type ForwardProxy } from './forward-proxy';

const PASSWORD = 'Pr0xy-Pa55-77e1';

const connections = new Map<net.Server, Set<net.Socket>>();

async function listen(server: net.Server): Promise<number> {
  const open = new Set<net.Socket>();
  connections.set(server, open);
  server.on('connection', (socket: net.Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Close a test server and every connection it still holds (nothing may keep jest alive). */
function close(server: net.Server): Promise<void> {
  for (const socket of connections.get(server) ?? []) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function get(url: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? https : http).get(url, { agent }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

describe('proxyConfig: which proxy, from where', () => {
  it('the http-proxy input wins over HTTPS_PROXY/HTTP_PROXY and serves http and https targets', () => {
    const config = proxyConfig(
      { HTTPS_PROXY: 'http://env-proxy:1', HTTP_PROXY: 'http://env-proxy:2', NO_PROXY: 'internal.example' },
      'http://input-proxy:3128',
    ) as ProxyConfig;
    expect(config.https?.host).toBe('input-proxy:3128');
    expect(config.http?.host).toBe('input-proxy:3128');
    expect(config.noProxy).toEqual(['internal.example']);
    expect(config.source).toBe('input http-proxy');
  });

  it('reads the runner variable INPUT_HTTP-PROXY when no input value is passed', () => {
    expect(proxyConfig({ 'INPUT_HTTP-PROXY': 'http://input-proxy:3128' })?.https?.host).toBe(
      'input-proxy:3128',
    );
  });

  it('without the input: lower-case variables first (like curl), each for its own scheme; host:port means http://', () => {
    const runnerEnv = new Map([
      ['https_proxy', 'http://lower:1'],
      ['HTTPS_PROXY', 'http://upper:1'],
      ['HTTP_PROXY', 'plain-proxy:8080'],
      ['no_proxy', ' A.example , ,b.example:8443 '],
    ]);
    const config = proxyConfig(Object.fromEntries(runnerEnv)) as ProxyConfig;
    expect(config.https?.host).toBe('lower:1');
    expect(config.http?.href).toBe('http://plain-proxy:8080/');
    expect(config.noProxy).toEqual(['a.example', 'b.example:8443']);
    expect(config.source).toBe('https_proxy, HTTP_PROXY');
  });

  it('no proxy configured: direct connections', () => {
    expect(proxyConfig({ NO_PROXY: '*' })).toBeUndefined();
    expect(proxyConfig({}, '  ')).toBeUndefined();
  });

  it('L1/C3: a malformed proxy is an InputError that never repeats the URL (it may carry a password)', () => {
    for (const value of [`socks5://user:${PASSWORD}@proxy:1080`, `http://user:${PASSWORD}@[bad`]) {
      let error: unknown;
      try {
        proxyConfig({}, value);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/^Input 'http-proxy'/);
      expect((error as Error).message).not.toContain(PASSWORD);
    }
  });
});

describe('NO_PROXY', () => {
  const cases: [string, string, string[], boolean][] = [
    ['* bypasses everything', 'https://cloudformation.us-east-1.amazonaws.com', ['*'], true],
    [
      'a domain covers its subdomains',
      'https://cloudformation.us-east-1.amazonaws.com',
      ['amazonaws.com'],
      true,
    ],
    ['a leading dot means the same', 'https://sts.amazonaws.com', ['.amazonaws.com'], true],
    ['*.domain means the same', 'https://sts.amazonaws.com', ['*.amazonaws.com'], true],
    ['the domain itself', 'https://amazonaws.com', ['.amazonaws.com'], true],
    ['a suffix is not a domain boundary', 'https://notamazonaws.com', ['amazonaws.com'], false],
    ['an exact IP', 'http://127.0.0.1:5000/', ['127.0.0.1'], true],
    ['an IP with the right port', 'http://127.0.0.1:5000/', ['127.0.0.1:5000'], true],
    ['an IP with another port', 'http://127.0.0.1:5000/', ['127.0.0.1:6000'], false],
    ['the default port of the scheme', 'https://api.github.com/', ['api.github.com:443'], true],
    ['IPv6 with brackets and port', 'http://[::1]:8080/', ['[::1]:8080'], true],
    ['host names are case-insensitive', 'https://API.GitHub.com/', ['api.github.com'], true],
    ['loopback is not bypassed implicitly', 'http://127.0.0.1:5000/', ['example.com'], false],
  ];
  it.each(cases)('%s', (_label, url, noProxy, bypassed) => {
    expect(bypassesProxy(new URL(url), noProxy)).toBe(bypassed);
  });
});

describe('through a loopback forward proxy', () => {
  let proxy: ForwardProxy;
  let target: http.Server;
  let targetPort: number;
  beforeAll(async () => {
    target = http.createServer((request, response) =>
      response.end(`target saw ${request.method} ${request.url}`),
    );
    targetPort = await listen(target);
    proxy = await startForwardProxy({ 'aws.proxy.test': targetPort });
  });
  afterEach(() => {
    proxy.seen.length = 0;
    proxy.refuseConnect = undefined;
  });
  afterAll(async () => {
    await proxy.close();
    await close(target);
  });

  it('http targets: the request goes to the proxy in absolute form, with Proxy-Authorization from the URL', async () => {
    const config = proxyConfig({}, `http://deployer:${PASSWORD}@127.0.0.1:${proxy.port}`) as ProxyConfig;
    const { httpAgent } = proxyAgents(config, 1000);
    const answer = await get(`http://aws.proxy.test:${targetPort}/path?Action=DescribeStacks`, httpAgent);
    expect(answer).toEqual({ status: 200, body: 'target saw GET /path?Action=DescribeStacks' });
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]?.target).toBe(`http://aws.proxy.test:${targetPort}/path?Action=DescribeStacks`);
    expect(proxy.seen[0]?.headers['proxy-authorization']).toBe(
      `Basic ${Buffer.from(`deployer:${PASSWORD}`).toString('base64')}`,
    );
    expect(proxy.seen[0]?.headers.host).toBe(`aws.proxy.test:${targetPort}`);
    httpAgent.destroy();
  });

  it('NO_PROXY: a listed target is reached directly; the proxy sees nothing', async () => {
    const config = proxyConfig({ NO_PROXY: `127.0.0.1:${targetPort}` }, proxy.url) as ProxyConfig;
    const { httpAgent } = proxyAgents(config, 1000);
    const answer = await get(`http://127.0.0.1:${targetPort}/direct`, httpAgent);
    expect(answer.body).toBe('target saw GET /direct');
    expect(proxy.seen).toHaveLength(0);
    httpAgent.destroy();
  });

  it('https targets: CONNECT host:port to the proxy, then the TLS handshake (with SNI) inside the tunnel', async () => {
    // The tunnel's far end: a TCP server that records the first bytes (a TLS ClientHello) and hangs up.
    let firstBytes: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
    const tlsEnd = net.createServer((socket) => {
      firstBytes = new Promise((resolve) =>
        socket.once('data', (chunk: Buffer) => (resolve(chunk), socket.destroy())),
      );
    });
    const tlsPort = await listen(tlsEnd);
    const mapped = await startForwardProxy({ 'secure.proxy.test': tlsPort });
    const config = proxyConfig({}, `http://deployer:${PASSWORD}@127.0.0.1:${mapped.port}`) as ProxyConfig;
    const { httpsAgent } = proxyAgents(config, 1000);
    await expect(get('https://secure.proxy.test/', httpsAgent)).rejects.toThrow();
    expect(mapped.seen).toEqual([
      expect.objectContaining({ method: 'CONNECT', target: 'secure.proxy.test:443' }),
    ]);
    expect(mapped.seen[0]?.headers.host).toBe('secure.proxy.test:443');
    expect(mapped.seen[0]?.headers['proxy-authorization']).toBe(
      `Basic ${Buffer.from(`deployer:${PASSWORD}`).toString('base64')}`,
    );
    const hello = await firstBytes;
    expect(hello[0]).toBe(0x16); // TLS handshake record
    expect(hello.includes(Buffer.from('secure.proxy.test'))).toBe(true); // SNI names the target, not the proxy
    httpsAgent.destroy();
    await mapped.close();
    await close(tlsEnd);
  });

  it('a refused CONNECT fails the request with the status, never the proxy password', async () => {
    proxy.refuseConnect = 407;
    const config = proxyConfig({}, `http://deployer:${PASSWORD}@127.0.0.1:${proxy.port}`) as ProxyConfig;
    const { httpsAgent } = proxyAgents(config, 1000);
    const failure = get('https://sts.amazonaws.com/', httpsAgent);
    await expect(failure).rejects.toThrow(/proxy http:\/\/127\.0\.0\.1:\d+: refused: HTTP\/1\.1 407/);
    await expect(failure).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(PASSWORD) }),
    );
    httpsAgent.destroy();
  });

  it('T1: a proxy that accepts and never answers CONNECT fails within the handshake timeout', async () => {
    const silent = net.createServer(() => undefined);
    const port = await listen(silent);
    const started = Date.now();
    await expect(
      openTunnel(new URL(`http://127.0.0.1:${port}`), 'sts.amazonaws.com:443', 200),
    ).rejects.toThrow(/no answer to CONNECT within 200 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    await close(silent);
  });
});

describe('GitHub calls (createOctokit) through the proxy', () => {
  let proxy: ForwardProxy;
  let gh: GitHubStub;
  let ghPort: number;
  beforeAll(async () => {
    gh = await start();
    ghPort = Number(new URL(gh.url).port);
    proxy = await startForwardProxy({ 'github.proxy.test': ghPort });
  });
  afterEach(() => {
    proxy.seen.length = 0;
  });
  afterAll(async () => {
    await proxy.close();
    await gh.stop();
  });

  const list = (octokit: ReturnType<typeof createOctokit>) =>
    octokit.rest.issues.listComments({ owner: 'o', repo: 'r', issue_number: 1, per_page: 100 });

  it('the http-proxy input (INPUT_HTTP-PROXY) applies to the GitHub API too, over a dead HTTP_PROXY', async () => {
    const octokit = createOctokit('ghs_x', `http://github.proxy.test:${ghPort}`, 5000, {
      'INPUT_HTTP-PROXY': proxy.url,
      HTTP_PROXY: 'http://127.0.0.1:9',
    });
    gh.addComment(1, 'hello through the proxy', { owner: 'o', repo: 'r' });
    const response = await list(octokit);
    expect(response.status).toBe(200);
    expect(response.data.map((comment) => comment.body)).toContain('hello through the proxy');
    expect(proxy.seen.map((seen) => `${seen.method} ${seen.target}`)).toEqual([
      `GET http://github.proxy.test:${ghPort}/repos/o/r/issues/1/comments?per_page=100`,
    ]);
    expect(proxy.seen[0]?.headers.authorization).toBe('token ghs_x');
  });

  it('HTTP_PROXY from the environment is used; NO_PROXY sends the call direct', async () => {
    const viaEnv = createOctokit('ghs_x', `http://github.proxy.test:${ghPort}`, 5000, {
      HTTP_PROXY: proxy.url,
    });
    expect((await list(viaEnv)).status).toBe(200);
    expect(proxy.seen).toHaveLength(1);
    const direct = createOctokit('ghs_x', gh.url, 5000, { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect((await list(direct)).status).toBe(200);
    expect(proxy.seen).toHaveLength(1);
  });

  it('T1: the per-request timeout still holds through the proxy (a target that never answers)', async () => {
    const blackhole = net.createServer(() => undefined);
    const port = await listen(blackhole);
    const mapped = await startForwardProxy({ 'slow.proxy.test': port });
    const octokit = createOctokit('ghs_x', `http://slow.proxy.test:${port}`, 300, {
      'INPUT_HTTP-PROXY': mapped.url,
    });
    const started = Date.now();
    await expect(list(octokit)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    await mapped.close();
    await close(blackhole);
  });
});
