// Types for scripts/http-forward.mjs (imported by test/helpers/fault-proxy.ts).
import type http from 'node:http';
export function forwardRequest(
  target: URL,
  req: http.IncomingMessage,
  body: Buffer,
  agent?: http.Agent,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>;
