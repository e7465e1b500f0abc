import { describe, expect, it } from '@jest/globals';
import {
  changeSetNameFor,
  DEFAULTS,
  INPUTS,
  OUTPUTS,
  parseInputs,
} from '../../../actions/drift-check/src/inputs';
import { InputError } from '../../../src/errors';
import { mapInputs } from '../../../src/inputs';
import { D1_TEMPLATE } from '../../fixtures/drift';
import { actionYmlContract, declaredDefaults } from '../../helpers/action-yml';
import { cfn, harness, install, runAction, workspace } from './harness';

const env = { AWS_REGION: 'us-east-1', GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: '2' };

describe('parseInputs', () => {
  it('applies the defaults', () => {
    const i = parseInputs(mapInputs({ stacks: 'a-stack\nb-stack' }), env, 5);
    expect(i).toEqual({
      stacks: ['a-stack', 'b-stack'],
      template: undefined,
      templateParameters: undefined,
      parameterOverrides: [],
      capabilities: ['CAPABILITY_IAM'],
      mode: 'both',
      failOn: 'overwrite',
      concurrency: 5,
      revert: false,
      allowDestructive: false,
      destructiveAllowList: [],
      commentOnPr: 'auto',
      githubToken: undefined,
      environment: undefined,
      waitTimeoutMs: 30 * 60_000,
      region: 'us-east-1',
      changeSetNames: { 'a-stack': 'drift-a-stack-77-2', 'b-stack': 'drift-b-stack-77-2' },
    });
  });

  it('a given template is read, its parameters known, and overrides checked against them before any AWS call', () => {
    const ws = workspace({ 't.yaml': D1_TEMPLATE });
    const i = parseInputs(
      mapInputs({ stacks: 's', template: 't.yaml', 'parameter-overrides': 'Env=prod' }),
      { ...env, GITHUB_WORKSPACE: ws },
      5,
    );
    expect(i.template).toMatchObject({ kind: 'file', body: D1_TEMPLATE });
    expect(i.templateParameters).toEqual([
      { name: 'Env', noEcho: false, hasDefault: false },
      { name: 'DbPassword', noEcho: true, hasDefault: true },
    ]);
  });

  it('change set names: drift-<stack>-<run>-<attempt>, ≤ 128 characters, a timestamp outside Actions', () => {
    expect(changeSetNameFor('orders', { GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '3' }, 1)).toBe(
      'drift-orders-9-3',
    );
    expect(changeSetNameFor('orders', {}, 1700000000000)).toBe('drift-orders-1700000000000');
    const long = changeSetNameFor(`a${'-b'.repeat(63)}`, { GITHUB_RUN_ID: '123456789012' }, 1);
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toMatch(/^drift-a[-b]*b-123456789012-1$/);
  });
});

const BAD: Array<[string, Record<string, string>, RegExp]> = [
  ['L1: no stacks', {}, /'stacks' is required/],
  ['L1: path traversal as a stack name', { stacks: '../../etc' }, /not a valid stack name/],
  ['L1: stack name with a space', { stacks: 'good\nbad name' }, /not a valid stack name/],
  ['L1: stack name over 128 characters', { stacks: `a${'b'.repeat(128)}` }, /not a valid stack name/],
  ['L1: a stack listed twice', { stacks: 'a\na' }, /twice/],
  ['L1: 201 stacks', { stacks: Array.from({ length: 201 }, (_, i) => `s${i}`).join('\n') }, /at most 200/],
  ['L1: unknown mode', { stacks: 'a', mode: 'fix' }, /'mode' must be one of detect \| change-set \| both/],
  ['L1: unknown fail-on', { stacks: 'a', 'fail-on': 'always' }, /'fail-on' must be one of/],
  ['L1: concurrency 0', { stacks: 'a', concurrency: '0' }, /between 1 and 20/],
  ['L1: concurrency 21', { stacks: 'a', concurrency: '21' }, /between 1 and 20/],
  ['L1: concurrency not a number', { stacks: 'a', concurrency: 'five' }, /whole number/],
  ['L1: revert not a boolean', { stacks: 'a', revert: 'sure' }, /true or false/],
  [
    'L1: revert with mode detect',
    { stacks: 'a', revert: 'true', mode: 'detect' },
    /needs mode: change-set or both/,
  ],
  ['L1: revert with fail-on drift', { stacks: 'a', revert: 'true', 'fail-on': 'drift' }, /contradict/],
  [
    'L1: template outside the workspace',
    { stacks: 'a', template: '../../etc/passwd' },
    /inside the workspace/,
  ],
  ['L1: template not found', { stacks: 'a', template: 'nope.yaml' }, /Template file not found/],
  [
    'L1: template from a non-S3 URL',
    { stacks: 'a', template: 'https://evil.example.com/t.yaml' },
    /must point to Amazon S3/,
  ],
  ['L1: unknown capability', { stacks: 'a', capabilities: 'CAPABILITY_ROOT' }, /unknown capability/],
  [
    'L1: malformed parameter-overrides',
    { stacks: 'a', 'parameter-overrides': 'novalue' },
    /is not Key=Value/,
  ],
  [
    'L1: bad allow-list entry',
    { stacks: 'a', 'destructive-allow-list': 'AWS::*' },
    /neither a logical id nor a resource type/,
  ],
  ['L1: bad comment-on-pr', { stacks: 'a', 'comment-on-pr': 'sometimes' }, /'comment-on-pr' must be one of/],
  ['L1: environment with markup', { stacks: 'a', environment: '<b>prod</b>' }, /'environment' may use/],
  ['L1: wait-timeout-minutes 0', { stacks: 'a', 'wait-timeout-minutes': '0' }, /between 1 and 360/],
  ['L1: invalid region', { stacks: 'a', 'aws-region': 'mars-1' }, /not a valid AWS region/],
];

describe('bad inputs: one InputError, zero AWS calls', () => {
  it.each(BAD)('%s', async (_name, inputs, message) => {
    install([]);
    const ws = workspace();
    const h = harness(inputs, { GITHUB_WORKSPACE: ws });
    const { error } = await runAction(h);
    expect(error).toBeInstanceOf(InputError);
    expect(error!.message).toMatch(message);
    expect(error!.message.split('\n')).toHaveLength(1);
    expect(cfn.calls()).toHaveLength(0);
    expect(h.summary).toHaveLength(0);
  });

  it('L1: an override the given template does not declare is refused before any AWS call', async () => {
    install([]);
    const ws = workspace({ 't.yaml': D1_TEMPLATE });
    const { error } = await runAction(
      harness({ stacks: 'a', template: 't.yaml', 'parameter-overrides': 'Nope=1' }, { GITHUB_WORKSPACE: ws }),
    );
    expect(error?.message).toBe('parameter-overrides name parameters the template does not declare: Nope.');
    expect(cfn.calls()).toHaveLength(0);
  });

  it('L1: no region anywhere', () => {
    expect(() => parseInputs(mapInputs({ stacks: 'a' }), {}, 5)).toThrow(/No AWS region/);
  });
});

describe('action.yml', () => {
  const yml = actionYmlContract('drift-check', { INPUTS, OUTPUTS, DEFAULTS });

  it('stacks or stack-sets: action.yml requires neither (the parser refuses both missing), and the parser really uses the defaults', () => {
    expect(yml.inputs.stacks).toMatchObject({ required: false });
    expect(() => parseInputs(mapInputs({}), env, 5)).toThrow(/Input 'stacks' is required/);
    const { 'github-token': _token, ...rest } = declaredDefaults(yml);
    const explicit = parseInputs(mapInputs({ stacks: 'a', ...rest }), env, 5);
    const implicit = parseInputs(mapInputs({ stacks: 'a' }), env, 5);
    expect(explicit).toEqual(implicit);
  });
});
