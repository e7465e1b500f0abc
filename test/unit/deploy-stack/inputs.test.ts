import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { mapInputs } from '../../../src/inputs';
import { InputError } from '../../../src/errors';
import { INPUTS, OUTPUTS, parseInputs, defaultChangeSetName } from '../../../actions/deploy-stack/src/inputs';
import { run } from '../../../actions/deploy-stack/src/main';
import { cfnMock, resetMocks, s3Mock, stsMock, workspace } from './harness';

const action = parseYaml(fs.readFileSync('actions/deploy-stack/action.yml', 'utf8')) as {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
};

describe('action.yml', () => {
  it('declares exactly the inputs and outputs the code reads and writes, each described', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUTS].sort());
    expect(Object.keys(action.outputs).sort()).toEqual([...OUTPUTS].sort());
    for (const i of Object.values(action.inputs)) expect(i.description.length).toBeGreaterThan(10);
    for (const o of Object.values(action.outputs)) expect(o.description.length).toBeGreaterThan(5);
    expect(action.runs).toEqual({ using: 'node24', main: '../../dist/deploy-stack/index.js' });
  });

  it('defaults in action.yml equal the parser defaults', () => {
    const dir = workspace();
    const env = { GITHUB_WORKSPACE: dir, AWS_REGION: 'us-east-1' };
    const base = { name: 'app', template: 'template.yaml' };
    const implicit = parseInputs(mapInputs(base), env, 0);
    const defaults = Object.fromEntries(
      Object.entries(action.inputs)
        .filter(([, v]) => v.default !== undefined && !v.default.includes('${{'))
        .map(([k, v]) => [k, v.default as string]),
    );
    const explicit = parseInputs(mapInputs({ ...base, ...defaults }), env, 0);
    expect(explicit).toEqual(implicit);
  });
});

describe('L1: every input is validated before any AWS call', () => {
  const dir = workspace({
    'template.yaml': 'Resources: {}\n',
    'params.json': '[{"ParameterKey":"A","ParameterValue":"1"}]',
  });
  const env = { GITHUB_WORKSPACE: dir, AWS_REGION: 'us-east-1' };
  const ok = { name: 'app', template: 'template.yaml' };
  const bad: [string, Record<string, string>, RegExp, NodeJS.ProcessEnv | undefined][] = [
    ['empty stack name', { name: '' }, /not a valid stack name/, undefined],
    ['stack name with a slash', { name: '../../etc' }, /not a valid stack name/, undefined],
    ['stack name starting with a digit', { name: '1stack' }, /not a valid stack name/, undefined],
    ['stack name too long', { name: `a${'b'.repeat(128)}` }, /not a valid stack name/, undefined],
    ['stack name with shell metacharacters', { name: 'app;rm -rf /' }, /not a valid stack name/, undefined],
    ['template outside the workspace', { template: '../../etc/passwd' }, /inside the workspace/, undefined],
    ['absolute template path elsewhere', { template: '/etc/passwd' }, /inside the workspace/, undefined],
    ['missing template file', { template: 'nope.yaml' }, /Template file not found/, undefined],
    [
      'template URL not on S3',
      { template: 'https://evil.example.com/t.yaml' },
      /must point to Amazon S3/,
      undefined,
    ],
    ['template with another scheme', { template: 'ftp://x/t.yaml' }, /workspace path or an https/, undefined],
    ['unknown mode', { mode: 'yolo' }, /'mode' must be one of/, undefined],
    ['unknown capability', { capabilities: 'CAPABILITY_ROOT' }, /unknown capability/, undefined],
    ['bad role ARN', { 'role-arn': 'arn:aws:iam::12:role/x' }, /valid IAM role ARN/, undefined],
    [
      'bad notification ARN',
      { 'notification-arns': 'arn:aws:sqs:us-east-1:111122223333:q' },
      /valid SNS topic ARN/,
      undefined,
    ],
    ['bad account id', { 'expected-account-id': '12345' }, /12-digit/, undefined],
    ['bad boolean', { 'allow-destructive': 'maybe' }, /true or false/, undefined],
    ['bad timeout', { 'wait-timeout-minutes': '0' }, /between 1 and 720/, undefined],
    ['non-numeric timeout', { 'wait-timeout-minutes': '5m' }, /whole number/, undefined],
    ['bad change set name', { 'change-set-name': 'cs_with_underscore' }, /change-set-name/, undefined],
    ['bad S3 bucket', { 's3-bucket': 'Bad_Bucket' }, /valid bucket name/, undefined],
    ['S3 prefix with ..', { 's3-bucket': 'ok-bucket', 's3-prefix': 'a/../b' }, /s3-prefix/, undefined],
    ['bad deployment mode', { 'deployment-mode': 'FORCE' }, /REVERT_DRIFT/, undefined],
    ['parameter without =', { 'parameter-overrides': 'JustAKey' }, /entry 1 is not Key=Value/, undefined],
    ['unterminated quote', { 'parameter-overrides': 'A="x,y' }, /unterminated/, undefined],
    ['duplicate parameter', { 'parameter-overrides': 'A=1,A=2' }, /given twice/, undefined],
    [
      'parameter file outside the workspace',
      { 'parameter-overrides': 'file://../../etc/passwd' },
      /inside the workspace/,
      undefined,
    ],
    ['reserved tag key', { tags: 'aws:owner=me' }, /tag key/, undefined],
    [
      'execute-only without a change set id',
      { mode: 'execute-only' },
      /execute-change-set-id' is required/,
      undefined,
    ],
    [
      'execute-only with a bad change set id',
      { mode: 'execute-only', 'execute-change-set-id': 'arn:aws:s3:::x' },
      /change set ARN or name/,
      undefined,
    ],
    [
      'execute-change-set-id outside execute-only',
      { 'execute-change-set-id': 'cs-1' },
      /only used with mode: execute-only/,
      undefined,
    ],
    [
      'resources-to-skip without continue',
      { 'resources-to-skip': 'Fn' },
      /only used with on-update-rollback-failed: continue/,
      undefined,
    ],
    [
      'bad allow-list entry',
      { 'destructive-allow-list': 'AWS::*' },
      /neither a logical id nor a resource type/,
      undefined,
    ],
    ['bad environment label', { environment: '<script>' }, /environment/, undefined],
    ['no region', {}, /No AWS region/, { GITHUB_WORKSPACE: dir }],
    ['bad region', { 'aws-region': 'moon-1' }, /not a valid AWS region/, undefined],
    [
      'http-proxy with another scheme',
      { 'http-proxy': 'socks5://u:p@proxy:1080' },
      /http:\/\/ or https:\/\//,
      undefined,
    ],
    ['http-proxy that is no URL', { 'http-proxy': 'http://[oops' }, /not a valid proxy URL/, undefined],
    [
      'malformed HTTPS_PROXY in the environment',
      {},
      /HTTPS_PROXY must be an http/,
      { GITHUB_WORKSPACE: dir, AWS_REGION: 'us-east-1', HTTPS_PROXY: 'ftp://proxy:21' },
    ],
    [
      'parameters-file outside the workspace',
      { 'parameters-file': '../../etc/passwd' },
      /inside the workspace/,
      undefined,
    ],
    ['parameters-file that is not JSON', { 'parameters-file': 'template.yaml' }, /cannot read/, undefined],
    [
      'parameters-file without Parameters',
      { 'parameters-file': 'params.json' },
      /must be a JSON object/,
      undefined,
    ],
  ];

  it.each(bad)('L1: %s → InputError', (_label, extra, message, e) => {
    expect(() => parseInputs(mapInputs({ ...ok, ...extra }), e ?? env, 0)).toThrow(InputError);
    expect(() => parseInputs(mapInputs({ ...ok, ...extra }), e ?? env, 0)).toThrow(message);
  });

  it('L1: accepts the documented parameter and tag syntaxes', () => {
    const p = parseInputs(
      mapInputs({ ...ok, 'parameter-overrides': 'A=1,B="x,y",C=a=b', tags: '{"team":"core","cost":7}' }),
      env,
      0,
    );
    expect(p.parameterOverrides).toEqual([
      { key: 'A', value: '1' },
      { key: 'B', value: 'x,y' },
      { key: 'C', value: 'a=b' },
    ]);
    expect(p.tags).toEqual([
      { Key: 'team', Value: 'core' },
      { Key: 'cost', Value: '7' },
    ]);
    const f = parseInputs(mapInputs({ ...ok, 'parameter-overrides': 'file://params.json' }), env, 0);
    expect(f.parameterOverrides).toEqual([{ key: 'A', value: '1' }]);
  });

  it('default change set name is unique per run and attempt', () => {
    expect(defaultChangeSetName('app', { GITHUB_RUN_ID: '123', GITHUB_RUN_ATTEMPT: '2' }, 0)).toBe(
      'app-123-2',
    );
    expect(defaultChangeSetName('app', {}, 1700000000000)).toBe('app-1700000000000');
    expect(
      defaultChangeSetName('a'.repeat(128), { GITHUB_RUN_ID: '1', GITHUB_RUN_ATTEMPT: '1' }, 0),
    ).toHaveLength(128);
  });
});

describe('L1: the entry point turns bad input into one ::error:: line, exit 1, zero AWS calls', () => {
  let out: string[];
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    resetMocks();
    saved = { ...process.env };
    out = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = saved;
    process.exitCode = undefined;
  });

  it.each([
    ['INPUT_NAME', '../../etc'],
    ['INPUT_TEMPLATE', '../../../etc/passwd'],
    ['INPUT_EXPECTED-ACCOUNT-ID', 'abc'],
  ])('L1: %s=%s', async (k, v) => {
    const dir = workspace();
    process.env = {
      ...saved,
      GITHUB_WORKSPACE: dir,
      AWS_REGION: 'us-east-1',
      INPUT_NAME: 'app',
      INPUT_TEMPLATE: 'template.yaml',
      [k]: v,
    };
    await run();
    const errors = out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(process.exitCode).toBe(1);
    expect(cfnMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
    expect(stsMock.calls()).toHaveLength(0);
  });
});
