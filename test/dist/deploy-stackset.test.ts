// Runs the committed bundle (dist/deploy-stackset/index.js) as a process, exactly as the runner does, against
// the loopback StackSet stand-in (test/helpers/stackset-standin.ts). Rebuild first:
// `npm run package deploy-stackset`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runDist } from '../helpers/dist';
import { errorLines, forgedCommands } from '../helpers/adversarial';
import { findLeak } from '../helpers/leaks';
import { startStackSetStandIn, type StandIn } from '../helpers/stackset-standin';
import { COMMAND_PAYLOADS } from '../helpers/workflow-commands';
import { TEMPLATE_V1 as TEMPLATE } from '../unit/deploy-stackset/harness';

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const TARGETS = { name: 'orders', template: 'template.yaml', accounts: '111111111111', regions: 'us-east-1,eu-west-1,ap-southeast-2' };
const MUTATING = /^(Create|Update|Delete)/;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: standIn!.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'rollout',
    GITHUB_ACTION: 'deploy',
    ...extra,
  };
}

function workspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-ss-dist-'));
  fs.writeFileSync(path.join(dir, 'template.yaml'), TEMPLATE);
  return dir;
}

const mutating = (from = 0) => standIn!.calls.slice(from).filter((call) => MUTATING.test(call.action)).map((call) => call.action);

describe('dist: deploy-stackset', () => {
  it('S1 (H1): create 1 account × 3 regions (exit 0, outputs, per-instance summary); a re-run starts no operation', async () => {
    standIn = await startStackSetStandIn();
    const ws = workspace();
    const run = await runDist('deploy-stackset', TARGETS, { env: env(), cwd: ws });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.result).toBe('created');
    expect(run.outputs['operation-ids']).toMatch(/^gd-4242-[0-9a-f]{8}-1-create-1$/);
    expect(JSON.parse(run.outputs.instances!)).toHaveLength(3);
    expect(run.summary).toMatch(/111111111111 \| eu-west-1 \| SUCCEEDED \| CURRENT \| SUCCEEDED/);
    expect(mutating()).toEqual(['CreateStackSet', 'CreateStackInstances']);

    const before = standIn.calls.length;
    const again = await runDist('deploy-stackset', TARGETS, { env: env({ GITHUB_RUN_ID: '4243' }), cwd: ws });
    expect(again.code).toBe(0);
    expect(again.outputs.result).toBe('no-changes');
    expect(mutating(before)).toEqual([]);
  });

  it('S1 (C3, W1): beyond failure-tolerance → exit 1, one error line naming the failed instances; hostile reasons defused, secrets redacted', async () => {
    const secret = 'dist-Secret-value-77';
    standIn = await startStackSetStandIn({
      fail: (_account, region) => (region === 'us-east-1' ? undefined : [...COMMAND_PAYLOADS, `bad password ${secret}`].join('\n')),
    });
    const run = await runDist(
      'deploy-stackset',
      { ...TARGETS, 'parameter-overrides': `DbPassword=${secret}`, 'failure-tolerance': '1', 'max-concurrent': '2' },
      { env: env(), cwd: workspace() },
    );
    expect(run.code).toBe(1);
    const errors = errorLines(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('2 of 3 stack instance(s) failed');
    expect(errors[0]).toContain('111111111111/eu-west-1');
    expect(errors[0]).toContain('111111111111/ap-southeast-2');
    expect(run.outputs['failed-instances']).toBe('2');
    const visible = run.all.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
    expect(run.stdout).toContain(`::add-mask::${secret}`);
    expect(visible).toContain('bad password ***');
    expect(findLeak(visible, secret)).toBeUndefined();
    expect(forgedCommands(run.stdout)).toEqual([]);
  });

  it('L1: a bad input → exit 1, one error line, no call at all', async () => {
    standIn = await startStackSetStandIn();
    const run = await runDist('deploy-stackset', { ...TARGETS, accounts: '12345' }, { env: env(), cwd: workspace() });
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([expect.stringContaining("Input 'accounts': '12345' is not a 12-digit AWS account id")]);
    expect(standIn.calls).toEqual([]);
  });

  it('H1/K1: SIGINT while the operation runs → exit 1, says it goes on; the re-run (attempt 2) reports the same operation', async () => {
    standIn = await startStackSetStandIn({ hang: true });
    const ws = workspace();
    const started = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (standIn!.ops('DescribeStackSetOperation').length > 0) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const cancelled = await runDist('deploy-stackset', TARGETS, { env: env(), cwd: ws, killWhen: { when: started, signal: 'SIGINT' } });
    expect(cancelled.killedBy).toBeNull();
    expect(cancelled.code).toBe(1);
    const operation = standIn.ops('CreateStackInstances')[0]!.params.OperationId as string;
    expect(cancelled.all).toContain(`${operation} on orders is RUNNING and goes on in CloudFormation without this job`);

    standIn.finish(operation);
    const before = standIn.calls.length;
    const rerun = await runDist('deploy-stackset', TARGETS, { env: env({ GITHUB_RUN_ATTEMPT: '2' }), cwd: ws });
    expect(errorLines(rerun)).toEqual([]);
    expect(rerun.code).toBe(0);
    expect(rerun.outputs['operation-ids']).toBe(operation);
    expect(rerun.outputs.result).toBe('no-changes');
    expect(mutating(before)).toEqual([]);
  });
});
