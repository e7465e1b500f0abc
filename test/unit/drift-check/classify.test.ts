import { describe, expect, it } from '@jest/globals';
import type { Change } from '@aws-sdk/client-cloudformation';
import {
  canonical,
  classifyChangeSet,
  resourceVerdict,
  threeWay,
} from '../../../actions/drift-check/src/classify';
import { REDACTED } from '../../../src/secrets';
import {
  d1,
  d1Resolved,
  d1WithSecret,
  d2,
  d3,
  NOECHO_SECRET,
  noDrift,
  resourceChange,
} from '../../fixtures/drift';

const changes = (s: { changeSet: { Changes?: Change[] } }) => s.changeSet.Changes ?? [];

describe('classifyChangeSet', () => {
  it('D1: previous 128, live 512, proposed 256 is an overwrite', () => {
    const c = classifyChangeSet(changes(d1()), {}, 'DRIFTED');
    expect(c.rows).toEqual([
      expect.objectContaining({
        logicalId: 'OrdersFn',
        property: 'MemorySize',
        previous: '128',
        live: '512',
        proposed: '256',
        verdict: 'overwrite',
      }),
    ]);
    expect(c.counts).toEqual({ overwrite: 1, revert: 0, sync: 0, recreate: 0, change: 0 });
    expect(c.drifted).toBe(true);
  });

  it('D1-resolved: the template adopts the live 512 MB: sync, no overwrite', () => {
    const c = classifyChangeSet(changes(d1Resolved()));
    expect(c.rows.map((r) => [r.property, r.previous, r.live, r.proposed, r.verdict])).toEqual([
      ['MemorySize', '128', '512', '512', 'sync'],
    ]);
    expect(c.counts.overwrite).toBe(0);
  });

  it('D1-resolved: proposed = live is sync even without AttributeChangeType SyncWithActual', () => {
    const s = d1Resolved();
    const t = s.changeSet.Changes![0]!.ResourceChange!.Details![0]!.Target!;
    t.AttributeChangeType = 'Modify';
    expect(classifyChangeSet(changes(s)).rows[0]!.verdict).toBe('sync');
  });

  it('D2: the hand-added SSH rule is removed (proposed = previous, JSON key order ignored): revert', () => {
    const c = classifyChangeSet(changes(d2()));
    expect(c.rows).toHaveLength(1);
    expect(c.rows[0]!.verdict).toBe('revert');
    expect(c.rows[0]!.live).toContain('"FromPort":22');
    expect(c.rows[0]!.proposed).not.toContain('22');
  });

  it('D3: a resource DELETED outside CloudFormation and added again is recreate', () => {
    const c = classifyChangeSet(changes(d3()));
    expect(c.rows).toEqual([
      expect.objectContaining({
        logicalId: 'LogBucket',
        property: '(resource)',
        live: 'deleted',
        verdict: 'recreate',
      }),
    ]);
    expect(c.drifted).toBe(true);
  });

  it('no drift: an empty change set has no rows and is not drifted', () => {
    const c = classifyChangeSet(changes(noDrift()), {}, 'IN_SYNC');
    expect(c).toEqual({
      rows: [],
      counts: { overwrite: 0, revert: 0, sync: 0, recreate: 0, change: 0 },
      secretValues: [],
      drifted: false,
    });
  });

  it('template changes on resources that did not drift are not drift rows; non-drifted properties of drifted resources are "change"', () => {
    const c = classifyChangeSet([
      resourceChange({
        Action: 'Modify',
        LogicalResourceId: 'Queue',
        ResourceType: 'AWS::SQS::Queue',
        ResourceDriftStatus: 'IN_SYNC',
        Details: [{ Target: { Name: 'DelaySeconds', BeforeValue: '0', AfterValue: '5' } }],
      }),
      resourceChange({
        Action: 'Modify',
        LogicalResourceId: 'Fn',
        ResourceType: 'AWS::Lambda::Function',
        ResourceDriftStatus: 'MODIFIED',
        Details: [
          {
            Target: { Name: 'Timeout', BeforeValue: '3', AfterValue: '10', BeforeValueFrom: 'ACTUAL_STATE' },
          },
          {
            Target: {
              Name: 'MemorySize',
              AfterValue: '128',
              Drift: { PreviousValue: '128', ActualValue: '1024' },
            },
          },
        ],
      }),
    ]);
    expect(c.rows.map((r) => [r.logicalId, r.property, r.verdict])).toEqual([
      ['Fn', 'MemorySize', 'revert'],
      ['Fn', 'Timeout', 'change'],
    ]);
  });

  it('D1: overwrites sort first, then recreate, revert, sync', () => {
    const resolved = changes(d1Resolved());
    resolved[0]!.ResourceChange!.LogicalResourceId = 'ReportsFn'; // logical ids are unique within one change set
    const c = classifyChangeSet([...changes(d2()), ...resolved, ...changes(d3()), ...changes(d1())]);
    expect(c.rows.map((r) => r.verdict)).toEqual(['overwrite', 'recreate', 'revert', 'sync']);
    expect(resourceVerdict(c.rows, 'OrdersFn')).toBe('overwrite');
  });

  it('C3: values fed by a NoEcho parameter are masked and returned as secrets', () => {
    const c = classifyChangeSet(changes(d1WithSecret()), { noEchoParameters: ['DbPassword'] });
    const row = c.rows.find((r) => r.property === 'Environment')!;
    expect(row).toMatchObject({
      previous: REDACTED,
      live: REDACTED,
      proposed: REDACTED,
      secret: true,
      verdict: 'overwrite',
    });
    expect(c.secretValues).toEqual(
      expect.arrayContaining([NOECHO_SECRET, 'old-live-password-value', 'older-password-value']),
    );
    expect(JSON.stringify(c.rows)).not.toContain(NOECHO_SECRET);
  });

  it('a property added by hand (no previous value) that the template removes is a revert; unset values compare equal', () => {
    const t = threeWay({ Target: { Name: 'Tags', Drift: { ActualValue: '[{"Key":"x"}]' } } });
    expect(t).toEqual({ previous: undefined, live: '[{"Key":"x"}]', proposed: undefined, drifted: true });
    const c = classifyChangeSet([
      resourceChange({
        Action: 'Modify',
        LogicalResourceId: 'B',
        ResourceType: 'AWS::S3::Bucket',
        ResourceDriftStatus: 'MODIFIED',
        Details: [{ Target: { Name: 'Tags', Drift: { ActualValue: '[{"Key":"x"}]' } } }],
      }),
    ]);
    expect(c.rows[0]!.verdict).toBe('revert');
  });

  it('canonical compares JSON structurally and anything else as text', () => {
    expect(canonical('{"b":1,"a":[{"d":2,"c":3}]}')).toBe(canonical('{"a":[{"c":3,"d":2}],"b":1}'));
    expect(canonical('512')).toBe(canonical('512'));
    expect(canonical('abc')).toBe('abc');
    expect(canonical(undefined)).toBeUndefined();
  });
});
