/**
 * L1/X1 × dist/deploy-stackset: hostile and contradictory inputs, run as the runner runs the bundle (action.yml
 * defaults included) against moto behind the fault proxy. Each must exit 1 with exactly one ::error:: line,
 * send no mutating call (no CreateStackSet, UpdateStackSet, CreateStackInstances, DeleteStackInstances …) and
 * export nothing.
 */
import { describe, it } from '@jest/globals';
import * as adversarial from '../helpers/adversarial';
import { awsRefusalProblems } from '../helpers/adversarial-aws';
import { uniqueName } from '../helpers/moto';

const ws = adversarial.hostileWorkspace();
const long = adversarial.filler;

const CASES: adversarial.BadInput[] = [
  ...adversarial.templatePathCases(),
  ...adversarial.parameterFileCases(),
  ...adversarial.commonInputCases(),
  { title: 'L1: a stack set name that is a path traversal', inputs: { name: '../../etc' } },
  { title: 'L1: a stack set name of 129 characters', inputs: { name: `a${long(128)}` } },
  { title: 'L1: a stack set name with a workflow command', inputs: { name: 'app\n::warning::x' } },
  { title: 'L1: no targets at all', inputs: { accounts: '', 'organizational-units': '' } },
  { title: 'L1: an account id that is not 12 digits', inputs: { accounts: '12345' } },
  { title: 'L1: an account id with a look-alike digit', inputs: { accounts: '12345678901٣' } },
  { title: 'L1: no regions', inputs: { regions: '' } },
  { title: 'L1: a region that is not one', inputs: { regions: 'us-east-1,mars' } },
  { title: 'L1: an unknown permission-model', inputs: { 'permission-model': 'ROOT' } },
  { title: 'L1: an unknown call-as', inputs: { 'call-as': 'ANYONE' } },
  { title: 'L1: an unknown region-concurrency', inputs: { 'region-concurrency': 'RANDOM' } },
  { title: 'L1: max-concurrent that is no count or percentage', inputs: { 'max-concurrent': 'lots' } },
  { title: 'L1: failure-tolerance over 100 %', inputs: { 'failure-tolerance': '101%' } },
  { title: 'L1: an administration-role-arn that is no ARN', inputs: { 'administration-role-arn': 'admin' } },
  { title: 'L1: an unknown mode', inputs: { mode: 'yolo' } },
  {
    title: 'L1: remove-stale-instances that is not a boolean',
    inputs: { 'remove-stale-instances': 'maybe' },
  },
  { title: 'L1: expected-account-id that is no account id', inputs: { 'expected-account-id': 'prod' } },
];

describe('L1/X1: dist/deploy-stackset refuses bad input before any mutating call', () => {
  it.concurrent.each(CASES)('$title', ({ title, inputs, env, noCalls }) =>
    adversarial.probe('bad-input', 'deploy-stackset', title, () =>
      awsRefusalProblems(
        'deploy-stackset',
        {
          name: uniqueName('adv-ss'),
          template: 'demo.yaml',
          'parameter-overrides': 'ApiToken=adv-ss',
          accounts: '123456789012',
          regions: 'us-east-1',
          ...inputs,
        },
        { cwd: ws.root, env, noCalls },
      ),
    ),
  );
});
