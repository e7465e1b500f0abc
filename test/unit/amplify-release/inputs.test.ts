import fs from 'node:fs';
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  DEFAULTS,
  INPUTS,
  OUTPUTS,
  parseInputs,
  secretValues,
} from '../../../actions/amplify-release/src/inputs';
import { runWith } from '../../../actions/amplify-release/src/run';
import { InputError } from '../../../src/errors';
import { mapInputs } from '../../../src/inputs';
import { actionYmlContract } from '../../helpers/action-yml';
import { amplify, APP_ID, BRANCH, SHA_A, harness } from './fixtures';

beforeEach(() => {
  amplify.reset();
});

const env = { AWS_REGION: 'us-east-1' };
const good = { 'app-id': APP_ID, branch: BRANCH };

describe('parseInputs', () => {
  it('applies the defaults', () => {
    const i = parseInputs(mapInputs(good), {
      ...env,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: '77',
      GITHUB_SHA: SHA_A,
    });
    expect(i).toEqual({
      appId: APP_ID,
      branch: BRANCH,
      release: 'first-deploy',
      commitId: undefined, // GITHUB_SHA is only the default for on-new-commit
      envVars: {},
      envScope: 'branch',
      secretKeys: new Set(),
      wait: true,
      waitTimeoutMinutes: 30,
      jobReason: 'Guarded Deploy amplify-release: https://github.com/o/r/actions/runs/77',
      region: 'us-east-1',
    });
  });

  it('on-new-commit defaults commit-id to GITHUB_SHA; commit-id input wins and is lower-cased', () => {
    expect(
      parseInputs(mapInputs({ ...good, release: 'on-new-commit' }), { ...env, GITHUB_SHA: SHA_A }).commitId,
    ).toBe(SHA_A);
    expect(
      parseInputs(mapInputs({ ...good, release: 'on-new-commit', 'commit-id': 'ABCDEF1' }), {
        ...env,
        GITHUB_SHA: SHA_A,
      }).commitId,
    ).toBe('abcdef1');
  });

  it('aws-region input wins over AWS_REGION; AWS_DEFAULT_REGION is a fallback', () => {
    expect(parseInputs(mapInputs({ ...good, 'aws-region': 'eu-west-1' }), env).region).toBe('eu-west-1');
    expect(parseInputs(mapInputs(good), { AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe('ap-south-1');
  });

  it('C3: secret values are those of secret-keys and of keys matching SECRET|TOKEN|PASSWORD|KEY', () => {
    const i = parseInputs(
      mapInputs({
        ...good,
        'environment-variables': 'DB_Password=a1\napi_key=a2\nGH_TOKEN=a3\nMY_SECRET=a4\nDSN=a5\nURL=a6',
        'secret-keys': 'DSN',
      }),
      env,
    );
    expect(secretValues(i).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('branch names with slashes, dots and dashes are fine', () => {
    for (const b of ['main', 'release/demo', 'feature/JIRA-12_x.y', 'v2.0', 'a'.repeat(255)]) {
      expect(parseInputs(mapInputs({ ...good, branch: b }), env).branch).toBe(b);
    }
  });
});

describe('L1: bad input → one clear error, zero AWS calls', () => {
  const bad: [string, Record<string, string>, NodeJS.ProcessEnv, RegExp][] = [
    ['missing app-id', { branch: BRANCH }, env, /Input 'app-id' is required/],
    ['app-id not an Amplify id', { ...good, 'app-id': 'my-app' }, env, /not an Amplify app id/],
    ['app-id upper case', { ...good, 'app-id': 'D1ABC' }, env, /not an Amplify app id/],
    ['app-id too long', { ...good, 'app-id': `d${'a'.repeat(21)}` }, env, /not an Amplify app id/],
    [
      'missing branch (no main default)',
      { 'app-id': APP_ID },
      env,
      /Input 'branch' is required .*no default/,
    ],
    ['branch with a space', { ...good, branch: 'release demo' }, env, /not a valid Amplify branch name/],
    [
      'branch with a control char',
      { ...good, branch: 'rel\u0007ease' },
      env,
      /not a valid Amplify branch name: 'rel\\x07ease'/,
    ],
    ['branch with ..', { ...good, branch: '../../etc' }, env, /not a valid Amplify branch name/],
    ['branch too long', { ...good, branch: 'b'.repeat(256) }, env, /not a valid Amplify branch name/],
    ['branch with ~', { ...good, branch: 'main~1' }, env, /not a valid Amplify branch name/],
    [
      'unknown release mode',
      { ...good, release: 'sometimes' },
      env,
      /Input 'release' must be one of first-deploy \| on-new-commit \| always \| never/,
    ],
    ['commit-id not hex', { ...good, 'commit-id': 'HEAD' }, env, /Input 'commit-id' is not a git commit id/],
    ['commit-id too short', { ...good, 'commit-id': 'abc12' }, env, /not a git commit id/],
    [
      'on-new-commit without any commit',
      { ...good, release: 'on-new-commit' },
      env,
      /on-new-commit needs a commit/,
    ],
    [
      'on-new-commit with a bad GITHUB_SHA',
      { ...good, release: 'on-new-commit' },
      { ...env, GITHUB_SHA: 'zzz' },
      /GITHUB_SHA is not a git commit id/,
    ],
    [
      'bad env-scope',
      { ...good, 'env-scope': 'global' },
      env,
      /Input 'env-scope' must be one of branch \| app/,
    ],
    ['wait not boolean', { ...good, wait: 'maybe' }, env, /Input 'wait' must be true or false/],
    ['timeout zero', { ...good, 'wait-timeout-minutes': '0' }, env, /between 1 and 480/],
    ['timeout not a number', { ...good, 'wait-timeout-minutes': '30m' }, env, /must be a whole number/],
    ['job-reason multi-line', { ...good, 'job-reason': 'a\nb' }, env, /Input 'job-reason' must be one line/],
    ['job-reason too long', { ...good, 'job-reason': 'x'.repeat(256) }, env, /at most 255/],
    ['bad region input', { ...good, 'aws-region': 'moon-1' }, env, /'moon-1' is not a valid AWS region/],
    ['no region at all', good, {}, /No AWS region/],
    [
      'env line without =',
      { ...good, 'environment-variables': 'A=1\njust text' },
      env,
      /neither KEY=VALUE lines nor a valid JSON\/YAML map|must be KEY=VALUE lines/,
    ],
    [
      'env key invalid',
      { ...good, 'environment-variables': '1ABC=x' },
      env,
      /line 1: '1ABC' is not a valid variable name/,
    ],
    [
      'env key with AWS prefix',
      { ...good, 'environment-variables': 'AWS_BRANCH=x' },
      env,
      /prefix Amplify reserves/,
    ],
    ['env key twice', { ...good, 'environment-variables': 'A=1\nA=2' }, env, /'A' is given twice/],
    [
      'env YAML duplicate key',
      { ...good, 'environment-variables': 'A: 1\nA: 2' },
      env,
      /a key appears twice/,
    ],
    [
      'env value nested',
      { ...good, 'environment-variables': '{"A": {"b": 1}}' },
      env,
      /value of 'A' must be a string/,
    ],
    [
      'env value a list',
      { ...good, 'environment-variables': 'A: [1, 2]' },
      env,
      /value of 'A' must be a string, number or boolean, got a list/,
    ],
    ['env a list', { ...good, 'environment-variables': '- A\n- B' }, env, /got a list/],
    [
      'env value too long',
      { ...good, 'environment-variables': `A=${'v'.repeat(5501)}` },
      env,
      /at most 5500/,
    ],
    [
      'secret-keys invalid',
      { ...good, 'secret-keys': 'OK, not ok' },
      env,
      /Input 'secret-keys': 'not ok' is not a valid variable name/,
    ],
  ];

  it('has at least 15 cases', () => expect(bad.length).toBeGreaterThanOrEqual(15));

  for (const [name, inputs, e, msg] of bad) {
    it(`L1: ${name}`, async () => {
      const h = harness(inputs, {});
      h.rt.env = e;
      const err = await runWith(h.rt).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(msg);
      expect((err as Error).message).not.toContain('\n');
      expect(amplify.calls()).toHaveLength(0);
      expect(h.log.lines).toHaveLength(0);
    });
  }
});

describe('action.yml', () => {
  const yml = actionYmlContract('amplify-release', { INPUTS, OUTPUTS, DEFAULTS });

  it('app-id and branch required with no default; the parser really uses the defaults', () => {
    expect(yml.inputs['app-id']).toMatchObject({ required: true });
    expect(yml.inputs.branch).toMatchObject({ required: true });
    expect(yml.inputs.branch!.default).toBeUndefined();
    // and the parser really uses them
    const parsed = parseInputs(mapInputs(good), env);
    expect(parsed.release).toBe(yml.inputs.release!.default);
    expect(parsed.envScope).toBe(yml.inputs['env-scope']!.default);
    expect(String(parsed.wait)).toBe(yml.inputs.wait!.default);
    expect(String(parsed.waitTimeoutMinutes)).toBe(yml.inputs['wait-timeout-minutes']!.default);
  });

  it('the README documents every input and output', () => {
    const readme = fs.readFileSync('actions/amplify-release/README.md', 'utf8');
    for (const n of [...INPUTS, ...OUTPUTS]) expect(readme).toContain(`\`${n}\``);
  });
});
