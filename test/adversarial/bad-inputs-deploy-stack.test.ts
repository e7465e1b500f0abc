/**
 * L1/X1 × dist/deploy-stack: hostile and contradictory inputs, run as the runner runs the bundle (action.yml
 * defaults included) against moto behind the fault proxy. Each must exit 1 with exactly one ::error:: line,
 * send no mutating call (the proxy's log holds only reads) and export nothing.
 */
import { describe, it } from '@jest/globals';
import {
  filler as long,
  hostileWorkspace,
  parameterFileCases,
  probe,
  templatePathCases,
  type BadInput,
} from '../helpers/adversarial';
import { awsRefusalProblems } from '../helpers/adversarial-aws';
import { uniqueName } from '../helpers/moto';

const ws = hostileWorkspace();
const arn = (topic: number) => `arn:aws:sns:us-east-1:123456789012:topic-${topic}`;

const CASES: BadInput[] = [
  ...templatePathCases(),
  ...parameterFileCases(),
  { title: 'L1: name is a path traversal', inputs: { name: '../../etc/passwd' } },
  { title: 'L1: name carries a newline and a workflow command', inputs: { name: 'app\n::warning::x' } },
  { title: 'L1: name is 129 characters', inputs: { name: `a${long(128)}` } },
  { title: 'L1: name is 10,000 characters', inputs: { name: long(10_000) } },
  { title: 'L1: name starts with a digit', inputs: { name: '1app' } },
  { title: 'L1: name has a look-alike Cyrillic letter', inputs: { name: 'аpp' } },
  { title: 'L1: name has a control character', inputs: { name: 'app\u0007x' } },
  {
    title: 'L1: template is a plain-http S3 URL',
    inputs: { template: 'http://s3.amazonaws.com/b/t.yaml' },
    noCalls: true,
  },
  {
    title: 'L1: template URL on an AWS host that is not S3',
    inputs: { template: 'https://ec2.amazonaws.com/t.yaml' },
    noCalls: true,
  },
  {
    title: 'L1: override of a parameter the template does not declare',
    inputs: { 'parameter-overrides': 'ApiToken=x,Nope=1' },
  },
  { title: 'L1: a parameter given twice', inputs: { 'parameter-overrides': 'ApiToken=a,ApiToken=b' } },
  { title: 'L1: a parameter name that is not one', inputs: { 'parameter-overrides': 'Api-Token=x' } },
  { title: 'L1: an unterminated quote', inputs: { 'parameter-overrides': 'ApiToken="abc' } },
  {
    title: 'L1: a required parameter that gets no value',
    inputs: { 'parameter-overrides': 'Release=v2' },
  },
  { title: 'L1: an unknown capability', inputs: { capabilities: 'CAPABILITY_EVERYTHING' } },
  { title: 'L1: role-arn with a short account id', inputs: { 'role-arn': 'arn:aws:iam::123:role/deploy' } },
  { title: 'L1: role-arn of another service', inputs: { 'role-arn': 'arn:aws:s3:::bucket' } },
  {
    title: 'L1: six notification ARNs',
    inputs: { 'notification-arns': [1, 2, 3, 4, 5, 6].map(arn).join(',') },
  },
  { title: 'L1: a notification ARN that is not SNS', inputs: { 'notification-arns': 'arn:aws:sqs:x' } },
  { title: 'L1: change-set-name with punctuation', inputs: { 'change-set-name': 'bad_name!' } },
  { title: 'L1: change-set-name of 129 characters', inputs: { 'change-set-name': `a${long(128)}` } },
  { title: 'L1: s3-bucket that is not a bucket name', inputs: { 's3-bucket': 'Bad_Bucket' } },
  { title: 'L1: s3-prefix with a path traversal', inputs: { 's3-prefix': '../../x' } },
  { title: 'L1: an unknown deployment-mode', inputs: { 'deployment-mode': 'DESTROY' } },
  { title: 'L1: expected-account-id of 5 digits', inputs: { 'expected-account-id': '12345' } },
  {
    title: 'L1: expected-account-id of another account',
    inputs: { 'expected-account-id': '999999999999' },
  },
  {
    title: 'L1: resources-to-skip without on-update-rollback-failed: continue',
    inputs: { 'resources-to-skip': 'Fn' },
  },
  {
    title: 'L1: resources-to-skip that is not a logical id',
    inputs: { 'resources-to-skip': 'a/b', 'on-update-rollback-failed': 'continue' },
  },
  {
    title: 'L1: destructive-allow-list with a shell command',
    inputs: { 'destructive-allow-list': 'rm -rf /' },
  },
  { title: 'L1: environment with a shell metacharacter', inputs: { environment: 'prod;rm' } },
  { title: 'L1: environment of 65 characters', inputs: { environment: long(65) } },
  { title: 'L1: wait-timeout-minutes 0', inputs: { 'wait-timeout-minutes': '0' } },
  { title: 'L1: wait-timeout-minutes negative', inputs: { 'wait-timeout-minutes': '-1' } },
  { title: 'L1: wait-timeout-minutes in exponent form', inputs: { 'wait-timeout-minutes': '1e3' } },
  { title: 'L1: wait-timeout-minutes too large', inputs: { 'wait-timeout-minutes': '99999' } },
  { title: 'L1: timeout-in-minutes that is not a number', inputs: { 'timeout-in-minutes': 'abc' } },
  { title: 'L1: aws-region with underscores', inputs: { 'aws-region': 'us_east_1' } },
  { title: 'L1: aws-region with a shell suffix', inputs: { 'aws-region': 'us-east-1;id' } },
  {
    title: 'L1: no region at all',
    inputs: {},
    env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
  },
  { title: 'L1: an unknown mode', inputs: { mode: 'yolo' } },
  { title: 'L1: execute-only without execute-change-set-id', inputs: { mode: 'execute-only' } },
  {
    title: 'L1: execute-change-set-id with create-and-execute',
    inputs: { 'execute-change-set-id': 'some-plan' },
  },
  {
    title: 'L1: execute-change-set-id that is a path',
    inputs: { mode: 'execute-only', 'execute-change-set-id': '../../x' },
  },
  {
    title: 'L1: no-execute-changeset: 1 with mode: create-and-execute (contradictory)',
    inputs: { 'no-execute-changeset': '1', mode: 'create-and-execute' },
  },
  {
    title: 'L1: no-fail-on-empty-changeset: 0 with fail-on-empty-changeset: false (contradictory)',
    inputs: { 'no-fail-on-empty-changeset': '0', 'fail-on-empty-changeset': 'false' },
  },
  { title: 'L1: no-execute-changeset that is not a boolean', inputs: { 'no-execute-changeset': 'maybe' } },
  {
    title: 'L1: 51 tags',
    inputs: { tags: Array.from({ length: 51 }, (_, index) => `k${index}=v`).join(',') },
  },
  { title: 'L1: a tag key given twice', inputs: { tags: 'team=a,team=b' } },
  { title: 'L1: a tag key of 129 characters', inputs: { tags: `${long(129, 'k')}=v` } },
  { title: 'L1: a tag value of 257 characters', inputs: { tags: `team=${long(257, 'v')}` } },
  { title: 'L1: a tag key in the aws: namespace', inputs: { tags: 'aws:owner=me' } },
  { title: 'X1: tags file:// symlink to outside', inputs: { tags: 'file://link-tags.json' } },
  {
    title: 'L1: termination-protection that is not a boolean',
    inputs: { 'termination-protection': 'maybe' },
  },
  { title: 'L1: an unknown comment-on-pr', inputs: { 'comment-on-pr': 'sometimes' } },
  { title: 'L1: an unknown on-rollback-complete', inputs: { 'on-rollback-complete': 'nuke' } },
  { title: 'L1: an unknown rollback-preflight', inputs: { 'rollback-preflight': 'skip' } },
  {
    title: 'L1: include-nested-stacks-change-set that is not a boolean',
    inputs: { 'include-nested-stacks-change-set': '2' },
  },
  // Issue #14: the deploy-order guard and the safety rails are checked before any call, like the rest.
  { title: 'L1: an unknown deploy-order', inputs: { 'deploy-order': 'strict' } },
  {
    title: 'L1: deploy-order enforce with deploy-record off (nothing to enforce against)',
    inputs: { 'deploy-order': 'enforce', 'deploy-record': 'off' },
  },
  {
    title: 'L1: a deploy-record-prefix that is no SSM path',
    inputs: { 'deploy-record-prefix': 'no/leading slash' },
  },
  { title: 'L1: allow-older-commit that is not a boolean', inputs: { 'allow-older-commit': 'sometimes' } },
  { title: 'L1: a stack-policy that is not JSON', inputs: { 'stack-policy': '{"Statement": [' } },
  {
    title: 'L1: a stack-policy statement without an Effect',
    inputs: { 'stack-policy': '{"Statement":[{"Principal":"*","Action":"Update:*","Resource":"*"}]}' },
  },
  {
    title: 'X1: a stack-policy path that leaves the workspace',
    inputs: { 'stack-policy': '../outside.json' },
  },
  {
    title: 'X1: a stack-policy file:// symlink to outside',
    inputs: { 'stack-policy': 'file://link-tags.json' },
  },
  {
    title: 'L1: six rollback-alarms (CloudFormation takes five)',
    inputs: {
      'rollback-alarms': [1, 2, 3, 4, 5, 6]
        .map((alarm) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:a${alarm}`)
        .join(','),
    },
  },
  { title: 'L1: a rollback-alarm that is no alarm ARN', inputs: { 'rollback-alarms': arn(1) } },
  {
    title: 'L1: rollback-monitoring-minutes over 180',
    inputs: {
      'rollback-alarms': 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:a1',
      'rollback-monitoring-minutes': '181',
    },
  },
  { title: 'L1: comment-on-pr that is no mode', inputs: { 'comment-on-pr': 'changes-sometimes' } },
];

describe('L1/X1: dist/deploy-stack refuses bad input before any mutating call', () => {
  it.concurrent.each(CASES)('$title', ({ title, inputs, env, noCalls }) =>
    probe('bad-input', 'deploy-stack', title, () =>
      awsRefusalProblems(
        'deploy-stack',
        {
          name: uniqueName('adv-l1'),
          template: 'demo.yaml',
          'parameter-overrides': 'ApiToken=adv-l1',
          ...inputs,
        },
        { cwd: ws.root, env, noCalls },
      ),
    ),
  );
});
