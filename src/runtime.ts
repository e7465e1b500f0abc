/**
 * The one entry contract. Every action exports `runWith(rt: Runtime): Promise<Outcome>` and takes every
 * dependency from the Runtime: inputs, environment, the outbound channel (logger, masker, outputs, summary,
 * comments, reports), clock, AWS and GitHub client factories, and cancellation. Only an action's `main.ts`
 * builds the real one (`realRuntime`); tests build fakes (`test/helpers/runtime.ts`).
 */
import fs from 'node:fs/promises';
import { clientConfig, type ClientConfig } from './aws';
import { installCancellation, type Cancellation, type CancellationController } from './cancel';
import { realClock, type Clock } from './clock';
import { CancelledError } from './errors';
import { citeFailureModes } from './failure-modes';
import { envInputGetter, type InputGetter } from './inputs';
import type { Logger } from './log';
import { Outbound, type OutboundSink } from './outbound';
import { runnerProtocol } from './runner';
import type { Octokit } from './pr-comment';

/** Commands a cleanup may still send after cancellation; every other call is refused. */
const ALLOWED_AFTER_CANCEL = /^(Describe|List|Get|Head)|^DeleteChangeSet/;

/** The smallest view of an AWS SDK v3 client the factory needs. */
export interface AwsClientLike {
  send(command: object, ...rest: unknown[]): Promise<unknown>;
}

export type AwsClientClass<C> = new (config: ClientConfig & Record<string, unknown>) => C;

/** Builds AWS clients: our config (region, user agent, retries, timeouts) and the cancellation guard. */
export type AwsFactory = <C extends AwsClientLike>(
  Client: AwsClientClass<C>,
  region: string,
  extra?: Record<string, unknown>,
) => C;

/** Builds the GitHub client (loaded on demand: Octokit is a large chunk most runs never need). */
export type GitHubFactory = (token: string) => Promise<Octokit>;

export interface Runtime {
  /** The action's name (`deploy-stack`, …): log groups, messages and the cancellation note use it. */
  action: string;
  inputs: InputGetter;
  env: NodeJS.ProcessEnv;
  /** The one outbound channel: logger, secret registry, outputs, summary, comment bodies, reports. */
  out: Outbound;
  /** The same object as `out`, typed as the logger domain code takes. */
  log: Logger;
  clock: Clock;
  aws: AwsFactory;
  github: GitHubFactory;
  cancel: Cancellation;
}

/** `ExecuteChangeSetCommand` for an SDK v3 command instance (class names survive our ncc bundles). */
export function commandName(command: object): string {
  return (command as { constructor?: { name?: string } }).constructor?.name ?? '';
}

/**
 * Wrap a client so that, once the job is cancelled, it refuses every call a cleanup does not need (no
 * ExecuteChangeSet after a SIGINT, whatever was in flight when it came). The wrapper is an own `send` that
 * calls the prototype's at call time, so aws-sdk-client-mock (which stubs the prototype) sees the guard too.
 */
export function guardClient<C extends AwsClientLike>(client: C, cancel: Cancellation): C {
  const guarded = (command: object, ...rest: unknown[]): Promise<unknown> => {
    const name = commandName(command);
    if (cancel.cancelled && !ALLOWED_AFTER_CANCEL.test(name.replace(/Command$/, ''))) {
      return Promise.reject(
        new CancelledError(`cancelled (${cancel.reason}); ${name || 'the call'} was not sent`),
      );
    }
    const proto = Object.getPrototypeOf(client) as AwsClientLike;
    return proto.send.call(client, command, ...rest);
  };
  Object.defineProperty(client, 'send', { value: guarded, writable: true, configurable: true });
  return client;
}

/** The AWS factory every runtime uses (tests too: aws-sdk-client-mock replaces `send` on the prototype). */
export function awsFactory(cancel: Cancellation, env: NodeJS.ProcessEnv): AwsFactory {
  return (Client, region, extra = {}) =>
    guardClient(new Client({ ...clientConfig(region, env), ...extra }), cancel);
}

/** The runner's writers: stdout, workflow commands, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY (src/runner.ts). */
export function runnerSink(env: NodeJS.ProcessEnv): OutboundSink {
  const runner = runnerProtocol(env);
  return {
    debugEnabled: env.RUNNER_DEBUG === '1',
    line: runner.line,
    command: runner.command,
    output: runner.output,
    summary: async (markdown) => {
      const file = env.GITHUB_STEP_SUMMARY;
      if (!file) return;
      await fs.appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    },
    file: (path, content) => fs.writeFile(path, content, { mode: 0o600 }),
  };
}

/** The real runtime adds what only the process may do: end it. */
export interface RealRuntime extends Runtime {
  cancel: CancellationController;
  /**
   * End the process with `code` once stdout is flushed. A finished action must not linger on calls that are
   * still hanging in the background (a black-holed request keeps Node's event loop alive: T1).
   */
  exit(code: number): void;
}

/** Exit once everything written to stdout has been handed to the OS. */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
}

/** The real runtime. Only actions' main.ts call this. */
export function realRuntime(action: string, env: NodeJS.ProcessEnv = process.env): RealRuntime {
  const out = new Outbound(runnerSink(env), { annotate: (m) => citeFailureModes(m, env) });
  const cancel = installCancellation({
    action,
    clock: realClock,
    proc: process,
    log: out,
    summary: (md) => out.summary(md),
    exit: (code) => process.exit(code),
  });
  return {
    action,
    inputs: envInputGetter(env),
    env,
    out,
    log: out,
    clock: realClock,
    aws: awsFactory(cancel, env),
    github: async (token) => (await import('./pr-comment')).createOctokit(token, env.GITHUB_API_URL),
    cancel,
    exit: exitWhenFlushed,
  };
}
