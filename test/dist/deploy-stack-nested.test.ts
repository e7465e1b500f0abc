/**
 * N1 against the emulator (moto, started by scripts/test.mjs), through the committed bundle as the runner runs
 * it: a parent stack with a nested stack (AWS::CloudFormation::Stack, TemplateURL in moto's S3).
 *
 * What moto can and cannot show: it creates nested stacks from their TemplateURL and lists them in
 * ListStackResources (physical id = the nested stack's name, not its ARN), so the preflight walk is real here.
 * It records no resource events inside nested stacks and has no ContinueUpdateRollback for them: a failing
 * nested resource shows only as the parent's event for the nested stack (scripts/moto_server.py), so the
 * depth-first descent, the nested event stream and resources-to-skip are covered by unit tests
 * (test/unit/deploy-stack/nested.test.ts, test/unit/shared/root-cause.test.ts) on AWS-documented shapes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runDist } from '../helpers/dist';
import { motoClientConfig, motoEnv, uniqueName } from '../helpers/moto';
import { zipWithIndex } from '../helpers/zip';

let s3: S3Client;
let ws: string;

const ASSUME = `{ Version: '2012-10-17', Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: 'sts:AssumeRole' }] }`;

/** The nested stack: a Lambda function whose code is `fn/1.0.0.zip` in the artifact bucket. */
const NETWORK = `Parameters:
  ArtifactBucket: { Type: String }
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: ${ASSUME}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code:
        S3Bucket: !Ref ArtifactBucket
        S3Key: fn/1.0.0.zip
      Handler: index.handler
      Runtime: nodejs20.x
      Role: !GetAtt Role.Arn
`;

/** A nested stack version that cannot be created: two roles with one name (moto: EntityAlreadyExists). */
const BROKEN = (roleName: string) => `Resources:
  RoleA:
    Type: AWS::IAM::Role
    Properties:
      RoleName: ${roleName}
      AssumeRolePolicyDocument: ${ASSUME}
  RoleB:
    Type: AWS::IAM::Role
    Properties:
      RoleName: ${roleName}
      AssumeRolePolicyDocument: ${ASSUME}
`;

/** The parent: nested stack Network from `key` in the artifact bucket, and a queue to change. */
const PARENT = (key: string) => `Parameters:
  ArtifactBucket: { Type: String }
  Visibility: { Type: String, Default: '30' }
Resources:
  Network:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: !Sub 'https://\${ArtifactBucket}.s3.amazonaws.com/${key}'
      Parameters:
        ArtifactBucket: !Ref ArtifactBucket
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref Visibility
`;

beforeAll(() => {
  s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-dist-nested-'));
  fs.writeFileSync(path.join(ws, 'parent.yaml'), PARENT('network.yaml'));
});

function deploy(inputs: Record<string, string>) {
  return runDist(
    'deploy-stack',
    { template: 'parent.yaml', capabilities: 'CAPABILITY_IAM', 'wait-timeout-minutes': '2', ...inputs },
    { cwd: ws, env: motoEnv() },
  );
}

describe('dist/deploy-stack: nested stacks against moto', () => {
  it('N1: the rollback preflight walks the deployed nested stack: its deleted Lambda artifact is named with the nested path and key; warn, or refuse with rollback-preflight: fail', async () => {
    const name = uniqueName('dist-n1');
    const bucket = uniqueName('n1-artifacts').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'fn/1.0.0.zip', Body: zipWithIndex() }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'network.yaml', Body: NETWORK }));
    const params = (visibility: number) => `ArtifactBucket=${bucket},Visibility=${visibility}`;

    const created = await deploy({ name, 'parameter-overrides': params(30) });
    expect(created.stderr).not.toMatch(/::error::/);
    expect(created.outputs['stack-status']).toBe('CREATE_COMPLETE');

    // Everything present: the nested stack was walked, nothing to say.
    const present = await deploy({ name, 'parameter-overrides': params(31), 'rollback-preflight': 'fail' });
    expect(present.code).toBe(0);
    expect(present.stdout).toMatch(/Rollback preflight \(N1\): nested stacks checked: Network\./);
    expect(present.stdout).toMatch(/Rollback preflight: 2 artifact\(s\) present, 0 missing/);

    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'fn/1.0.0.zip' }));
    const expected = `nested stack Network: Fn (AWS::Lambda::Function) Code → s3://${bucket}/fn/1.0.0.zip`;

    const refused = await deploy({ name, 'parameter-overrides': params(32), 'rollback-preflight': 'fail' });
    expect(refused.code).toBe(1);
    expect(refused.all).toContain(`::error::Rollback preflight (R1): the deployed version of ${name} needs S3 objects that no longer exist`);
    expect(refused.all).toContain(expected);
    expect(refused.outputs['stack-status']).toBe('UPDATE_COMPLETE');

    const warned = await deploy({ name, 'parameter-overrides': params(33) });
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(new RegExp(`::warning::Rollback preflight \\(R1\\).*${expected.replace(/[.()/]/g, '\\$&')}`));
    expect(warned.outputs['stack-status']).toBe('UPDATE_COMPLETE');
  });

  it('N1: a failing nested stack update → the failed resource leads the error and the job summary', async () => {
    const name = uniqueName('dist-n1-fail');
    const bucket = uniqueName('n1-broken').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'fn/1.0.0.zip', Body: zipWithIndex() }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'network.yaml', Body: NETWORK }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'broken.yaml', Body: BROKEN(`${name}-role`) }));
    const created = await deploy({ name, 'parameter-overrides': `ArtifactBucket=${bucket}` });
    expect(created.code).toBe(0);

    fs.writeFileSync(path.join(ws, 'broken-parent.yaml'), PARENT('broken.yaml'));
    const failed = await deploy({ name, template: 'broken-parent.yaml', 'parameter-overrides': `ArtifactBucket=${bucket}` });
    expect(failed.code).toBe(1);
    expect(failed.outputs['stack-status']).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(failed.stderr + failed.stdout).toMatch(
      /::error::Root cause: Network \(AWS::CloudFormation::Stack\) UPDATE_FAILED: Resource creation failed: EntityAlreadyExists.*\. Deploying stack/,
    );
    const failedLine = failed.summary.split('\n').find((line) => line.includes('**Failed:**')) ?? '';
    expect(failedLine).toMatch(/^❌ \*\*Failed:\*\* Root cause: Network \\\(AWS::CloudFormation::Stack\\\) UPDATE\\_FAILED: .*EntityAlreadyExists/);
  });
});
