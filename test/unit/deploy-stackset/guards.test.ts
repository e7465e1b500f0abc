// L1 (bad input: one error, zero calls), C2 (the account guard before any change), C3 (NoEcho values and
// secrets in reasons never leave), W1 (hostile StatusReason text cannot issue workflow commands or break tables).
import { afterEach, describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors';
import { OUTPUTS } from '../../../actions/deploy-stackset/src/inputs';
import { findLeak } from '../../helpers/leaks';
import { startStackSetStandIn, STANDIN_ACCOUNT, type StandIn } from '../../helpers/stackset-standin';
import { COMMAND_PAYLOADS, commandLines } from '../../helpers/workflow-commands';
import { harness, MUTATING } from './harness';

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const TARGETS = { accounts: '111111111111', regions: 'us-east-1,eu-west-1' };

describe('L1: every input is checked before any call', () => {
  it.each([
    ['a bad account id', { accounts: '1234' }, /'accounts': '1234' is not a 12-digit AWS account id/],
    ['a bad region', { regions: 'us-east-1,mars-1' }, /'regions': 'mars-1' is not a valid AWS region/],
    ['regions without targets', { accounts: '' }, /no targets/],
    ['targets without regions', { regions: '' }, /'regions' is required/],
    [
      'OUs on a self-managed stack set',
      { 'organizational-units': 'ou-ab12-abcdefgh' },
      /needs permission-model: SERVICE_MANAGED/,
    ],
    [
      'accounts on a service-managed one',
      { 'permission-model': 'SERVICE_MANAGED' },
      /'accounts' is for permission-model: SELF_MANAGED/,
    ],
    ['an undeclared override', { 'parameter-overrides': 'Nope=1' }, /does not declare: Nope/],
    [
      'a template outside the workspace',
      { template: '../../etc/passwd' },
      /must be a path inside the workspace/,
    ],
    [
      'a template URL',
      { template: 'https://bucket.s3.amazonaws.com/t.yaml' },
      /must be a file in the workspace/,
    ],
    ['a bad stack set name', { name: '../x' }, /not a valid stack name/],
    [
      'max-concurrent beyond tolerance + 1',
      { 'max-concurrent': '3', 'failure-tolerance': '1' },
      /at most failure-tolerance \+ 1/,
    ],
    [
      'a bad failure tolerance',
      { 'failure-tolerance': '150%' },
      /'failure-tolerance' must be a whole number/,
    ],
    [
      'region-order outside regions',
      { 'region-order': 'ap-south-1' },
      /'region-order': ap-south-1 is not in 'regions'/,
    ],
    ['a bad mode', { mode: 'execute-only' }, /'mode' must be one of/],
  ])('L1: %s', async (_what, inputs, message) => {
    standIn = await startStackSetStandIn();
    const step = harness(standIn, { ...TARGETS, ...inputs });
    await expect(step.run()).rejects.toThrow(InputError);
    await expect(step.run()).rejects.toThrow(message);
    expect(standIn.calls).toEqual([]);
  });

  it('L1: a required parameter with no value is refused after the reads, before any change', async () => {
    standIn = await startStackSetStandIn();
    const template = `Parameters:\n  Needed:\n    Type: String\nResources:\n  H:\n    Type: AWS::CloudFormation::WaitConditionHandle\n`;
    const run = await harness(standIn, TARGETS, { files: { 'template.yaml': template } }).run();
    expect(run.outcome.error).toMatch(/requires parameter\(s\) without a default that get no value: Needed/);
    expect(standIn.calls.filter((call) => MUTATING.test(call.action))).toEqual([]);
  });
});

describe('C2: the account guard', () => {
  it('C2: credentials for another account are refused before any change', async () => {
    standIn = await startStackSetStandIn();
    const run = await harness(standIn, { ...TARGETS, 'expected-account-id': '999999999999' }).run();
    expect(run.outcome.result).toBe('failed');
    expect(run.outcome.error).toContain(
      `the credentials are for AWS account ${STANDIN_ACCOUNT}, but expected-account-id is 999999999999`,
    );
    expect(standIn.calls.map((call) => call.action)).toEqual(['GetCallerIdentity']);
  });

  it('C2: the expected account passes', async () => {
    standIn = await startStackSetStandIn();
    const run = await harness(standIn, { ...TARGETS, 'expected-account-id': STANDIN_ACCOUNT }).run();
    expect(run.outcome.result).toBe('created');
    expect(run.outcome.accountId).toBe(STANDIN_ACCOUNT);
  });
});

describe('C3 / W1: what leaves the process', () => {
  const SECRET = 'hunter2-Sup3rSecret';
  const hostile = [
    ...COMMAND_PAYLOADS,
    `password ${SECRET} rejected`,
    '| pipe <img src=x onerror=alert(1)> **bold**',
  ].join('\n');

  it('C3/W1: NoEcho values never leave — not in reasons, plan, summary, outputs — and reasons cannot issue commands', async () => {
    standIn = await startStackSetStandIn({
      fail: (_account, region) => (region === 'eu-west-1' ? hostile : undefined),
    });
    const step = harness(standIn, {
      ...TARGETS,
      'parameter-overrides': `DbPassword=${SECRET}`,
      'failure-tolerance': '1',
      'max-concurrent': '2',
    });
    const run = await step.run();
    expect(run.outcome.result).toBe('created');
    // The value was sent to CloudFormation (that is its job) …
    expect(standIn.ops('CreateStackSet')[0]?.params['Parameters.member.1.ParameterValue']).toBe(SECRET);
    // … and registered before anything was printed, and found nowhere we wrote.
    expect(step.rt.sink.masks).toContain(SECRET);
    expect(findLeak(step.rt.sink.all(), SECRET)).toBeUndefined();
    expect(step.rt.sink.all()).toContain('password *** rejected');
    // W1: shown, defused.
    expect(commandLines(step.rt.sink.lines)).toEqual([]);
    const summary = step.rt.sink.summaries.join('\n');
    expect(summary).not.toContain('<img');
    expect(summary).not.toMatch(/(^|[^\\])\| pipe/);
    expect(Object.keys(step.rt.sink.outputs).sort()).toEqual([...OUTPUTS].sort());
  });

  it('C3: the plan masks a NoEcho parameter change and never prints its value', async () => {
    standIn = await startStackSetStandIn();
    await harness(standIn, { ...TARGETS, 'parameter-overrides': 'DbPassword=first-Secret-1' }).run();
    const plan = harness(
      standIn,
      { ...TARGETS, mode: 'create-only', 'parameter-overrides': 'DbPassword=second-Secret-2' },
      { env: { GITHUB_RUN_ID: '80' } },
    );
    await plan.run();
    const text = plan.rt.sink.all();
    expect(text).toContain('NoEcho, masked');
    expect(findLeak(text, 'second-Secret-2')).toBeUndefined();
    expect(findLeak(text, 'first-Secret-1')).toBeUndefined();
  });
});
