// The plan (create-only changes nothing) and the destructive gate (H2): resource removals and instance removals.
import { afterEach, describe, expect, it } from '@jest/globals';
import { templateChanges } from '../../../actions/deploy-stackset/src/template-diff';
import { parseTemplate } from '../../../src/cfn/template';
import { startStackSetStandIn, type StandIn } from '../../helpers/stackset-standin';
import { harness, MUTATING, TEMPLATE_NO_QUEUE, TEMPLATE_V1 } from './harness';

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const TARGETS = { accounts: '111111111111', regions: 'us-east-1,eu-west-1' };
const mutating = (s: StandIn, from = 0) => s.calls.slice(from).filter((call) => MUTATING.test(call.action));

describe('template diff', () => {
  it('H2: added, removed, modified and re-typed resources by logical id and type', () => {
    const before = parseTemplate(TEMPLATE_V1);
    const after = parseTemplate(
      TEMPLATE_V1.replace('orders-${Release}', 'orders-v2-${Release}').replace(
        'Type: AWS::CloudFormation::WaitConditionHandle',
        'Type: AWS::SNS::Topic',
      ) + '  Bucket:\n    Type: AWS::S3::Bucket\n',
    );
    const changes = templateChanges(before, after).map((change) => [
      change.ResourceChange?.Action,
      change.ResourceChange?.LogicalResourceId,
      change.ResourceChange?.ResourceType,
      change.ResourceChange?.Replacement,
      change.ResourceChange?.Details?.map((detail) => detail.Target?.Name),
    ]);
    expect(changes).toEqual([
      ['Modify', 'Handle', 'AWS::SNS::Topic', 'True', ['Type']],
      ['Modify', 'Queue', 'AWS::SQS::Queue', undefined, ['QueueName']],
      ['Add', 'Bucket', 'AWS::S3::Bucket', undefined, undefined],
    ]);
    expect(
      templateChanges(before, parseTemplate(TEMPLATE_NO_QUEUE)).map(
        (change) => change.ResourceChange?.Action,
      ),
    ).toEqual(['Remove']);
    // Layout alone is no change.
    expect(templateChanges(before, parseTemplate(JSON.stringify(before)))).toEqual([]);
  });
});

describe('plan and gate (stand-in)', () => {
  it('S1: create-only on a new stack set changes nothing and lists every resource and target instance', async () => {
    standIn = await startStackSetStandIn();
    const step = harness(standIn, { ...TARGETS, mode: 'create-only' });
    const run = await step.run();
    expect(run.error).toBeUndefined();
    expect(run.outcome.result).toBe('planned');
    expect(mutating(standIn)).toEqual([]);
    const summary = step.rt.sink.summaries.join('\n');
    expect(summary).toContain('2 to add');
    expect(summary).toMatch(/111111111111 \| us-east-1 \| create/);
    expect(summary).toMatch(/111111111111 \| eu-west-1 \| create/);
    expect(step.rt.sink.outputs['plan-markdown']).toContain('Plan for stack set');
  });

  it('H2: a resource removal is flagged in the plan and refused on apply without the allow-list; allowed with it', async () => {
    standIn = await startStackSetStandIn();
    await harness(standIn, TARGETS).run();
    const files = { 'template.yaml': TEMPLATE_NO_QUEUE };
    const plan = harness(
      standIn,
      { ...TARGETS, mode: 'create-only' },
      { files, env: { GITHUB_RUN_ID: '60' } },
    );
    const before = standIn.calls.length;
    expect((await plan.run()).outcome.result).toBe('planned');
    const planText = plan.rt.sink.summaries.join('\n');
    expect(planText).toContain('1 to remove');
    expect(planText).toMatch(/Queue.*AWS::SQS::Queue/);
    expect(planText).toContain('An apply of this plan would be refused');
    expect(planText).toMatch(/111111111111 \| us-east-1 \| update/);

    const refused = await harness(standIn, TARGETS, { files, env: { GITHUB_RUN_ID: '61' } }).run();
    expect(refused.outcome.result).toBe('refused');
    expect(refused.outcome.error).toMatch(
      /Refusing to execute the rollout of stack set orders: 1 destructive change\(s\) not allow-listed: Queue \(AWS::SQS::Queue\) Remove/,
    );
    expect(mutating(standIn, before)).toEqual([]);

    const allowed = await harness(
      standIn,
      { ...TARGETS, 'destructive-allow-list': 'Queue' },
      { files, env: { GITHUB_RUN_ID: '62' } },
    ).run();
    expect(allowed.outcome.result).toBe('updated');
    expect(mutating(standIn, before).map((call) => call.action)).toEqual(['UpdateStackSet']);
  });

  it('H2: instances of targets no longer listed are kept by default, refused without the gate, removed with it', async () => {
    standIn = await startStackSetStandIn();
    await harness(standIn, { ...TARGETS, 'max-concurrent': '1' }).run();
    const fewer = { accounts: '111111111111', regions: 'us-east-1' };
    const before = standIn.calls.length;
    const kept = harness(standIn, fewer, { env: { GITHUB_RUN_ID: '70' } });
    const keptRun = await kept.run();
    expect(keptRun.outcome.result).toBe('no-changes');
    expect(kept.rt.sink.summaries.join('\n')).toContain(
      'eu-west-1 | kept: not listed \\(remove-stale-instances is false\\)',
    );
    expect(mutating(standIn, before)).toEqual([]);

    const refused = await harness(
      standIn,
      { ...fewer, 'remove-stale-instances': 'true' },
      { env: { GITHUB_RUN_ID: '71' } },
    ).run();
    expect(refused.outcome.result).toBe('refused');
    expect(refused.outcome.error).toContain('Refusing to remove 1 stack instance(s) of stack set orders');
    expect(refused.outcome.error).toContain('111111111111/eu-west-1');
    expect(mutating(standIn, before)).toEqual([]);

    const removed = await harness(
      standIn,
      {
        ...fewer,
        'remove-stale-instances': 'true',
        'destructive-allow-list': 'AWS::CloudFormation::StackInstance',
      },
      { env: { GITHUB_RUN_ID: '72' } },
    ).run();
    expect(removed.outcome.result).toBe('updated');
    const deletes = mutating(standIn, before);
    expect(
      deletes.map((call) => [call.action, call.params['Regions.member.1'], call.params.RetainStacks]),
    ).toEqual([['DeleteStackInstances', 'eu-west-1', 'false']]);
    expect([...standIn.sets.get('orders')!.instances.keys()]).toEqual(['111111111111/us-east-1']);
  });
});
