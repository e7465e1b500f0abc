/**
 * K1 × the committed bundles: the runner cancels a job with SIGINT, then SIGTERM 7.5 s later (compressed here
 * to 1 s). At each stage of a deploy-stack create (before CreateChangeSet, while it is in flight — sent, its
 * answer held —, while waiting for the change set, during execution) and of a drift-check change-set run, the
 * bundle must exit 1 by itself within seconds with one error line that says what was cleaned up and what was
 * not, the job summary must say the same, and moto's ListChangeSets must show no change set of ours left —
 * except during execution, where the honest report says the stack operation continues on AWS.
 */
import { describe, it } from '@jest/globals';
import {
  errorLines,
  hostileWorkspace,
  leftoverChangeSets,
  pidWithEnv,
  probe,
  sleep,
  type ActionName,
} from '../helpers/adversarial';
import { runProxied } from '../helpers/adversarial-aws';
import type { FaultProxy, ProxiedRequest } from '../helpers/fault-proxy';
import { uniqueName } from '../helpers/moto';

const ws = hostileWorkspace();
/** The runner SIGKILLs 7.5 s + 2.5 s after SIGINT; a cancelled step must be gone well before. */
const EXIT_WITHIN_MS = 7_500;
const SECOND_SIGNAL_AFTER_MS = 1_000;

/** Resolves when the first request matching `matches` reaches the proxy, which applies `fault` to it. */
function onFirst(
  proxy: FaultProxy,
  matches: (req: ProxiedRequest) => boolean,
  fault: { kind: 'delay'; ms: number } | { kind: 'late'; ms: number },
): Promise<void> {
  let arrived!: () => void;
  const seen = new Promise<void>((resolve) => (arrived = resolve));
  proxy.add({
    match: (req) => {
      if (!matches(req)) return false;
      arrived();
      return true;
    },
    fault,
    times: 1,
  });
  return seen;
}

interface Stage {
  action: ActionName;
  stage: string;
  /** Set up the hold; resolves when the moment to cancel has come. */
  hold: (proxy: FaultProxy) => Promise<void>;
  /** Execution already started: nothing to delete, and the report must say the operation continues. */
  executing?: boolean;
}

const named = (action: string) => (req: ProxiedRequest) => req.action === action;

const STAGES: Stage[] = [
  {
    action: 'deploy-stack',
    stage: 'before CreateChangeSet (reading the stack)',
    hold: (proxy) => onFirst(proxy, named('DescribeStacks'), { kind: 'delay', ms: 3_000 }),
  },
  {
    action: 'deploy-stack',
    stage: 'while CreateChangeSet is in flight (sent, answer held)',
    hold: (proxy) => onFirst(proxy, named('CreateChangeSet'), { kind: 'late', ms: 2_000 }),
  },
  {
    action: 'deploy-stack',
    stage: 'while waiting for the change set',
    hold: (proxy) => onFirst(proxy, named('DescribeChangeSet'), { kind: 'delay', ms: 3_000 }),
  },
  {
    action: 'deploy-stack',
    stage: 'during execution',
    executing: true,
    hold: (proxy) =>
      onFirst(proxy, (req) => req.action === 'DescribeStacks' && proxy.ops('ExecuteChangeSet').length > 0, {
        kind: 'delay',
        ms: 3_000,
      }),
  },
  {
    action: 'drift-check',
    stage: 'while CreateChangeSet is in flight (sent, answer held)',
    hold: (proxy) => onFirst(proxy, named('CreateChangeSet'), { kind: 'late', ms: 2_000 }),
  },
  {
    action: 'drift-check',
    stage: 'while waiting for the change set',
    hold: (proxy) => onFirst(proxy, named('DescribeChangeSet'), { kind: 'delay', ms: 3_000 }),
  },
];

const CASES = STAGES.flatMap((stage) =>
  [false, true].map((sigterm) => ({
    ...stage,
    sigterm,
    title: `K1: ${stage.action} ${stage.stage}: ${sigterm ? 'SIGINT then SIGTERM 1 s later' : 'SIGINT'}`,
  })),
);

/** A deployed demo stack (for drift-check to compare with demo-v2.yaml). */
async function deployedStack(): Promise<string> {
  const name = uniqueName('adv-k1-drift');
  const { run } = await runProxied(
    'deploy-stack',
    {
      name,
      template: 'demo.yaml',
      'parameter-overrides': 'ApiToken=k1-cancel-token',
      'change-set-name': 'first',
    },
    { cwd: ws.root },
  );
  if (run.code !== 0) throw new Error(`could not create the stack for drift-check (exit ${run.code})`);
  return name;
}

describe('K1: cancellation at each stage, with an orphan check', () => {
  it.concurrent.each(CASES)('$title', ({ action, hold, executing, sigterm, title }) =>
    probe('cancel', action, title, async () => {
      const stack = action === 'deploy-stack' ? uniqueName('adv-k1') : await deployedStack();
      const marker = `${process.pid}-${Math.random().toString(36).slice(2)}`;
      // Resolved (by arrange, once the proxy exists) when the stage has come: the moment to cancel.
      let stageCame!: () => void;
      const held = new Promise<void>((resolve) => (stageCame = resolve));
      const inputs: Record<string, string> =
        action === 'deploy-stack'
          ? {
              name: stack,
              template: 'demo.yaml',
              'parameter-overrides': 'ApiToken=k1-cancel-token',
              'change-set-name': 'k1-plan',
            }
          : {
              stacks: stack,
              mode: 'change-set',
              template: 'demo-v2.yaml',
              'parameter-overrides': 'ApiToken=k1-cancel-token',
              'fail-on': 'never',
            };
      const secondSignal = async () => {
        await held;
        await sleep(SECOND_SIGNAL_AFTER_MS);
        const pid = pidWithEnv('GD_ADV_CASE', marker);
        if (pid !== undefined) process.kill(pid, 'SIGTERM');
      };
      const ran = runProxied(
        action,
        { ...inputs, 'wait-timeout-minutes': '2' },
        {
          cwd: ws.root,
          timeoutMs: 60_000,
          env: { GD_ADV_CASE: marker },
          arrange: (proxy) => void hold(proxy).then(stageCame),
          killWhen: { when: held, signal: 'SIGINT' },
        },
      );
      if (sigterm) void secondSignal();
      const { run, proxy } = await ran;

      const problems: string[] = [];
      if (run.killedBy) problems.push(`killed by ${run.killedBy}: it did not exit by itself`);
      if (run.code !== 1) problems.push(`exit code ${run.code}, not 1`);
      if (run.exitAfterSignalMs === undefined)
        problems.push('the signal was never sent (the stage never came)');
      else if (run.exitAfterSignalMs > EXIT_WITHIN_MS)
        problems.push(`exited ${run.exitAfterSignalMs} ms after SIGINT (over ${EXIT_WITHIN_MS} ms)`);
      const errors = errorLines(run);
      if (errors.length !== 1)
        problems.push(
          `${errors.length} ::error:: lines, not 1: ${JSON.stringify(errors.map((e) => e.slice(0, 200)))}`,
        );
      const error = errors[0] ?? '';
      if (!/cancelled \(SIG(INT|TERM)\)/.test(error))
        problems.push(`the error line does not say it was cancelled: ${error.slice(0, 200)}`);
      if (!/Cleaned up:|nothing to clean up|Could NOT clean up/.test(error))
        problems.push('the error line does not say what was cleaned up');
      if (!/cancelled \(SIG(INT|TERM)\)/.test(run.summary))
        problems.push('the job summary does not report the cancellation');
      const creates = proxy.calls.filter((call) => /^(CreateChangeSet|ExecuteChangeSet)$/.test(call.action));
      if (executing) {
        if (!/continues/i.test(error))
          problems.push(
            `during execution the report does not say the operation continues: ${error.slice(0, 240)}`,
          );
      } else {
        const left = await leftoverChangeSets(stack);
        if (left.length)
          problems.push(
            `orphan change set(s) left on the stack: ${left.join(', ')} — the error line said: ${error.slice(0, 300)}`,
          );
        if (creates.some((call) => call.action === 'ExecuteChangeSet'))
          problems.push('a change set was executed after the cancellation');
      }
      return problems;
    }),
  );
});
