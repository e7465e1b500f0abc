import { USER_AGENT_NAME, VERSION } from './version';

/**
 * Common configuration for every AWS SDK client we build: explicit region, our user agent
 * (`guarded-deploy/<version>`) and adaptive retries (client-side rate limiting on throttling).
 * Endpoints come from the SDK's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> support.
 */
export interface ClientConfig {
  region: string;
  customUserAgent: [string, string][];
  retryMode: 'adaptive';
  maxAttempts: number;
}

export function clientConfig(region: string): ClientConfig {
  return {
    region,
    customUserAgent: [[USER_AGENT_NAME, VERSION]],
    retryMode: 'adaptive',
    maxAttempts: 8,
  };
}

/** Region from the environment the way configure-aws-credentials leaves it. */
export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}
