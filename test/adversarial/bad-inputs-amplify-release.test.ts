/**
 * L1 × dist/amplify-release: hostile inputs against the loopback Amplify stub (an app and branch that exist,
 * so a missing check shows as a write). Each must exit 1 with exactly one ::error:: line, the stub must see
 * no write (UpdateBranch, UpdateApp, StartJob) and nothing may be exported.
 */
import { describe, it } from '@jest/globals';
import { filler as long, probe, refusalProblems } from '../helpers/adversarial';
import { startAmplifyStub } from '../helpers/amplify-stub';
import { runDist } from '../helpers/dist';

const APP_ID = 'd2advapp01';
const BRANCH = 'release/demo';

interface BadInput {
  title: string;
  inputs: Record<string, string>;
  env?: Record<string, string | undefined>;
}

const branch = (title: string, name: string): BadInput => ({
  title: `L1: branch ${title}`,
  inputs: { branch: name },
});
const envVars = (title: string, text: string): BadInput => ({
  title: `L1: environment-variables ${title}`,
  inputs: { 'environment-variables': text },
});

const CASES: BadInput[] = [
  { title: 'L1: app-id in upper case', inputs: { 'app-id': 'D2ADVAPP01' } },
  { title: 'L1: app-id that is a path traversal', inputs: { 'app-id': '../../apps' } },
  { title: 'L1: app-id of 22 characters', inputs: { 'app-id': `d${long(21)}` } },
  { title: 'L1: no app-id', inputs: { 'app-id': '' } },
  { title: 'L1: app-id with a newline and a command', inputs: { 'app-id': 'd2adv\n::warning::x' } },
  { title: 'L1: app-id with a URL query', inputs: { 'app-id': 'd2adv?x=1' } },
  branch('that is empty', ''),
  branch('with a space', 'bad branch'),
  branch('with ..', 'release/../main'),
  branch('starting with /', '/release'),
  branch('ending with /', 'release/'),
  branch('ending with .lock', 'release.lock'),
  branch('starting with -', '-release'),
  branch('with @{', 'release@{1}'),
  branch('with ~', 'release~1'),
  branch('with ^', 'release^1'),
  branch('with :', 'release:main'),
  branch('with ?', 'release?'),
  branch('with *', 'release*'),
  branch('with [', 'release[1'),
  branch('with a backslash', 'release\\x'),
  branch('of 256 characters', long(256)),
  branch('with a tab', 'release\tx'),
  branch('with //', 'release//x'),
  branch('ending with .', 'release.'),
  branch('with a newline and a command', 'release\n::warning::x'),
  { title: 'L1: an unknown release mode', inputs: { release: 'sometimes' } },
  { title: 'L1: an unknown env-scope', inputs: { 'env-scope': 'global' } },
  { title: 'L1: wait that is not a boolean', inputs: { wait: 'perhaps' } },
  { title: 'L1: wait-timeout-minutes 0', inputs: { 'wait-timeout-minutes': '0' } },
  { title: 'L1: wait-timeout-minutes 481', inputs: { 'wait-timeout-minutes': '481' } },
  { title: 'L1: wait-timeout-minutes that is not a number', inputs: { 'wait-timeout-minutes': '5m' } },
  { title: 'L1: commit-id that is not hex', inputs: { 'commit-id': 'xyz1234' } },
  { title: 'L1: commit-id of 6 digits', inputs: { 'commit-id': 'abc123' } },
  { title: 'L1: commit-id of 41 digits', inputs: { 'commit-id': long(41, 'a') } },
  {
    title: 'L1: on-new-commit with no commit-id and no GITHUB_SHA',
    inputs: { release: 'on-new-commit' },
    env: { GITHUB_SHA: undefined },
  },
  {
    title: 'L1: on-new-commit with a GITHUB_SHA that is not a commit',
    inputs: { release: 'on-new-commit' },
    env: { GITHUB_SHA: 'not-a-sha' },
  },
  { title: 'L1: secret-keys with a hyphen', inputs: { 'secret-keys': 'BAD-KEY' } },
  { title: 'L1: secret-keys starting with a digit', inputs: { 'secret-keys': '1KEY' } },
  envVars('with a line without =', 'API_URL=https://x\nNOEQUALS'),
  envVars('with a key starting with a digit', '1API=x'),
  envVars('with a key in the reserved AWS prefix', 'AWS_SECRET=x'),
  envVars('with a key given twice', 'API=a\nAPI=b'),
  envVars('as JSON that does not parse', '{"API": '),
  envVars('as JSON with a nested value', '{"API": {"x": 1}}'),
  envVars('as a JSON list', '["API=x"]'),
  envVars('with a value over 5,500 characters', `API=${long(5501)}`),
  { title: 'L1: job-reason with a newline', inputs: { 'job-reason': 'deploy\n::warning::x' } },
  { title: 'L1: job-reason of 256 characters', inputs: { 'job-reason': long(256) } },
  { title: 'L1: aws-region that is not one', inputs: { 'aws-region': 'us-east-1 --debug' } },
  {
    title: 'L1: no region at all',
    inputs: {},
    env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
  },
];

describe('L1: dist/amplify-release refuses bad input before any write', () => {
  it.concurrent.each(CASES)('$title', ({ title, inputs, env }) =>
    probe('bad-input', 'amplify-release', title, async () => {
      const stub = await startAmplifyStub();
      try {
        stub.addApp(APP_ID, { EXISTING: 'kept' });
        stub.addBranch(APP_ID, BRANCH, null);
        const run = await runDist(
          'amplify-release',
          {
            'app-id': APP_ID,
            branch: BRANCH,
            release: 'always',
            'environment-variables': 'API_URL=https://api.example.com',
            'wait-timeout-minutes': '1',
            ...inputs,
          },
          {
            timeoutMs: 90_000,
            env: {
              AWS_ENDPOINT_URL_AMPLIFY: stub.endpoint,
              AWS_REGION: 'us-east-1',
              AWS_ACCESS_KEY_ID: 'testing',
              AWS_SECRET_ACCESS_KEY: 'testing',
              AWS_EC2_METADATA_DISABLED: 'true',
              GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
              ...env,
            },
          },
        );
        const writes = stub.ops('UpdateBranch', 'UpdateApp', 'StartJob').map((call) => call.op);
        return refusalProblems(run, writes);
      } finally {
        await stub.close();
      }
    }),
  );
});
