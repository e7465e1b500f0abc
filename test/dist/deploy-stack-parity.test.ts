/**
 * Drop-in parity with aws-actions/aws-cloudformation-github-deploy (issue #13, items 12-14).
 *
 * 1. The migration guide cannot drift: every input and output of their action.yml (copies in
 *    test/fixtures/aws-cloudformation-github-deploy/, see SOURCE.md) is supported by deploy-stack under the same
 *    name or a documented alias, or listed in the guide as deliberately not supported; every default of theirs
 *    behaves like ours unless the guide's row says the default changed.
 * 2. The http-proxy input and HTTP_PROXY/NO_PROXY, end to end through the bundle: moto is plain http, so a
 *    loopback forward proxy in front of it sees every CloudFormation call in absolute form.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { mapInputs } from '../../src/inputs';
import { parseInputs } from '../../actions/deploy-stack/src/inputs';
import { runDist, type DistRun } from '../helpers/dist';
import { motoEndpoint, motoEnv, uniqueName } from '../helpers/moto';
import { startForwardProxy, type ForwardProxy } from '../unit/shared/forward-proxy';

interface ActionSpec {
  inputs: Record<string, { default?: unknown; required?: boolean }>;
  outputs: Record<string, unknown>;
}

const FIXTURES = 'test/fixtures/aws-cloudformation-github-deploy';
const GUIDE = 'docs/migrating-from-aws-cloudformation-github-deploy.md';

function spec(file: string): ActionSpec {
  return parseYaml(fs.readFileSync(file, 'utf8')) as ActionSpec;
}

const theirs = { v2: spec(`${FIXTURES}/action.yml`), v1: spec(`${FIXTURES}/action-v1.yml`) };
const ours = spec('actions/deploy-stack/action.yml');
const theirInputs = [...new Set([...Object.keys(theirs.v2.inputs), ...Object.keys(theirs.v1.inputs)])];
const theirOutputs = [...new Set([...Object.keys(theirs.v2.outputs), ...Object.keys(theirs.v1.outputs)])];

interface GuideRow {
  old: string;
  /** Our input/output names the row maps to (empty: deliberately not supported). */
  ours: string[];
  notes: string;
}

/** The guide's tables whose first header cell is `heading` (`Old input`, `Old output`). */
function guideRows(markdown: string, heading: string): GuideRow[] {
  const rows: GuideRow[] = [];
  let inTable = false;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    if (cells[0] === heading) {
      inTable = true;
      continue;
    }
    if (!inTable || /^-+$/.test(cells[0] ?? '')) continue;
    const old = /^`([a-z-]+)`$/.exec(cells[0] ?? '')?.[1];
    if (!old) throw new Error(`${GUIDE}: a row of the ${heading} table does not start with one \`name\`: ${line}`);
    const mapped = cells[1] === '—' ? [] : [...(cells[1] ?? '').matchAll(/`([a-z-]+)/g)].map((match) => match[1] as string);
    rows.push({ old, ours: mapped, notes: cells[2] ?? '' });
  }
  return rows;
}

const guide = fs.readFileSync(GUIDE, 'utf8');
const inputRows = guideRows(guide, 'Old input');
const outputRows = guideRows(guide, 'Old output');

describe('parity with aws-cloudformation-github-deploy (the guide cannot drift)', () => {
  it('the fixtures are their action.yml: v2 has mode and the change set outputs, v1 the event-streaming inputs', () => {
    expect(Object.keys(theirs.v2.inputs)).toEqual(expect.arrayContaining(['mode', 'execute-change-set-id', 'http-proxy']));
    expect(Object.keys(theirs.v2.outputs)).toEqual(expect.arrayContaining(['changes-summary', 'changes-markdown']));
    expect(Object.keys(theirs.v1.inputs)).toEqual(expect.arrayContaining(['enable-event-streaming', 'output-format']));
    expect(fs.readFileSync(`${FIXTURES}/SOURCE.md`, 'utf8')).toMatch(/de28eb32679def7de43e36e865f5ecc8198ed29f/);
  });

  it('every input of theirs is in exactly one row of the guide, and every row is an input of theirs', () => {
    const listed = inputRows.map((row) => row.old);
    expect([...listed].sort()).toEqual([...theirInputs].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('every input of theirs is supported (same name or the documented alias) or listed as deliberately not supported', () => {
    const unsupported: string[] = [];
    for (const row of inputRows) {
      if (row.ours.length === 0) {
        // Deliberately not supported: then it really is not an input of ours (else the guide lies).
        expect([row.old, ours.inputs[row.old]]).toEqual([row.old, undefined]);
        unsupported.push(row.old);
        continue;
      }
      for (const name of row.ours) expect([row.old, name, name in ours.inputs]).toEqual([row.old, name, true]);
      if (/^Same\b/.test(row.notes)) expect([row.old, row.ours[0]]).toEqual([row.old, row.old]);
    }
    // Pinned, so that a new unsupported input is a decision someone makes, not a row someone adds.
    expect(unsupported.sort()).toEqual(['change-set-description', 'changeset-postfix', 'enable-event-streaming', 'output-format']);
  });

  it('every output of theirs is set by deploy-stack under the same name, and the guide lists each', () => {
    expect(outputRows.map((row) => row.old).sort()).toEqual([...theirOutputs].sort());
    for (const output of theirOutputs) expect([output, output in ours.outputs]).toEqual([output, true]);
    for (const row of outputRows) expect([row.old, row.ours]).toEqual([row.old, [row.old]]);
    const readme = fs.readFileSync('actions/deploy-stack/README.md', 'utf8');
    for (const output of theirOutputs) expect(readme).toContain(`| \`${output}\` |`);
  });

  it("their defaults behave like ours, except where the guide's row says the default changed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-parity-'));
    fs.writeFileSync(path.join(dir, 'template.yaml'), 'Resources: {}\n');
    const env = { GITHUB_WORKSPACE: dir, AWS_REGION: 'us-east-1' };
    // What the runner passes for our action.yml: our defaults (not expressions) and the required inputs.
    const ourDefaults = Object.fromEntries(
      Object.entries(ours.inputs)
        .filter(([, input]) => input.default !== undefined && !String(input.default).includes('${{'))
        .map(([name, input]) => [name, String(input.default)]),
    );
    const base = { ...ourDefaults, name: 'app', template: 'template.yaml' };
    const reference = parseInputs(mapInputs(base), env, 0);
    const changed: string[] = [];
    for (const [version, action] of Object.entries(theirs)) {
      for (const [name, input] of Object.entries(action.inputs)) {
        if (input.default === undefined || !(name in ours.inputs)) continue;
        const withTheirs = parseInputs(mapInputs({ ...base, [name]: String(input.default) }), env, 0);
        if (JSON.stringify(withTheirs) === JSON.stringify(reference)) continue;
        changed.push(`${version}:${name}`);
        const row = inputRows.find((candidate) => candidate.old === name);
        expect([name, /default changed/i.test(row?.notes ?? '')]).toEqual([name, true]);
      }
    }
    // The one known difference (the comparison can fail): `no-fail-on-empty-changeset: 0` means "fail" here.
    expect(changed.sort()).toEqual(['v1:no-fail-on-empty-changeset', 'v2:no-fail-on-empty-changeset']);
  });

  it('disable-rollback: the difference (theirs only on create, ours on update too) is in the guide and the input', () => {
    const row = inputRows.find((candidate) => candidate.old === 'disable-rollback');
    expect(row?.notes).toMatch(/only when the stack was created/);
    expect(row?.notes).toMatch(/UPDATE_FAILED/);
    expect(String((ours.inputs['disable-rollback'] as { description?: string }).description)).toMatch(
      /also on update.*only on create/,
    );
  });
});

describe('http-proxy and HTTP_PROXY/NO_PROXY through the bundle (moto behind a loopback forward proxy)', () => {
  let proxy: ForwardProxy;
  let ws: string;
  const NO_PROXY_ENV = {
    HTTP_PROXY: undefined,
    HTTPS_PROXY: undefined,
    http_proxy: undefined,
    https_proxy: undefined,
    NO_PROXY: undefined,
    no_proxy: undefined,
  };

  beforeAll(async () => {
    proxy = await startForwardProxy();
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-parity-ws-'));
    fs.writeFileSync(
      path.join(ws, 'stack.yaml'),
      [
        'Parameters:',
        '  Release: { Type: String }',
        'Resources:',
        '  ReleaseParameter:',
        '    Type: AWS::SSM::Parameter',
        '    Properties:',
        '      Name: !Sub "/guarded-deploy/${AWS::StackName}/release"',
        '      Type: String',
        '      Value: !Ref Release',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(ws, 'params.json'), JSON.stringify({ Parameters: { Release: 'v1' } }));
  });
  afterAll(() => proxy.close());

  function deploy(inputs: Record<string, string>, env: Record<string, string | undefined> = {}): Promise<DistRun> {
    return runDist(
      'deploy-stack',
      { template: 'stack.yaml', 'parameters-file': 'params.json', ...inputs },
      { cwd: ws, env: { ...motoEnv(), ...NO_PROXY_ENV, ...env } },
    );
  }

  const seenActions = () => proxy.seen.map((seen) => seen.action ?? `${seen.method} ${seen.target}`);

  it('the http-proxy input carries every CloudFormation call; changes-summary and changes-markdown are set', async () => {
    proxy.seen.length = 0;
    const name = uniqueName('parity-proxy');
    const plan = await deploy({ name, mode: 'create-only', 'http-proxy': proxy.url });
    expect(plan.stdout).not.toMatch(/::error::/);
    expect(plan.code).toBe(0);
    expect(seenActions()).toEqual(expect.arrayContaining(['DescribeStacks', 'CreateChangeSet', 'DescribeChangeSet']));
    for (const seen of proxy.seen) expect(seen.target.startsWith(`${motoEndpoint().replace(/\/$/, '')}/`)).toBe(true);

    const summary = JSON.parse(plan.outputs['changes-summary'] as string) as {
      changes: { ResourceChange: { Action: string; LogicalResourceId: string } }[];
      totalChanges: number;
      truncated: boolean;
      hasChanges: boolean;
    };
    expect(summary.totalChanges).toBe(Number(plan.outputs['changes-count']));
    expect(summary.truncated).toBe(false);
    expect(summary.hasChanges).toBe(true);
    expect(summary.changes.map((change) => change.ResourceChange)).toEqual([
      expect.objectContaining({ Action: 'Add', LogicalResourceId: 'ReleaseParameter' }),
    ]);
    expect(plan.outputs['changes-markdown']).toBe(plan.outputs['plan-markdown']);
    expect(plan.outputs['changes-markdown']).toContain('ReleaseParameter');

    // HTTP_PROXY from the environment (no input) is honoured the same way.
    proxy.seen.length = 0;
    const viaEnv = await deploy({ name }, { HTTP_PROXY: proxy.url });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.outputs['stack-status']).toBe('CREATE_COMPLETE');
    expect(seenActions()).toEqual(expect.arrayContaining(['CreateChangeSet', 'ExecuteChangeSet']));
  });

  it('NO_PROXY=127.0.0.1 bypasses the proxy (input given): the deploy succeeds and the proxy sees nothing', async () => {
    proxy.seen.length = 0;
    const run = await deploy(
      { name: uniqueName('parity-noproxy'), 'http-proxy': proxy.url },
      { NO_PROXY: '127.0.0.1' },
    );
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.outputs['stack-status']).toBe('CREATE_COMPLETE');
    expect(proxy.seen).toEqual([]);
  });

  it('L1: a malformed http-proxy → one ::error:: line, exit 1, no call, the proxy password never printed', async () => {
    proxy.seen.length = 0;
    const password = 'Pr0xy-Pa55-dist';
    const run = await deploy(
      { name: uniqueName('parity-bad'), 'http-proxy': `socks5://deployer:${password}@${proxy.url.slice(7)}` },
      { AWS_ENDPOINT_URL: proxy.url },
    );
    expect(run.code).toBe(1);
    const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Input 'http-proxy' must be an http:\/\/ or https:\/\/ proxy URL/);
    expect(run.all).not.toContain(password);
    expect(proxy.seen).toEqual([]);
  });
});
