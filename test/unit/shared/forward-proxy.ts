/**
 * A tiny loopback forward proxy for proxy tests: plain-HTTP forwarding of absolute-form requests
 * (`POST http://host/path`) and CONNECT tunnels. It records every request it sees (the AWS action of
 * query-protocol bodies too) and can map a host name to a loopback port, so a client can be pointed at a name
 * that does not resolve and still reach a stub — the proxy, not the client, resolves the target.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** The request target as sent: an absolute URL, or `host:port` for CONNECT. */
  target: string;
  headers: http.IncomingHttpHeaders;
  /** Query-protocol AWS action (`Action=CreateChangeSet` in the form body), if any. */
  action?: string;
}

export interface ForwardProxy {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Answer CONNECT with this status instead of tunnelling (e.g. 407). */
  refuseConnect?: number;
  close(): Promise<void>;
}

/** `hosts` maps a host name (as the client sends it) to a loopback port. */
export async function startForwardProxy(hosts: Record<string, number> = {}): Promise<ForwardProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: ForwardProxy = {
    url: '',
    port: 0,
    seen: [],
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const resolveTarget = (host: string, port: number) =>
    hosts[host] === undefined ? { host, port } : { host: '127.0.0.1', port: hosts[host] as number };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'))?.[1];
      proxy.seen.push({
        method: request.method ?? '',
        target: request.url ?? '',
        headers: request.headers,
        action,
      });
      if (!/^http:\/\//.test(request.url ?? '')) {
        response.writeHead(400).end('forward proxy: absolute-form request expected');
        return;
      }
      const url = new URL(request.url as string);
      const target = resolveTarget(url.hostname, Number(url.port || 80));
      const headers = { ...request.headers };
      delete headers['proxy-authorization'];
      const upstream = http.request(
        { ...target, path: `${url.pathname}${url.search}`, method: request.method, headers, agent: false },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('socket', (socket: net.Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      upstream.on('error', () => response.headersSent || response.writeHead(502).end());
      upstream.end(body);
    });
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    proxy.seen.push({ method: 'CONNECT', target: request.url ?? '', headers: request.headers });
    if (proxy.refuseConnect) {
      client.end(`HTTP/1.1 ${proxy.refuseConnect} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (request.url ?? '').split(/:(?=\d+$)/);
    const upstream = net.connect(resolveTarget(host as string, Number(port)), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  return proxy;
}
