// Runs the committed bundle (dist/drift-check/index.js) as a process, exactly as the runner does, against a
// loopback CloudFormation query-protocol stub (moto has no drift APIs). Rebuild first:
// `node scripts/package.mjs drift-check`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runDist } from '../helpers/dist';
import { startCfnStub, type CfnStub } from '../helpers/cfn-query-stub';
import { D1_CREATE_CHANGE_SET, dsn, NEW, OLD, passwordDrift, url } from '../helpers/drift-cfn';
import { findLeak } from '../helpers/leaks';
import { D1_TEMPLATE, d1, d1WithSecret, d2, detectionFailed, NOECHO_SECRET, noDrift } from '../fixtures/drift';

let stub: CfnStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_CLOUDFORMATION: stub!.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    ...extra,
  };
}

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-drift-dist-'));
  for (const [f, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), body);
  return dir;
}

describe('dist: drift-check', () => {
  it('D1: overwrite with the default fail-on → exit 1, outputs, JSON report, three-way table, change set deleted', async () => {
    stub = await startCfnStub([d1()]);
    const ws = workspace({ 'template.yaml': D1_TEMPLATE });
    const run = await runDist('drift-check', { stacks: 'orders-prod', template: 'template.yaml', 'parameter-overrides': 'Env=prod' }, { env: env(), cwd: ws });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error::drift-check: 1 drifted live value(s) would be overwritten by a deploy (fail-on: overwrite): orders-prod/OrdersFn.MemorySize (previous 128, live 512, proposed 256).',
    );
    expect(run.outputs).toMatchObject({ drifted: 'true', 'drifted-stacks': '["orders-prod"]', overwrites: '1' });
    const report = JSON.parse(fs.readFileSync(run.outputs['report-path'] as string, 'utf8'));
    expect(run.outputs['report-path']!.startsWith(path.join(run.tmp, 'runner-temp'))).toBe(true);
    expect(report.stacks[0]).toMatchObject({
      stack: 'orders-prod',
      verdict: 'overwrite',
      detection: { status: 'DETECTION_COMPLETE', stackDriftStatus: 'DRIFTED' },
      changeSet: { name: 'drift-orders-prod-4242-1', status: 'ready', deleted: true, executed: false, deploymentMode: 'REVERT_DRIFT' },
      properties: [{ resource: 'OrdersFn', property: 'MemorySize', previous: '128', live: '512', proposed: '256', verdict: 'overwrite' }],
    });
    // the SDK really sent what the action asked for
    const create = stub.ops('CreateChangeSet')[0]!.params;
    expect(create).toMatchObject({
      ...D1_CREATE_CHANGE_SET,
      'Capabilities.member.1': 'CAPABILITY_IAM',
      'Parameters.member.1.ParameterKey': 'Env',
      'Parameters.member.1.ParameterValue': 'prod',
    });
    expect(stub.ops('DescribeChangeSet').every((c) => c.params.IncludePropertyValues === 'true')).toBe(true);
    expect(stub.ops('DescribeStackResourceDrifts').map((c) => c.params.NextToken)).toEqual([undefined, '1']);
    // the change set was deleted
    expect(stub.deleted).toHaveLength(1);
    expect(stub.changeSets.size).toBe(0);
    // the summary's three-way table
    expect(run.summary).toContain('| Property | Previous template | Live | Proposed | Verdict |');
    expect(run.summary).toContain('| <code>MemorySize</code> | <code>128</code> | <code>512</code> | <code>256</code> | ⛔ overwrite |');
    expect(run.stdout).toContain('::group::drift-check: orders-prod');
  });

  it('D2 + no drift + detection failed: previous template, passes with the default fail-on, every stack reported', async () => {
    stub = await startCfnStub([d2(), noDrift(), detectionFailed()]);
    const run = await runDist('drift-check', { stacks: 'web-prod\napi-prod\nbatch-prod', environment: 'prod' }, { env: env() });
    expect(run.stderr).not.toMatch(/::error/);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ drifted: 'true', 'drifted-stacks': '["web-prod"]', overwrites: '0' });
    expect(stub.ops('CreateChangeSet').find((c) => c.params.StackName === 'web-prod')!.params).toMatchObject({
      UsePreviousTemplate: 'true',
      'Parameters.member.1.ParameterKey': 'Env',
      'Parameters.member.1.UsePreviousValue': 'true',
    });
    // web-prod (created) and api-prod (FAILED "didn't contain changes") deleted; batch-prod's CreateChangeSet said "No updates"
    expect(stub.deleted).toHaveLength(2);
    expect(stub.changeSets.size).toBe(0);
    const report = JSON.parse(fs.readFileSync(run.outputs['report-path'] as string, 'utf8'));
    expect(Object.fromEntries(report.stacks.map((s: { stack: string; verdict: string }) => [s.stack, s.verdict]))).toEqual({
      'web-prod': 'drifted',
      'api-prod': 'in-sync',
      'batch-prod': 'detection-failed',
    });
    expect(run.summary).toContain('↩️ revert');
    expect(run.summary).toContain('Access denied for operation batch:DescribeJobQueues');
  });

  it('C3: a NoEcho override (learned from GetTemplateSummary) is masked and never printed', async () => {
    stub = await startCfnStub([d1WithSecret()]);
    const run = await runDist('drift-check', { stacks: 'orders-prod', 'parameter-overrides': `DbPassword=${NOECHO_SECRET}`, 'fail-on': 'never' }, { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`::add-mask::${NOECHO_SECRET}`);
    const visible = run.all
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    expect(visible).not.toContain(NOECHO_SECRET);
    expect(fs.readFileSync(run.outputs['report-path'] as string, 'utf8')).not.toContain(NOECHO_SECRET);
    expect(stub.ops('CreateChangeSet')[0]!.params['Parameters.member.1.ParameterValue']).toBe(NOECHO_SECRET);
  });

  it('L1: a bad stack name fails before any AWS call', async () => {
    stub = await startCfnStub([]);
    const run = await runDist('drift-check', { stacks: '../../etc' }, { env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Input 'stacks' is not a valid stack name/);
    expect(stub.calls).toHaveLength(0);
  });

  describe('X1: a template or parameters file:// that is a symbolic link out of the workspace is refused before any AWS call', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-drift-outside-'));
    fs.writeFileSync(path.join(outside, 'template.yaml'), D1_TEMPLATE);
    fs.writeFileSync(path.join(outside, 'params.json'), JSON.stringify([{ ParameterKey: 'Env', ParameterValue: 'prod' }]));
    const linked = () => {
      const ws = workspace({});
      fs.symlinkSync(path.join(outside, 'template.yaml'), path.join(ws, 'template.yaml'));
      fs.symlinkSync(path.join(outside, 'params.json'), path.join(ws, 'params.json'));
      fs.symlinkSync(outside, path.join(ws, 'config'));
      fs.writeFileSync(path.join(ws, 'real.yaml'), D1_TEMPLATE);
      return ws;
    };
    it.each([
      ['template', { template: 'template.yaml' }, /^::error::Input 'template' must be a path inside the workspace .* symbolic link/],
      ['template under a linked folder', { template: 'config/template.yaml' }, /^::error::Input 'template' must be a path inside the workspace .* symbolic link/],
      ['parameters file://', { template: 'real.yaml', 'parameter-overrides': 'file://params.json' }, /^::error::Input 'parameter-overrides' must be a path inside the workspace .* symbolic link/],
    ])('X1: %s → exit 1, one error line, zero AWS calls', async (_name, inputs, message) => {
      stub = await startCfnStub([d1()]);
      const run = await runDist('drift-check', { stacks: 'orders-prod', ...inputs }, { env: env(), cwd: linked() });
      expect(run.code).toBe(1);
      const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error::'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(stub.calls).toHaveLength(0);
    });
  });

  it('one ::error:: line per failed step: a stack that cannot be checked is detail in its log group, the step fails once', async () => {
    stub = await startCfnStub([d2(), noDrift()]);
    const run = await runDist('drift-check', { stacks: 'web-prod\nmissing-prod\napi-prod' }, { env: env() });
    expect(run.code).toBe(1);
    const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error::drift-check: 1 stack\(s\) could not be checked: missing-prod: Stack missing-prod does not exist in us-east-1/);
    // The detail is still in the stack's own log group, as a plain line.
    expect(run.stdout).toMatch(/\nStack missing-prod could not be checked: Stack missing-prod does not exist/);
    // The other stacks were checked and reported.
    expect(run.outputs).toMatchObject({ drifted: 'true', 'drifted-stacks': '["web-prod"]' });
  });

  it.each(['detect', 'both'])(
    'C3: mode %s through the bundle — values a NoEcho parameter feeds (learned from GetTemplate) never show',
    async (mode) => {
      stub = await startCfnStub([passwordDrift()]);
      const run = await runDist('drift-check', { stacks: 'secret-prod', mode, 'fail-on': 'never' }, { env: env() });
      expect(run.code).toBe(0);
      expect(stub.ops('GetTemplate')).toHaveLength(1);
      const report = fs.readFileSync(run.outputs['report-path'] as string, 'utf8');
      const visible = [...run.all.split('\n').filter((l) => !l.startsWith('::add-mask::')), report].join('\n');
      expect(visible).toContain('<code>512</code>'); // an ordinary value is still shown
      for (const secret of [OLD, NEW, dsn(OLD), dsn(NEW), url(OLD), url(NEW)]) expect(findLeak(visible, secret)).toBeUndefined();
    },
  );
});
