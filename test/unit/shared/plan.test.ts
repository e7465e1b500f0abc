import { describe, expect, it } from '@jest/globals';
import type { Change } from '@aws-sdk/client-cloudformation';
import {
  COMMENT_LIMIT,
  classifyChange,
  isDestructive,
  renderPlan,
  renderTable,
  runUrlFromEnv,
  summaryLine,
  type PlanInput,
} from '../../../src/plan';
import { escapeMarkdown } from '../../../src/escape';
import { REDACTED } from '../../../src/secrets';
import {
  add,
  bigChangeSet,
  change,
  detail,
  dynamic,
  importing,
  modify,
  remove,
  replace,
} from '../../fixtures/changesets';

const header = {
  stack: 'app-prod',
  environment: 'prod',
  account: '123456789012',
  region: 'eu-west-1',
  changeSetName: 'gd-abc123',
  commit: 'abc123def456',
};

function plan(changes: Change[], extra: Partial<PlanInput> = {}) {
  return renderPlan({ header, changeSets: [{ stackName: 'app-prod', changes }], ...extra });
}

const mixed = (): Change[] => [
  add('LogBucket'),
  add('Queue', 'AWS::SQS::Queue'),
  add('Topic', 'AWS::SNS::Topic'),
  modify('Fn', 'AWS::Lambda::Function', [
    detail('MemorySize', { BeforeValue: '128', AfterValue: '256', AttributeChangeType: 'Modify' }),
  ]),
  modify('Role', 'AWS::IAM::Role', [detail('Policies')]),
  replace('Db', 'AWS::RDS::DBInstance', 'Engine', { source: 'ParameterReference', entity: 'DbEngine' }),
  replace('Cache', 'AWS::ElastiCache::CacheCluster', 'CacheNodeType', {
    conditional: true,
    source: 'ResourceReference',
    entity: 'CacheSubnets',
  }),
  remove('OldTable', 'AWS::DynamoDB::Table'),
];

describe('classification', () => {
  it('H2: Modify with Replacement True is a replace, Conditional stays modify but both are destructive', () => {
    const t = replace('Db', 'AWS::RDS::DBInstance', 'Engine');
    const c = replace('Db', 'AWS::RDS::DBInstance', 'Engine', { conditional: true });
    expect(classifyChange(t)).toBe('replace');
    expect(classifyChange(c)).toBe('modify');
    expect(isDestructive(t)).toBe(true);
    expect(isDestructive(c)).toBe(true);
    expect(isDestructive(remove('X'))).toBe(true);
    expect(isDestructive(modify('Fn'))).toBe(false);
    expect(isDestructive(add('X'))).toBe(false);
    expect(classifyChange(importing('X'))).toBe('import');
    expect(classifyChange(dynamic('X'))).toBe('dynamic');
    expect(classifyChange({ Type: 'Resource' })).toBeUndefined();
  });

  it('summaryLine: Terraform-style counts, or "No changes"', () => {
    expect(summaryLine({ add: 3, modify: 2, replace: 1, remove: 1, import: 0 })).toBe(
      '3 to add, 2 to modify, 1 to replace, 1 to remove',
    );
    expect(summaryLine({ add: 0, modify: 0, replace: 0, remove: 0, import: 2, dynamic: 1 })).toBe(
      '0 to add, 0 to modify, 0 to replace, 0 to remove, 2 to import, 1 dynamic',
    );
    expect(summaryLine({ add: 0, modify: 0, replace: 0, remove: 0, import: 0 })).toBe('No changes');
  });
});

describe('renderPlan', () => {
  it('H2: verdict first, then header, then destructive changes before everything else', () => {
    const p = plan(mixed());
    expect(p.counts).toEqual({ add: 3, modify: 3, replace: 1, remove: 1, import: 0 });
    expect(p.hasChanges).toBe(true);
    const lines = p.markdown.split('\n');
    expect(lines[0]).toContain('3 to add, 3 to modify, 1 to replace, 1 to remove');
    expect(lines[0]).toContain('3 destructive changes');
    const at = (s: string) => p.markdown.indexOf(s);
    expect(at('| Stack | Environment')).toBeGreaterThan(0);
    expect(at('Destructive changes (3)')).toBeGreaterThan(at('| Stack | Environment'));
    expect(at('#### Add (3)')).toBeGreaterThan(at('Destructive changes'));
    expect(at('#### Modify (2)')).toBeGreaterThan(at('#### Add (3)'));
    // Each destructive resource appears in the destructive section, before the Add group.
    for (const id of ['Db', 'Cache', 'OldTable']) {
      expect(at(`<code>${id}</code>`)).toBeGreaterThan(at('Destructive changes'));
      expect(at(`<code>${id}</code>`)).toBeLessThan(at('#### Add'));
    }
    expect(p.comment).toBe(p.markdown);
    expect(p.commentOmitted).toEqual([]);
  });

  it('H2: destructive changes name the property and what forces the replacement', () => {
    const p = plan(mixed());
    const db = p.destructive.find((d) => d.logicalId === 'Db');
    expect(db).toMatchObject({ action: 'Modify', replacement: 'True', type: 'AWS::RDS::DBInstance' });
    expect(db?.causes).toEqual([
      expect.objectContaining({
        name: 'Engine',
        requiresRecreation: 'Always',
        changeSource: 'ParameterReference',
        causingEntity: 'DbEngine',
      }),
    ]);
    const cache = p.destructive.find((d) => d.logicalId === 'Cache');
    expect(cache?.replacement).toBe('Conditional');
    const row = p.markdown.split('\n').find((l) => l.includes('<code>Cache</code>') && l.includes('Replace'));
    expect(row).toContain('Replace (conditional)');
    expect(row).toContain('<code>CacheNodeType</code>');
    expect(row).toContain('ResourceReference <code>CacheSubnets</code>');
    expect(p.destructive.find((d) => d.logicalId === 'OldTable')).toMatchObject({
      action: 'Remove',
      policyAction: 'Delete',
    });
  });

  it('H2: allow-listed destructive changes are marked as allowed (by logical id or type, globs)', () => {
    const p = plan(mixed(), { allowList: ['OldTable', 'AWS::ElastiCache::*'] });
    const allowed = Object.fromEntries(p.destructive.map((d) => [d.logicalId, d.allowListed]));
    expect(allowed).toEqual({ Db: false, Cache: true, OldTable: true });
    const row = (id: string) => p.markdown.split('\n').find((l) => l.startsWith(`| <code>${id}</code>`));
    expect(row('OldTable')).toContain('allowed (allow-list)');
    expect(row('Db')).toContain('needs review');
    expect(p.markdown.split('\n')[0]).toContain('(2 allow-listed)');
  });

  it('M1: an empty change set renders "No changes"', () => {
    const p = plan([]);
    expect(p.hasChanges).toBe(false);
    expect(p.markdown.split('\n')[0]).toContain('No changes');
    expect(p.destructive).toEqual([]);
  });

  it('shows property-level before/after values and JSON contexts', () => {
    const p = plan([
      modify('Fn', 'AWS::Lambda::Function', [detail('Timeout', { BeforeValue: '3', AfterValue: '30' })], {
        BeforeContext: JSON.stringify({ Properties: { Timeout: '3' } }),
        AfterContext: JSON.stringify({ Properties: { Timeout: '30' } }),
      }),
    ]);
    expect(p.markdown).toMatch(/<code>Timeout<\/code> \| <code>3<\/code> \| <code>30<\/code>/);
    expect(p.markdown).toContain('"Timeout": "30"');
  });

  it('nested stacks show their parent path', () => {
    const p = renderPlan({
      header,
      changeSets: [
        { stackName: 'app-prod', changes: [modify('Network', 'AWS::CloudFormation::Stack')] },
        {
          stackName: 'app-prod-Network-1ABC',
          parentPath: ['app-prod'],
          changes: [remove('Subnet', 'AWS::EC2::Subnet'), add('RouteTable', 'AWS::EC2::RouteTable')],
        },
      ],
    });
    expect(p.destructive[0]?.path).toEqual(['app-prod', 'app-prod-Network-1ABC']);
    expect(p.markdown).toContain('| app-prod › app-prod-Network-1ABC | <code>Subnet</code>');
    expect(p.markdown).toContain('| app-prod › app-prod-Network-1ABC | <code>RouteTable</code>');
    expect(p.counts).toMatchObject({ add: 1, modify: 1, remove: 1 });
  });

  it('C3: secrets and NoEcho values never appear, in values, contexts, ids, JSON-escaped or not', () => {
    const secret = 's3cr3t-"pa$$|<w>rd';
    const noEcho = 'hunter2-db-password';
    const changes = [
      modify(
        'Db',
        'AWS::RDS::DBInstance',
        [
          detail('MasterUserPassword', {
            Path: '/Properties/MasterUserPassword',
            BeforeValue: noEcho,
            AfterValue: `${noEcho}-rotated`,
            ChangeSource: 'ParameterReference',
            CausingEntity: 'DbPassword',
          }),
          detail('ApiKey', { BeforeValue: `key=${secret}`, AfterValue: 'plain' }),
        ],
        {
          BeforeContext: JSON.stringify({ Properties: { MasterUserPassword: noEcho, Env: { KEY: secret } } }),
          AfterContext: JSON.stringify({
            Properties: { MasterUserPassword: `${noEcho}-rotated`, Note: secret },
          }),
        },
      ),
      remove('Old', 'AWS::S3::Bucket', { PhysicalResourceId: `bucket-${secret}` }),
    ];
    const p = plan(changes, { secrets: [secret], noEchoParameters: ['DbPassword'] });
    for (const out of [p.markdown, p.comment, JSON.stringify(p.destructive)]) {
      expect(out).not.toContain(noEcho);
      expect(out).not.toContain('s3cr3t');
      expect(out).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
    expect(p.markdown).toContain(REDACTED);
    expect(p.markdown).toContain(`"MasterUserPassword": "${REDACTED}"`);
  });

  it('C3: a secret is redacted in every form it takes in the plan (URL-encoded, base64, HTML), with the one marker', () => {
    const secret = 'tok/en+value=42&more';
    const encoded = encodeURIComponent(secret);
    const base64 = Buffer.from(secret).toString('base64');
    const p = plan(
      [
        modify('Fn', 'AWS::Lambda::Function', [
          detail('Environment', { BeforeValue: `https://api.example/?t=${encoded}`, AfterValue: base64 }),
          detail('Description', { BeforeValue: secret.replace(/&/g, '&amp;'), AfterValue: 'plain' }),
        ]),
      ],
      { secrets: [secret] },
    );
    for (const out of [p.markdown, p.comment]) {
      for (const form of [secret, encoded, base64, secret.replace(/&/g, '&amp;')])
        expect(out).not.toContain(form);
      expect(out).toContain(`t=${escapeMarkdown(REDACTED)}`);
      expect(out).not.toContain('****');
    }
  });

  it('escapes HTML and Markdown in every user-controlled string', () => {
    const evil = '<img src=x onerror=alert(1)>|[click](https://evil.example)';
    const p = renderPlan({
      header: { ...header, environment: '<script>alert(1)</script>', commit: '`rm -rf`' },
      changeSets: [
        {
          stackName: 'app-prod',
          status: 'FAILED',
          statusReason: '<b>bold</b>',
          changes: [
            modify('Fn', 'AWS::Lambda::Function', [
              detail('Description', { BeforeValue: evil, AfterValue: evil }),
            ]),
            remove('Old', 'Custom::<i>Evil</i>'),
          ],
        },
      ],
    });
    for (const out of [p.markdown, p.comment]) {
      expect(out).not.toMatch(/<img|<script|<b>|<i>/);
      expect(out).not.toContain('[click](https');
      expect(out).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;\\|\\[click\\]');
      // Every table row keeps its column count (no unescaped pipe from a value).
      const rows = out.split('\n').filter((l) => l.startsWith('| <code>Fn</code> | <code>Description'));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.split(/(?<!\\)\|/).length).toBe(8);
    }
  });

  it('extra sections go after the destructive section; footer last', () => {
    const p = plan(mixed(), { extraSections: ['#### Drift\n\nEXTRA'], footer: '_footer_' });
    expect(p.markdown.indexOf('EXTRA')).toBeGreaterThan(p.markdown.indexOf('Destructive changes'));
    expect(p.markdown.indexOf('EXTRA')).toBeLessThan(p.markdown.indexOf('#### Add'));
    expect(p.markdown.trimEnd().endsWith('_footer_')).toBe(true);
  });

  it.each([500, 2000])(
    'C3/H2: a %i-resource plan comment fits 65,536 chars and keeps every destructive change',
    (n) => {
      const runUrl = 'https://github.com/acme/infra/actions/runs/42';
      const secret = 'old description';
      const p = renderPlan({
        header: { ...header, runUrl },
        changeSets: [{ stackName: 'app-prod', changes: bigChangeSet(n) }],
        secrets: [secret],
      });
      expect(p.comment.length).toBeLessThanOrEqual(COMMENT_LIMIT);
      expect(Buffer.byteLength(p.markdown)).toBeLessThanOrEqual(1024 * 1024);
      expect(p.destructive).toHaveLength(n / 10);
      for (const d of p.destructive) expect(p.comment).toContain(`<code>${d.logicalId}</code>`);
      expect(p.comment.split('\n')[0]).toContain(summaryLine(p.counts));
      expect(p.comment).toContain('| Stack | Environment');
      expect(p.comment).toContain(`full plan in the job summary of run <${runUrl}>`);
      expect(p.commentOmitted.length).toBeGreaterThan(0);
      expect(p.comment).not.toContain(secret);
      expect(p.markdown).not.toContain(secret);
      if (n === 2000) expect(p.comment).toMatch(/_… and \d+ more Add changes_/);
    },
  );

  it('H2: even 3,000 destructive changes are all named in a comment that fits', () => {
    const changes = Array.from({ length: 3000 }, (_, i) =>
      i % 2
        ? remove(`Res${i}`, 'AWS::SQS::Queue')
        : replace(`Res${i}`, 'AWS::Lambda::Function', 'FunctionName'),
    );
    const p = plan(changes, { allowList: ['AWS::SQS::Queue'] });
    expect(p.comment.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    const named = new Set(p.comment.match(/\bRes\d+\b/g));
    expect(named.size).toBe(3000);
    expect(p.comment).toContain('details of destructive changes (their list is complete)');
  });

  it('the markdown stays under its byte cap too', () => {
    const p = renderPlan({
      header,
      changeSets: [{ stackName: 'app-prod', changes: bigChangeSet(500) }],
      limits: { markdownBytes: 100_000 },
    });
    expect(Buffer.byteLength(p.markdown)).toBeLessThanOrEqual(100_000);
    expect(p.markdown).toContain('Shortened to fit the job summary');
    for (const d of p.destructive) expect(p.markdown).toContain(`<code>${d.logicalId}</code>`);
  });

  it('snapshot: a small mixed plan', () => {
    const p = plan([...mixed(), importing('Imported', 'AWS::S3::Bucket')], { allowList: ['OldTable'] });
    expect(p.markdown).toMatchSnapshot();
  });

  it('skips non-resource changes', () => {
    const p = plan([change({}), { Type: 'Resource' }]);
    expect(p.hasChanges).toBe(false);
  });
});

describe('renderTable', () => {
  it('renders a three-way drift table with escaped, redacted cells', () => {
    const md = renderTable(
      ['Property', 'Previous template', 'Live', 'Proposed', 'Verdict'],
      [
        ['MemorySize', { code: '256' }, { code: '512' }, { code: '256' }, { md: '⚠️ **overwrite**' }],
        ['Secret', { code: 'topsecret' }, { code: '<b>x|y</b>' }, undefined, 'ok'],
      ],
      { secrets: ['topsecret'] },
    );
    const lines = md.split('\n');
    expect(lines[0]).toBe('| Property | Previous template | Live | Proposed | Verdict |');
    expect(lines[2]).toBe(
      '| MemorySize | <code>256</code> | <code>512</code> | <code>256</code> | ⚠️ **overwrite** |',
    );
    expect(md).not.toContain('topsecret');
    expect(md).toContain(`<code>${escapeMarkdown(REDACTED)}</code>`);
    expect(md).toContain('<code>&lt;b&gt;x\\|y&lt;/b&gt;</code>');
  });

  it('trusted { md } cells stay in their cell: pipes escaped, line breaks as <br>', () => {
    const md = renderTable(['a', 'b'], [[{ md: '**x**|y\nz' }, 'ok']]);
    expect(md.split('\n')[2]).toBe('| **x**\\|y<br>z | ok |');
  });

  it('limits rows', () => {
    const md = renderTable(['a'], [['1'], ['2'], ['3']], { maxRows: 1 });
    expect(md).toContain('… and 2 more rows');
  });
});

describe('runUrlFromEnv', () => {
  it('builds the run URL only when all parts are present', () => {
    expect(
      runUrlFromEnv({
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_RUN_ID: '7',
      }),
    ).toBe('https://github.com/o/r/actions/runs/7');
    expect(runUrlFromEnv({ GITHUB_REPOSITORY: 'o/r' })).toBeUndefined();
  });
});
