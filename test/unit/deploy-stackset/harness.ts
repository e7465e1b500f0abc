// deploy-stackset's runWith on a fake runtime whose AWS clients talk to the loopback stand-in
// (test/helpers/stackset-standin.ts), with a workspace holding the templates.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deployStackSet, type StackSetRun } from '../../../actions/deploy-stackset/src/run';
import { awsFactory } from '../../../src/runtime';
import { fakeRuntime, type FakeRuntime } from '../../helpers/runtime';
import type { StandIn } from '../../helpers/stackset-standin';

export const TEMPLATE_V1 = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Release:
    Type: String
    Default: v1
  DbPassword:
    Type: String
    NoEcho: true
    Default: unset
Resources:
  Handle:
    Type: AWS::CloudFormation::WaitConditionHandle
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub 'orders-\${Release}'
`;

/** TEMPLATE_V1 without the queue: a resource removal (destructive). */
export const TEMPLATE_NO_QUEUE = TEMPLATE_V1.replace(/ {2}Queue:[\s\S]*$/, '');

export interface Harness {
  rt: FakeRuntime;
  run(): Promise<StackSetRun>;
  dir: string;
}

/** A runtime for one step of a workflow run (GITHUB_RUN_ID 42, the given attempt). */
export function harness(
  standIn: StandIn,
  inputs: Record<string, string>,
  options: { attempt?: number; files?: Record<string, string>; env?: NodeJS.ProcessEnv } = {},
): Harness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-ss-'));
  for (const [file, body] of Object.entries(options.files ?? { 'template.yaml': TEMPLATE_V1 }))
    fs.writeFileSync(path.join(dir, file), body);
  const env: NodeJS.ProcessEnv = {
    GITHUB_WORKSPACE: dir,
    AWS_REGION: 'us-east-1',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: String(options.attempt ?? 1),
    GITHUB_JOB: 'rollout',
    GITHUB_ACTION: 'deploy',
    ...options.env,
  };
  const rt = fakeRuntime({
    action: 'deploy-stackset',
    env,
    inputs: { name: 'orders', template: 'template.yaml', 'comment-on-pr': 'never', ...inputs },
  });
  const factory = awsFactory(rt.cancel, env);
  rt.aws = (Client, region, extra = {}) =>
    factory(Client, region, {
      endpoint: standIn.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      ...extra,
    });
  return { rt, run: () => deployStackSet(rt), dir };
}

/** Calls that change something on the stand-in. */
export const MUTATING = /^(Create|Update|Delete)/;
