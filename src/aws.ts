import { proxyAgents, proxyConfig, type ProxyAgents } from './proxy';
import { USER_AGENT_NAME, VERSION } from './version';

/** Connection and per-request (socket inactivity) timeouts for every AWS call (T1). */
export const AWS_TIMEOUTS = { connectionTimeoutMs: 5_000, requestTimeoutMs: 30_000 } as const;

/**
 * Common configuration for every AWS SDK client we build: explicit region, our user agent
 * (`guarded-deploy/<version>`), adaptive retries (client-side rate limiting on throttling) and timeouts.
 * Endpoints come from the SDK's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> support; with a custom
 * endpoint S3 uses path-style addressing (emulators and proxies). A forward proxy (the `http-proxy` input, else
 * HTTPS_PROXY/HTTP_PROXY, with NO_PROXY: src/proxy.ts) is used through the handler's agents.
 */
export interface ClientConfig {
  region: string;
  customUserAgent: [string, string][];
  retryMode: 'adaptive';
  maxAttempts: number;
  requestHandler: {
    connectionTimeout: number;
    requestTimeout: number;
    throwOnRequestTimeout: true;
  } & Partial<ProxyAgents>;
  forcePathStyle?: boolean;
}

export function clientConfig(region: string, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const proxy = proxyConfig(env);
  return {
    region,
    customUserAgent: [[USER_AGENT_NAME, VERSION]],
    retryMode: 'adaptive',
    maxAttempts: 8,
    requestHandler: {
      connectionTimeout: AWS_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: AWS_TIMEOUTS.requestTimeoutMs,
      // Without this, @smithy/node-http-handler only logs a warning when requestTimeout passes and the call
      // waits forever on a connection that was accepted but never answered (T1).
      throwOnRequestTimeout: true,
      ...(proxy ? proxyAgents(proxy, AWS_TIMEOUTS.connectionTimeoutMs) : {}),
    },
    ...(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3 ? { forcePathStyle: true } : {}),
  };
}

/** Region from the environment the way configure-aws-credentials leaves it. */
export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}
