/**
 * Running the AWS actions' bundles for the adversarial suite: each case gets its own fault proxy in front of
 * moto (or a stub), so its call log is its own and cases can run side by side.
 */
import type { DistOptions, DistRun } from './dist';
import { runDist } from './dist';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { READ_ONLY, refusalProblems } from './adversarial';
import { motoEndpoint, motoEnv } from './moto';

export interface ProxiedRun {
  run: DistRun;
  proxy: FaultProxy;
  /** The calls that change something, in order. */
  mutating: string[];
}

export interface ProxiedOptions extends DistOptions {
  /** Where the proxy forwards to (default: moto). */
  upstream?: string;
  /** Set up faults (and anything that waits for a call) before the bundle starts. */
  arrange?: (proxy: FaultProxy) => void;
}

/** Run `action`'s bundle with a fresh fault proxy between it and `upstream`; the proxy is closed afterwards. */
export async function runProxied(
  action: string,
  inputs: Record<string, string>,
  opts: ProxiedOptions = {},
): Promise<ProxiedRun> {
  const proxy = await startFaultProxy(opts.upstream ?? motoEndpoint());
  try {
    opts.arrange?.(proxy);
    const run = await runDist(action, inputs, {
      ...opts,
      env: {
        ...motoEnv(),
        AWS_ENDPOINT_URL: proxy.endpoint,
        AWS_EC2_METADATA_DISABLED: 'true',
        GITHUB_RUN_ID: '4242',
        GITHUB_RUN_ATTEMPT: '1',
        ...opts.env,
      },
    });
    const mutating = proxy.calls.map((call) => call.action).filter((name) => !READ_ONLY.test(name));
    return { run, proxy, mutating };
  } finally {
    await proxy.close();
  }
}

/**
 * A bad input to an AWS action: run it and return what did not hold (see refusalProblems); with `noCalls`,
 * any AWS call at all before the refusal is a problem too.
 */
export async function awsRefusalProblems(
  action: string,
  inputs: Record<string, string>,
  opts: ProxiedOptions & { noCalls?: boolean },
): Promise<string[]> {
  const { run, proxy, mutating } = await runProxied(action, inputs, { timeoutMs: 90_000, ...opts });
  const problems = refusalProblems(run, mutating);
  if (opts.noCalls && proxy.calls.length)
    problems.push(
      `AWS was called before the input was refused: ${proxy.calls.map((call) => call.action).join(', ')}`,
    );
  return problems;
}
