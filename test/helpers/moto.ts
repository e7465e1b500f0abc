/** Integration helpers: the moto endpoint started by scripts/test.mjs, and env for SDK clients and dist processes. */
export function motoEndpoint(): string {
  const e = process.env.GD_MOTO_ENDPOINT;
  if (!e)
    throw new Error(
      'GD_MOTO_ENDPOINT is not set: run integration tests through `npm test` (it starts moto).',
    );
  return e;
}

export const TEST_REGION = 'us-east-1';
export const MOTO_ACCOUNT = '123456789012';

/** Environment that points the AWS SDK (and aws CLI) at moto with dummy credentials. */
export function motoEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_REGION: TEST_REGION,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
  };
}

/** Client config for SDK clients used directly by tests. */
export function motoClientConfig() {
  return {
    region: TEST_REGION,
    endpoint: motoEndpoint(),
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
  };
}

let counter = 0;
/** A stack/bucket name unique to this test run. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
