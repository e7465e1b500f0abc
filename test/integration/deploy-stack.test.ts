/**
 * deploy-stack against the moto server (a real CloudFormation/S3 emulator on loopback, started by npm test).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListChangeSetsCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { realClock } from '../../src/clock';
import { awsFactory } from '../../src/runtime';
import { runWith } from '../../actions/deploy-stack/src/run';
import { fakeRuntime } from '../helpers/runtime';
import { zipWithIndex } from '../helpers/zip';
import { MOTO_ACCOUNT, TEST_REGION, motoClientConfig, uniqueName } from '../helpers/moto';

const DEMO = fs.readFileSync('examples/templates/demo.yaml', 'utf8');
let cfn: CloudFormationClient;
let s3: S3Client;

beforeAll(() => {
  cfn = new CloudFormationClient(motoClientConfig());
  s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
});

/** deploy-stack's runWith on a runtime whose clients talk to moto, on real time. */
function deployer(inputs: Record<string, string>, files: Record<string, string> = { 'template.yaml': DEMO }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-int-'));
  for (const [f, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), body);
  const env = { GITHUB_WORKSPACE: dir, AWS_REGION: TEST_REGION };
  const rt = fakeRuntime({
    action: 'deploy-stack',
    env,
    inputs: { template: 'template.yaml', 'wait-timeout-minutes': '2', ...inputs },
  });
  rt.clock = Object.assign({ slept: [] as number[] }, realClock);
  const factory = awsFactory(rt.cancel, env);
  rt.aws = (Client, region, extra = {}) => factory(Client, region, { ...motoClientConfig(), ...extra });
  return {
    run: () => runWith(rt),
    rt,
    masked: rt.sink.masks,
    warnings: () => rt.sink.commands.filter((c) => c.name === 'warning').map((c) => c.message),
  };
}

async function changeSetNames(stack: string): Promise<string[]> {
  const r = await cfn.send(new ListChangeSetsCommand({ StackName: stack }));
  // moto's ListChangeSets ignores StackName and lists every stack's change sets: filter here.
  return (r.Summaries ?? [])
    .filter((s) => s.StackName === stack && s.ExecutionStatus !== 'EXECUTE_COMPLETE')
    .map((s) => s.ChangeSetName as string);
}

describe('deploy-stack against moto', () => {
  it('M1/H1: create → re-run with no changes (success, no change set left behind) → update → outputs', async () => {
    const name = uniqueName('it-demo');
    const params = 'ApiToken=tok-123,Release=v1';
    const first = await deployer({ name, 'parameter-overrides': params }).run();
    expect(first.result).toBe('created');
    expect(first.stackStatus).toBe('CREATE_COMPLETE');
    expect(first.outputs).toEqual({ ReleaseParameterName: `/guarded-deploy/${name}/release`, Release: 'v1' });
    expect(first.accountId).toBe(MOTO_ACCOUNT);

    const again = deployer({ name, 'parameter-overrides': params });
    const second = await again.run();
    expect(second.result).toBe('no-changes');
    expect(second.hasChanges).toBe(false);
    expect(second.outputs.Release).toBe('v1');
    expect(await changeSetNames(name)).toEqual([]);
    expect(again.masked).toContain('tok-123');

    const third = await deployer({ name, 'parameter-overrides': 'ApiToken=tok-123,Release=v2' }).run();
    expect(third.result).toBe('updated');
    expect(third.outputs.Release).toBe('v2');
    const s = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    expect(s.Stacks?.[0]?.StackStatus).toBe('UPDATE_COMPLETE');
  });

  it('update without overriding a parameter keeps its previous value (UsePreviousValue)', async () => {
    const name = uniqueName('it-prev');
    await deployer({ name, 'parameter-overrides': 'ApiToken=t,Release=v7' }).run();
    const changed = DEMO.replace('Value: !Ref Environment', "Value: !Sub '${Environment}-x'");
    const r = await deployer(
      { name, 'parameter-overrides': 'ApiToken=t' },
      { 'template.yaml': changed },
    ).run();
    expect(r.result).toBe('updated');
    expect(r.outputs.Release).toBe('v7');
  });

  it('create-only leaves a reviewable change set; execute-only runs exactly it; a second execute-only refuses', async () => {
    const name = uniqueName('it-plan');
    const plan = await deployer({ name, mode: 'create-only', 'parameter-overrides': 'ApiToken=t' }).run();
    expect(plan.result).toBe('planned');
    expect(plan.stackStatus).toBe('REVIEW_IN_PROGRESS');
    expect(await changeSetNames(name)).toEqual([plan.changeSetName]);
    expect(plan.planDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const apply = await deployer({
      name,
      mode: 'execute-only',
      'execute-change-set-id': plan.changeSetName as string,
      'expected-plan-digest': plan.planDigest as string,
      template: '',
    }).run();
    expect(apply.result).toBe('created');
    expect(apply.planDigest).toBe(plan.planDigest);
    await expect(
      deployer({
        name,
        mode: 'execute-only',
        'execute-change-set-id': plan.changeSetId as string,
        template: '',
      }).run(),
    ).rejects.toThrow(/cannot be executed|no longer exists/);
  });

  it('R2: plan then deploy of a new stack: create-only (REVIEW_IN_PROGRESS), then create-and-execute of the same name polls by stack id → CREATE_COMPLETE in seconds', async () => {
    const name = uniqueName('it-plan-deploy');
    const plan = await deployer({ name, mode: 'create-only', 'parameter-overrides': 'ApiToken=t' }).run();
    expect(plan.result).toBe('planned');
    expect(plan.stackStatus).toBe('REVIEW_IN_PROGRESS');
    const started = Date.now();
    const deployed = await deployer({ name, 'parameter-overrides': 'ApiToken=t' }).run();
    expect(deployed.result).toBe('created');
    expect(deployed.stackStatus).toBe('CREATE_COMPLETE');
    expect(Date.now() - started).toBeLessThan(20_000);
    const stacks = await cfn.send(new DescribeStacksCommand({ StackName: deployed.stackId }));
    expect(stacks.Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
  });

  it('R2: a stack left in ROLLBACK_COMPLETE fails by default and is recreated with on-rollback-complete: delete', async () => {
    const name = uniqueName('it-rollback');
    // moto fails to create an SSM parameter without a Name; the moto wrapper turns that into a real rollback.
    const broken =
      'Resources:\n  Broken:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: x\n';
    await expect(deployer({ name }, { 'template.yaml': broken }).run()).rejects.toThrow(
      /ROLLBACK_COMPLETE.*Broken \(AWS::SSM::Parameter\) CREATE_FAILED/,
    );
    const s = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    expect(s.Stacks?.[0]?.StackStatus).toBe('ROLLBACK_COMPLETE');

    await expect(deployer({ name, 'parameter-overrides': 'ApiToken=t' }).run()).rejects.toThrow(
      /ROLLBACK_COMPLETE: .*on-rollback-complete: delete/,
    );
    const fixed = await deployer({
      name,
      'parameter-overrides': 'ApiToken=t',
      'on-rollback-complete': 'delete',
    }).run();
    expect(fixed.result).toBe('created');
    expect(fixed.stackStatus).toBe('CREATE_COMPLETE');
  });

  it('R1: rollback preflight HeadObjects the deployed Lambda artifact; a deleted object warns, or refuses with rollback-preflight: fail', async () => {
    const name = uniqueName('it-r1');
    const bucket = uniqueName('artifacts').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'fn/1.0.0.zip', Body: zipWithIndex() }));
    const body = (memory: number) => `Parameters:
  ArtifactBucket: { Type: String }
  Version: { Type: String }
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: 'sts:AssumeRole' }] }
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code:
        S3Bucket: !Ref ArtifactBucket
        S3Key: !Sub 'fn/\${Version}.zip'
      Handler: index.handler
      Runtime: nodejs20.x
      MemorySize: ${memory}
      Role: !GetAtt Role.Arn
`;
    const p = `ArtifactBucket=${bucket},Version=1.0.0`;
    const created = await deployer({ name, 'parameter-overrides': p }, { 'template.yaml': body(128) }).run();
    expect(created.result).toBe('created');

    const planned = await deployer(
      { name, 'parameter-overrides': p, mode: 'create-only' },
      { 'template.yaml': body(256) },
    ).run();
    expect(planned.preflight?.present.map((r) => `${r.bucket}/${r.key}`)).toEqual([`${bucket}/fn/1.0.0.zip`]);
    expect(planned.preflight?.missing).toEqual([]);

    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'fn/1.0.0.zip' }));
    const strict = deployer(
      { name, 'parameter-overrides': p, 'rollback-preflight': 'fail', 'change-set-name': 'strict-1' },
      { 'template.yaml': body(512) },
    );
    await expect(strict.run()).rejects.toThrow(
      new RegExp(`Rollback preflight \\(R1\\).*s3://${bucket}/fn/1\\.0\\.0\\.zip`),
    );
    expect(await changeSetNames(name)).not.toContain('strict-1');

    const warn = deployer({ name, 'parameter-overrides': p }, { 'template.yaml': body(512) });
    await warn.run();
    expect(warn.warnings().join('\n')).toMatch(new RegExp(`s3://${bucket}/fn/1\\.0\\.0\\.zip`));
  });

  it("C2: expected-account-id that does not match moto's account → refused, no stack created", async () => {
    const name = uniqueName('it-acct');
    await expect(
      deployer({ name, 'expected-account-id': '999999999999', 'parameter-overrides': 'ApiToken=t' }).run(),
    ).rejects.toThrow(/account 123456789012, but expected-account-id is 999999999999/);
    await expect(cfn.send(new DescribeStacksCommand({ StackName: name }))).rejects.toThrow(/does not exist/);
  });

  it('a template over 51,200 bytes is uploaded to s3-bucket and deployed by URL', async () => {
    const name = uniqueName('it-big');
    const bucket = uniqueName('templates').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const big = `${DEMO}\n${'# padding to exceed the inline template limit\n'.repeat(1200)}`;
    expect(Buffer.byteLength(big)).toBeGreaterThan(51_200);
    const r = await deployer(
      { name, 's3-bucket': bucket, 's3-prefix': 'cfn', 'parameter-overrides': 'ApiToken=t' },
      { 'template.yaml': big },
    ).run();
    expect(r.result).toBe('created');
    expect(r.outputs.Release).toBe('v1');
  });
});
