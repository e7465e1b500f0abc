import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { codeCell } from '../../../src/escape';
import { createOctokit } from '../../../src/pr-comment';
import { REDACTED } from '../../../src/secrets';
import { markerFor } from '../../../src/pr-comment';
import { commentStackKey } from '../../../actions/drift-check/src/publish';
import {
  D1_TEMPLATE,
  d1,
  d1Resolved,
  d1WithSecret,
  d2,
  d3,
  detectionFailed,
  NOECHO_SECRET,
  noDrift,
  notChecked,
  resourceChange,
  stack,
  type DriftScenario,
} from '../../fixtures/drift';
import { D1_CREATE_CHANGE_SET } from '../../helpers/drift-cfn';
import { gitHubStubPerTest, harness, install, runAction, workspace, type Harness } from './harness';

const ALL = () => [d2(), d3(), noDrift(), detectionFailed(), notChecked()];

/** The JSON report file the action wrote (through the outbound channel, recorded by the fake runtime). */
function reportFile(h: Harness): string {
  const file = h.sink.files[h.outputs['report-path'] as string];
  if (file === undefined) throw new Error(`no report file at ${h.outputs['report-path']}`);
  return file;
}

function report(h: Harness): Record<string, unknown> & { stacks: Array<Record<string, unknown>> } {
  return JSON.parse(reportFile(h));
}

describe('drift-check flow', () => {
  it('D1: live 512 MB, previous 128, new template 256 → overwrite; fails by default, naming stack and property', async () => {
    const fake = install([d1()]);
    const ws = workspace({ 'template.yaml': D1_TEMPLATE });
    const h = harness(
      { stacks: 'orders-prod', template: 'template.yaml', 'parameter-overrides': 'Env=prod' },
      { GITHUB_WORKSPACE: ws },
    );
    const { result, error } = await runAction(h);
    expect(error?.message).toBe(
      'drift-check: 1 drifted live value(s) would be overwritten by a deploy (fail-on: overwrite): orders-prod/OrdersFn.MemorySize (previous 128, live 512, proposed 256). Put the live value into the template (or revert the drift on purpose), then run again.',
    );
    expect(h.outputs).toMatchObject({
      drifted: 'true',
      'drifted-stacks': '["orders-prod"]',
      overwrites: '1',
    });
    // the drift-aware change set: REVERT_DRIFT, the given template, parameters from the override
    const create = fake.ops('CreateChangeSet')[0]!.input;
    expect(create).toMatchObject({
      ...D1_CREATE_CHANGE_SET,
      Capabilities: ['CAPABILITY_IAM'],
      Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }],
    });
    expect(create.UsePreviousTemplate).toBeUndefined();
    // every DescribeChangeSet asks for property values
    expect(fake.ops('DescribeChangeSet').every((c) => c.input.IncludePropertyValues === true)).toBe(true);
    // change set deleted, awaited (it is the last call)
    expect(fake.deleted).toEqual([fake.ops('DescribeChangeSet')[0]!.input.ChangeSetName]);
    expect(fake.calls.at(-1)!.op).toBe('DeleteChangeSet');
    // the three-way table
    const md = h.summary[0]!;
    expect(md).toContain('| Property | Previous template | Live | Proposed | Verdict |');
    expect(md).toContain(
      '| <code>MemorySize</code> | <code>128</code> | <code>512</code> | <code>256</code> | ⛔ overwrite |',
    );
    expect(md).toContain('#### ⛔ Overwrites (1)');
    expect(md).toContain('> [!CAUTION]');
    // the plan and the drift view are one document: the plan's own sections are there too
    expect(md).toMatch(/#### Modify \(1\)/);
    const rep = report(h);
    expect(rep.overwrites).toBe(1);
    expect(rep.stacks[0]).toMatchObject({
      stack: 'orders-prod',
      verdict: 'overwrite',
      properties: [
        {
          resource: 'OrdersFn',
          property: 'MemorySize',
          previous: '128',
          live: '512',
          proposed: '256',
          verdict: 'overwrite',
        },
      ],
      changeSet: {
        deleted: true,
        executed: false,
        deploymentMode: 'REVERT_DRIFT',
        stackDriftStatus: 'DRIFTED',
      },
    });
    expect(result?.results[0]!.detection?.resources.map((r) => r.status)).toEqual(['MODIFIED', 'IN_SYNC']);
  });

  it('D1: fail-on never reports the overwrite but passes; fail-on drift fails too', async () => {
    install([d1()]);
    const h = harness({ stacks: 'orders-prod', 'fail-on': 'never' });
    const { error } = await runAction(h);
    expect(error).toBeUndefined();
    expect(h.outputs.overwrites).toBe('1');
    install([d1()]);
    const h2 = harness({ stacks: 'orders-prod', 'fail-on': 'drift' });
    const r2 = await runAction(h2);
    expect(r2.error?.message).toMatch(
      /drift found \(fail-on: drift\) in 1 stack\(s\): orders-prod \(OrdersFn\.MemorySize\)/,
    );
  });

  it('D1-resolved: template updated to the live 512 MB → sync, passes with the default fail-on', async () => {
    install([d1Resolved()]);
    const h = harness({ stacks: 'orders-prod' });
    const { error, result } = await runAction(h);
    expect(error).toBeUndefined();
    expect(h.outputs).toMatchObject({ drifted: 'true', overwrites: '0' });
    expect(result!.results[0]!.classification!.counts).toMatchObject({ sync: 1, overwrite: 0 });
    expect(h.summary[0]).toContain(
      '| <code>MemorySize</code> | <code>128</code> | <code>512</code> | <code>512</code> | 🔄 sync |',
    );
  });

  it('D2: previous template (UsePreviousTemplate, parameters UsePreviousValue) shows the SSH rule removal as revert', async () => {
    const fake = install([d2()]);
    const h = harness({ stacks: 'web-prod' });
    const { error, result } = await runAction(h);
    expect(error).toBeUndefined();
    expect(fake.ops('GetTemplateSummary')[0]!.input).toEqual({ StackName: 'web-prod' });
    expect(fake.ops('CreateChangeSet')[0]!.input).toMatchObject({
      UsePreviousTemplate: true,
      DeploymentMode: 'REVERT_DRIFT',
      Parameters: [{ ParameterKey: 'Env', UsePreviousValue: true }],
    });
    expect(fake.ops('CreateChangeSet')[0]!.input.TemplateBody).toBeUndefined();
    const r = result!.results[0]!;
    expect(r.verdict).toBe('drifted');
    expect(r.classification!.rows).toEqual([
      expect.objectContaining({ logicalId: 'WebSg', property: 'SecurityGroupIngress', verdict: 'revert' }),
    ]);
    expect(r.detection!.resources[0]!.differences).toEqual([
      {
        path: '/SecurityGroupIngress/1',
        expected: '',
        actual: expect.stringContaining('"FromPort":22'),
        difference: 'ADD',
      },
    ]);
    expect(h.summary[0]).toContain('↩️ revert');
    expect(fake.deleted).toHaveLength(1);
  });

  it('D2: fail-on drift fails and names the security group property', async () => {
    install([d2()]);
    const { error } = await runAction(harness({ stacks: 'web-prod', 'fail-on': 'drift' }));
    expect(error?.message).toContain('web-prod (WebSg.SecurityGroupIngress)');
  });

  it('D3: the deleted log bucket is DELETED drift and the change set recreates it', async () => {
    install([d3()]);
    const h = harness({ stacks: 'logs-prod' });
    const { error, result } = await runAction(h);
    expect(error).toBeUndefined();
    const r = result!.results[0]!;
    expect(r.detection!.resources[0]).toMatchObject({ logicalId: 'LogBucket', status: 'DELETED' });
    expect(r.classification!.counts.recreate).toBe(1);
    expect(h.summary[0]).toContain('♻️ recreate');
    expect(h.summary[0]).toContain('deleted outside CloudFormation');
    const { error: e2 } = await runAction(
      (install([d3()]), harness({ stacks: 'logs-prod', 'fail-on': 'drift' })),
    );
    expect(e2?.message).toContain('logs-prod (LogBucket (recreate)');
  });

  it('no drift: detection IN_SYNC and an empty change set (FAILED "didn\'t contain changes") → in sync, change set deleted', async () => {
    const fake = install([noDrift()]);
    const h = harness({ stacks: 'api-prod', 'fail-on': 'drift' });
    const { error, result } = await runAction(h);
    expect(error).toBeUndefined();
    expect(h.outputs).toMatchObject({ drifted: 'false', 'drifted-stacks': '[]', overwrites: '0' });
    expect(result!.results[0]!.changeSet).toMatchObject({ status: 'empty', deleted: true });
    expect(fake.deleted).toHaveLength(1);
  });

  it('no drift: the "No updates are to be performed." CreateChangeSet shape means nothing to revert (no change set to delete)', async () => {
    const s = noDrift();
    s.createError = { name: 'ValidationError', message: 'No updates are to be performed.' };
    const fake = install([s]);
    const { error, result } = await runAction(harness({ stacks: 'api-prod' }));
    expect(error).toBeUndefined();
    expect(result!.results[0]!.changeSet).toMatchObject({ status: 'empty' });
    expect(fake.ops('DescribeChangeSet')).toHaveLength(0);
    expect(fake.deleted).toHaveLength(0);
  });

  it('detection failed: reported with its reason; the other stacks keep their results; fail-on drift fails on it', async () => {
    install(ALL());
    const h = harness({
      stacks: 'web-prod\nlogs-prod\napi-prod\nbatch-prod\nmedia-prod',
      'fail-on': 'drift',
    });
    const { error, result } = await runAction(h);
    const by = Object.fromEntries(result!.results.map((r) => [r.stack, r.verdict]));
    expect(by).toEqual({
      'web-prod': 'drifted',
      'logs-prod': 'drifted',
      'api-prod': 'in-sync',
      'batch-prod': 'detection-failed',
      'media-prod': 'in-sync',
    });
    expect(error?.message).toContain(
      'batch-prod (detection failed: Failed to detect drift on resource [BatchQueue]',
    );
    expect(error?.message).toContain('web-prod (WebSg.SecurityGroupIngress');
    expect(h.summary[0]).toContain('⚠️ detection failed');
    expect(h.outputs['drifted-stacks']).toBe('["web-prod","logs-prod"]');
  });

  it('NOT_CHECKED: an unsupported resource type is listed as not checked, and is not drift', async () => {
    install([notChecked()]);
    const h = harness({ stacks: 'media-prod', 'fail-on': 'drift' });
    const { error, result } = await runAction(h);
    expect(error).toBeUndefined();
    expect(result!.results[0]!.detection!.resources[0]).toMatchObject({
      logicalId: 'MediaChannel',
      status: 'NOT_CHECKED',
    });
    expect(h.summary[0]).toMatch(
      /MediaChannel.*AWS::MediaLive::Channel \| NOT\\_CHECKED .*not checked: drift detection does not support this resource type/,
    );
    expect(h.log.text()).toContain('MediaChannel (AWS::MediaLive::Channel): NOT_CHECKED');
  });

  it('R2: a stack *_IN_PROGRESS is skipped with a note; a missing stack is an error for that stack only', async () => {
    const fake = install([d2(), noDrift(), d3()], {
      statuses: { 'api-prod': 'UPDATE_IN_PROGRESS', 'logs-prod': 'missing' },
    });
    const h = harness({ stacks: 'web-prod\napi-prod\nlogs-prod' });
    const { error, result } = await runAction(h);
    const by = Object.fromEntries(result!.results.map((r) => [r.stack, r.verdict]));
    expect(by).toEqual({ 'web-prod': 'drifted', 'api-prod': 'skipped', 'logs-prod': 'error' });
    expect(error?.message).toBe(
      'drift-check: 1 stack(s) could not be checked: logs-prod: Stack logs-prod does not exist in us-east-1; check the name and the region..',
    );
    expect(fake.ops('DetectStackDrift').map((c) => c.stack)).toEqual(['web-prod']);
    expect(h.summary[0]).toContain('UPDATE\\_IN\\_PROGRESS');
  });

  it('mode detect makes no change set; mode change-set makes no detection', async () => {
    const f1 = install([d1()]);
    const r1 = await runAction(harness({ stacks: 'orders-prod', mode: 'detect' }));
    expect(r1.error).toBeUndefined(); // fail-on overwrite cannot see overwrites without a change set
    expect(f1.ops('CreateChangeSet')).toHaveLength(0);
    expect(f1.ops('GetTemplateSummary')).toHaveLength(0);
    expect(r1.result!.results[0]!.drifted).toBe(true);
    const f2 = install([d1()]);
    const r2 = await runAction(harness({ stacks: 'orders-prod', mode: 'change-set' }));
    expect(r2.error?.message).toMatch(/overwritten/);
    expect(f2.ops('DetectStackDrift')).toHaveLength(0);
    expect(r2.result!.results[0]!.drifted).toBe(true);
  });

  it('detection polls with fast-start backoff (first poll ≤ 1 s) and reads every page of resource drifts', async () => {
    const fake = install([d1()], { detectionPolls: 3, pageSize: 1 });
    const h = harness({ stacks: 'orders-prod', 'fail-on': 'never' });
    await runAction(h);
    expect(fake.ops('DescribeStackDriftDetectionStatus')).toHaveLength(4);
    expect(fake.ops('DescribeStackResourceDrifts').map((c) => c.input.NextToken)).toEqual([undefined, '1']);
    const slept = (h.rt.clock as unknown as { slept: number[] }).slept;
    expect(slept[0]).toBeLessThanOrEqual(1000);
    expect(slept[1]).toBeGreaterThan(slept[0]!);
  });

  it('C3: NoEcho override values are masked before anything prints and never reach logs, summary, comment or report', async () => {
    const fake = install([d1WithSecret()]);
    const h = harness({
      stacks: 'orders-prod',
      'parameter-overrides': `DbPassword=${NOECHO_SECRET}`,
      'fail-on': 'never',
    });
    const { result } = await runAction(h);
    expect(h.masked).toContain(NOECHO_SECRET);
    expect(h.masked).toEqual(expect.arrayContaining(['old-live-password-value', 'older-password-value']));
    expect(fake.ops('CreateChangeSet')[0]!.input.Parameters).toEqual([
      { ParameterKey: 'DbPassword', ParameterValue: NOECHO_SECRET },
      { ParameterKey: 'Env', UsePreviousValue: true },
    ]);
    const everything = [
      h.log.text(),
      ...h.summary,
      result!.comment,
      reportFile(h),
      JSON.stringify(h.outputs),
    ].join('\n');
    for (const s of [NOECHO_SECRET, 'old-live-password-value', 'older-password-value'])
      expect(everything).not.toContain(s);
    expect(h.summary[0]).toContain(`| ${codeCell('Environment')} | ${codeCell(REDACTED)}`);
  });

  it('the change set is always deleted, also when classification throws', async () => {
    const s = d1();
    s.changeSet.Changes = [null as never];
    const fake = install([s, d2()]);
    const { error, result } = await runAction(harness({ stacks: 'orders-prod\nweb-prod' }));
    expect(fake.deleted).toHaveLength(2);
    expect(result!.results.find((r) => r.stack === 'orders-prod')!.verdict).toBe('error');
    expect(result!.results.find((r) => r.stack === 'web-prod')!.verdict).toBe('drifted');
    expect(error?.message).toMatch(/orders-prod: .*null/);
  });

  it('a FAILED change set that is not the empty shape is an error for that stack, and is deleted', async () => {
    const s = d2();
    s.changeSet = {
      Status: 'FAILED',
      StatusReason: 'Template format error: Unresolved resource dependencies [X]',
      Changes: [],
    };
    const fake = install([s]);
    const { error } = await runAction(harness({ stacks: 'web-prod' }));
    expect(error?.message).toContain(
      'The drift-aware change set drift-web-prod-4242-1 for stack web-prod failed: Template format error',
    );
    expect(fake.deleted).toHaveLength(1);
  });
});

describe('revert', () => {
  it('D2: revert: true executes the drift-aware change set, waits for UPDATE_COMPLETE and does not delete it', async () => {
    const fake = install([d2()]);
    const h = harness({ stacks: 'web-prod', revert: 'true' });
    const { error, result } = await runAction(h);
    expect(error).toBeUndefined();
    expect(fake.executed).toHaveLength(1);
    expect(fake.ops('ExecuteChangeSet')[0]!.input).toMatchObject({
      StackName: 'web-prod',
      ClientRequestToken: 'drift-web-prod-4242-1-exec',
    });
    expect(fake.deleted).toHaveLength(0);
    expect(result!.results[0]).toMatchObject({
      verdict: 'reverted',
      stackStatus: 'UPDATE_COMPLETE',
      changeSet: { executed: true },
    });
  });

  it('H2: a destructive change in the drift-aware change set is refused unless allowed; the change set is deleted', async () => {
    const destructive = (): DriftScenario => {
      const s = d2();
      s.changeSet.Changes!.push(
        resourceChange({
          Action: 'Modify',
          LogicalResourceId: 'Db',
          ResourceType: 'AWS::RDS::DBInstance',
          Replacement: 'True',
          ResourceDriftStatus: 'MODIFIED',
          Details: [
            {
              Target: {
                Name: 'Engine',
                RequiresRecreation: 'Always',
                AfterValue: 'postgres',
                Drift: { PreviousValue: 'postgres', ActualValue: 'mysql' },
              },
            },
          ],
        }),
      );
      return s;
    };
    let fake = install([destructive()]);
    const refused = await runAction(harness({ stacks: 'web-prod', revert: 'true' }));
    expect(refused.error?.message).toContain(
      'Refusing to execute drift-aware change set drift-web-prod-4242-1 of stack web-prod: 1 destructive change(s) not allow-listed: Db (AWS::RDS::DBInstance) Replace',
    );
    expect(fake.executed).toHaveLength(0);
    expect(fake.deleted).toHaveLength(1);

    fake = install([destructive()]);
    const listed = await runAction(
      harness({ stacks: 'web-prod', revert: 'true', 'destructive-allow-list': 'AWS::RDS::DBInstance' }),
    );
    expect(listed.error).toBeUndefined();
    expect(fake.executed).toHaveLength(1);

    fake = install([destructive()]);
    const allowed = await runAction(
      harness({ stacks: 'web-prod', revert: 'true', 'allow-destructive': 'true' }),
    );
    expect(allowed.error).toBeUndefined();
    expect(fake.executed).toHaveLength(1);
  });

  it('D1: revert never overwrites a live fix while fail-on is overwrite; fail-on never lets it through', async () => {
    let fake = install([d1()]);
    const r1 = await runAction(harness({ stacks: 'orders-prod', revert: 'true' }));
    expect(r1.error?.message).toMatch(/overwritten/);
    expect(r1.result!.results[0]!.refusal).toMatch(/Not reverting stack orders-prod/);
    expect(fake.executed).toHaveLength(0);
    expect(fake.deleted).toHaveLength(1);
    fake = install([d1()]);
    const r2 = await runAction(harness({ stacks: 'orders-prod', revert: 'true', 'fail-on': 'never' }));
    expect(r2.error).toBeUndefined();
    expect(fake.executed).toHaveLength(1);
  });

  it('a revert that ends in UPDATE_ROLLBACK_COMPLETE fails the stack', async () => {
    install([d2()], { executeEndsIn: 'UPDATE_ROLLBACK_COMPLETE' });
    const { error } = await runAction(harness({ stacks: 'web-prod', revert: 'true' }));
    expect(error?.message).toContain(
      'Reverting drift of stack web-prod failed: it ended in UPDATE_ROLLBACK_COMPLETE',
    );
  });
});

describe('concurrency', () => {
  it('20 stacks, one throttled twice and one failing: results for all 20, peak concurrency ≤ limit', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    const scenarios = names.map((n, i) => (i % 3 === 0 ? d2(n) : i % 3 === 1 ? noDrift(n) : d3(n)));
    const fake = install(scenarios, {
      throttle: { 'svc-06': 2 },
      createFails: {
        'svc-13': { name: 'ValidationError', message: 'Template format error: unsupported structure.' },
      },
    });
    const h = harness({ stacks: names.join('\n'), concurrency: '4' });
    const { error, result } = await runAction(h);
    expect(result!.results.map((r) => r.stack)).toEqual(names);
    expect(result!.results.filter((r) => r.verdict === 'error').map((r) => r.stack)).toEqual(['svc-13']);
    expect(error?.message).toContain('svc-13: ValidationError: Template format error');
    // the throttled stack was retried and finished
    expect(fake.ops('DescribeStacks', 'svc-06')).toHaveLength(3);
    expect(result!.results[6]!.verdict).toBe('drifted');
    // every change set created was deleted
    expect(fake.ops('CreateChangeSet')).toHaveLength(20);
    expect(fake.deleted).toHaveLength(19); // svc-13's CreateChangeSet failed: nothing to delete
    // peak concurrency from the call log: a stack is in flight between its first and last call
    const first = new Map<string, number>();
    const last = new Map<string, number>();
    fake.calls.forEach((c, i) => {
      if (!c.stack) return;
      if (!first.has(c.stack)) first.set(c.stack, i);
      last.set(c.stack, i);
    });
    let peak = 0;
    for (let i = 0; i < fake.calls.length; i++) {
      const inFlight = names.filter(
        (n) => (first.get(n) ?? Infinity) <= i && i <= (last.get(n) ?? -1),
      ).length;
      peak = Math.max(peak, inFlight);
    }
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThanOrEqual(2);
    // logs: one group per stack, never interleaved
    const groups = h.log.lines.filter((l) => l.startsWith('::group::'));
    expect(groups).toHaveLength(20);
    let open = false;
    for (const l of h.log.lines) {
      if (l.startsWith('::group::')) {
        expect(open).toBe(false);
        open = true;
      } else if (l === '::endgroup::') open = false;
    }
  });
});

describe('PR comment', () => {
  const github = gitHubStubPerTest();

  it('L4: one sticky comment per stack set and environment, overwrites first, updated in place on re-run', async () => {
    const ws = workspace();
    const event = `${ws}/event.json`;
    fs.writeFileSync(event, JSON.stringify({ pull_request: { number: 7 } }));
    const env = {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/infra',
    };
    for (let i = 0; i < 2; i++) {
      install([d2('web-prod'), d1('orders-prod')]);
      const h = harness(
        { stacks: 'web-prod\norders-prod', environment: 'prod', 'github-token': 'ghs_x', 'fail-on': 'never' },
        env,
        { octokit: createOctokit('ghs_x', github().url) },
      );
      await runAction(h);
    }
    const comments = github().on(7, 'acme', 'infra');
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(
      body.startsWith(
        markerFor({
          action: 'drift-check',
          stack: commentStackKey(['web-prod', 'orders-prod']),
          environment: 'prod',
        }),
      ),
    ).toBe(true);
    expect(body).toContain('guarded-deploy:drift-check:orders-prod.web-prod:prod');
    const ow = body.indexOf('⛔ Overwrites');
    expect(ow).toBeGreaterThan(0);
    expect(ow).toBeLessThan(body.indexOf('Three-way view'));
    expect(body.indexOf('<code>orders-prod</code> | ⛔ overwrite')).toBeLessThan(
      body.indexOf('<code>web-prod</code> | ⚠️ drifted'),
    );
  });

  it('commentStackKey: order-insensitive, long lists hashed', () => {
    expect(commentStackKey(['b', 'a'])).toBe('a.b');
    const many = Array.from({ length: 50 }, (_, i) => `stack-number-${i}`);
    expect(commentStackKey(many)).toMatch(/^50-stacks-[0-9a-f]{16}$/);
    expect(stack('x').StackName).toBe('x');
  });
});
