/**
 * O1 and the safety rails against moto (CloudFormation, SSM Parameter Store): a real temporary git repository
 * is the workspace; the deploy record is read back with GetParameter and the stack policy with GetStackPolicy.
 * moto accepts a change set's RollbackConfiguration but does not keep it (DescribeChangeSet has none), so the
 * request is asserted in test/unit/deploy-stack/rails.test.ts.
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { CloudFormationClient, GetStackPolicyCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { realClock } from '../../src/clock';
import { awsFactory } from '../../src/runtime';
import { runWith } from '../../actions/deploy-stack/src/run';
import { fakeRuntime } from '../helpers/runtime';
import { gitEnv, gitRepo, type GitRepo } from '../helpers/git-repo';
import { TEST_REGION, motoClientConfig, uniqueName } from '../helpers/moto';

const DEMO = fs.readFileSync('examples/templates/demo.yaml', 'utf8');
let cfn: CloudFormationClient;
let ssm: SSMClient;
let repo: GitRepo;
let a: string;
let b: string;
let side: string;

beforeAll(() => {
  cfn = new CloudFormationClient(motoClientConfig());
  ssm = new SSMClient(motoClientConfig());
  repo = gitRepo({ 'template.yaml': DEMO });
  a = repo.commit('A', { 'notes.txt': 'A' });
  b = repo.commit('B', { 'notes.txt': 'B' });
  repo.checkout('-b', 'side', a);
  side = repo.commit('side', { 'notes.txt': 'side' });
});

let runId = 9000;
/** deploy-stack (runWith) on moto, with the repository checked out at `commit` (each call is a new run). */
function deployAt(commit: string, inputs: Record<string, string>) {
  repo.checkout(commit);
  const env = {
    ...gitEnv(),
    GITHUB_WORKSPACE: repo.dir,
    AWS_REGION: TEST_REGION,
    GITHUB_SHA: commit,
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_RUN_ID: String(++runId),
    GITHUB_RUN_ATTEMPT: '1',
  };
  const rt = fakeRuntime({ action: 'deploy-stack', env, inputs: { template: 'template.yaml', ...inputs } });
  // Real time and clients that talk to moto (through the runtime's factory: our config and cancellation guard).
  const toMoto = awsFactory(rt.cancel, env);
  Object.assign(rt, {
    clock: { ...realClock, slept: [] as number[] },
    aws: ((Client, region, extra = {}) =>
      toMoto(Client, region, { ...motoClientConfig(), ...extra })) as typeof rt.aws,
  });
  const warnings = () => rt.sink.commands.filter((c) => c.name === 'warning').map((c) => c.message);
  return { run: () => runWith(rt), rt, warnings };
}

async function recordOf(name: string): Promise<Record<string, string>> {
  const answer = await ssm.send(new GetParameterCommand({ Name: `/guarded-deploy/${name}` }));
  return JSON.parse(answer.Parameter?.Value ?? '{}') as Record<string, string>;
}

describe('O1: deploy order against moto', () => {
  it('O1: A then B proceeds and records B; then A (its parent) is refused under enforce and warned under warn; diverged is refused', async () => {
    const name = uniqueName('it-order');
    const first = await deployAt(a, {
      name,
      'parameter-overrides': 'ApiToken=tok-order-1,Release=v1',
      'deploy-order': 'enforce',
    }).run();
    expect(first.result).toBe('created');
    expect(await recordOf(name)).toMatchObject({ commit: a, runId: String(runId), repository: 'acme/infra' });

    const second = deployAt(b, {
      name,
      'parameter-overrides': 'ApiToken=tok-order-1,Release=v2',
      'deploy-order': 'enforce',
    });
    await expect(second.run()).resolves.toMatchObject({ result: 'updated' });
    expect(second.warnings()).toEqual([]);
    const record = await recordOf(name);
    expect(record.commit).toBe(b);
    expect(record.templateDigest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const older = deployAt(a, {
      name,
      'parameter-overrides': 'ApiToken=tok-order-1,Release=v1',
      'deploy-order': 'enforce',
    });
    await expect(older.run()).rejects.toThrow(
      new RegExp(`${a.slice(0, 12)} is OLDER than the commit deployed last, ${b.slice(0, 12)}`),
    );
    expect((await recordOf(name)).commit).toBe(b);

    await expect(
      deployAt(side, {
        name,
        'parameter-overrides': 'ApiToken=tok-order-1,Release=v3',
        'deploy-order': 'enforce',
      }).run(),
    ).rejects.toThrow(/DIVERGED/);

    // warn (the default): the older commit deploys, with a warning, and the record says so.
    // (Release v4, a value this stack never had: moto reported going back from v2 to v1 as no change.)
    const warned = deployAt(a, { name, 'parameter-overrides': 'ApiToken=tok-order-1,Release=v4' });
    await expect(warned.run()).resolves.toMatchObject({ result: 'updated' });
    expect(warned.warnings().join('\n')).toMatch(/OLDER/);
    expect((await recordOf(name)).commit).toBe(a);
  });

  it('O1: a record someone else wrote as garbage is treated as absent (warning), then replaced by a real one', async () => {
    const name = uniqueName('it-garbage');
    await ssm.send(
      new PutParameterCommand({
        Name: `/guarded-deploy/${name}`,
        Value: 'not json ::warning::x',
        Type: 'String',
      }),
    );
    const run = deployAt(b, {
      name,
      'parameter-overrides': 'ApiToken=tok-order-1',
      'deploy-order': 'enforce',
    });
    await expect(run.run()).resolves.toMatchObject({ result: 'created' });
    expect(run.warnings().join('\n')).toMatch(/not a deploy record of ours/);
    expect((await recordOf(name)).commit).toBe(b);
  });
});

describe('stack policy against moto', () => {
  const allowAll = { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'Update:*', Resource: '*' }] };
  const protectRelease = {
    Statement: [
      ...allowAll.Statement,
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'Update:Delete',
        Resource: 'LogicalResourceId/ReleaseParameter',
      },
    ],
  };

  it('applied after a create and, when it differs, before an update: readable with GetStackPolicy', async () => {
    const name = uniqueName('it-policy');
    await deployAt(b, {
      name,
      'parameter-overrides': 'ApiToken=tok-order-1,Release=v1',
      'stack-policy': JSON.stringify(allowAll),
    }).run();
    const created = await cfn.send(new GetStackPolicyCommand({ StackName: name }));
    expect(JSON.parse(created.StackPolicyBody ?? '{}')).toEqual(allowAll);

    const update = await deployAt(b, {
      name,
      'parameter-overrides': 'ApiToken=tok-order-1,Release=v2',
      'stack-policy': JSON.stringify(protectRelease),
      'rollback-alarms': `arn:aws:cloudwatch:${TEST_REGION}:123456789012:alarm:errors`,
      'rollback-monitoring-minutes': '5',
    }).run();
    expect(update.result).toBe('updated');
    const updated = await cfn.send(new GetStackPolicyCommand({ StackName: name }));
    expect(JSON.parse(updated.StackPolicyBody ?? '{}')).toEqual(protectRelease);
  });
});
