// Forward one buffered request to an upstream HTTP server and buffer its answer: the loopback proxies of the
// tests (test/helpers/fault-proxy.ts) and of the benchmarks (bench/latency-proxy.mjs) share it.
import http from 'node:http';

/**
 * @param {URL} target the upstream (its host header replaces the request's)
 * @param {http.IncomingMessage} req the request as received
 * @param {Buffer} body its body
 * @param {http.Agent} [agent] keep-alive agent for the upstream
 */
export function forwardRequest(target, req, body, agent) {
  return new Promise((resolve, reject) => {
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    up.on('error', reject);
    up.end(body);
  });
}
