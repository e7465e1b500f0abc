/**
 * O1 through the committed bundle (INPUT_* env with action.yml's defaults, as the runner runs it) against moto,
 * with a real temporary git repository as the workspace: the SSM chunk loads, the record is written and read
 * back, an older commit is refused under enforce; the new inputs are validated before any call (L1).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { runDist, type DistRun } from '../helpers/dist';
import { gitEnv, gitRepo, type GitRepo } from '../helpers/git-repo';
import { motoClientConfig, motoEnv, uniqueName } from '../helpers/moto';
import fs from 'node:fs';

let repo: GitRepo;
let a: string;
let b: string;
let runId = 500;

beforeAll(() => {
  repo = gitRepo({ 'demo.yaml': fs.readFileSync('examples/templates/demo.yaml', 'utf8') });
  a = repo.commit('A', { 'notes.txt': 'A' });
  b = repo.commit('B', { 'notes.txt': 'B' });
});

function deployAt(commit: string, inputs: Record<string, string>): Promise<DistRun> {
  repo.checkout(commit);
  return runDist(
    'deploy-stack',
    { template: 'demo.yaml', ...inputs },
    {
      cwd: repo.dir,
      env: {
        ...motoEnv(),
        ...gitEnv(),
        GITHUB_SHA: commit,
        GITHUB_REPOSITORY: 'acme/infra',
        GITHUB_RUN_ID: String(++runId),
        GITHUB_RUN_ATTEMPT: '1',
      },
    },
  );
}

const errorLines = (run: DistRun) => run.stdout.split('\n').filter((line) => line.startsWith('::error::'));

describe('dist/deploy-stack: deploy order (O1)', () => {
  it('O1: A then B deploys and records B; A again under enforce → one ::error:: line, exit 1, nothing deployed', async () => {
    const name = uniqueName('dist-order');
    const first = await deployAt(a, { name, 'parameter-overrides': 'ApiToken=tok-dist-1,Release=v1', 'deploy-order': 'enforce' });
    expect(errorLines(first)).toEqual([]);
    expect(first.code).toBe(0);
    const second = await deployAt(b, { name, 'parameter-overrides': 'ApiToken=tok-dist-1,Release=v2', 'deploy-order': 'enforce' });
    expect(second.code).toBe(0);
    expect(second.summary).toContain(`Last deployed: commit \`${a.slice(0, 12)}\`, run \`${runId - 1}\``);
    const ssm = new SSMClient(motoClientConfig());
    const record = await ssm.send(new GetParameterCommand({ Name: `/guarded-deploy/${name}` }));
    expect(JSON.parse(record.Parameter?.Value ?? '{}')).toMatchObject({ commit: b, runId: String(runId), repository: 'acme/infra' });

    const older = await deployAt(a, { name, 'parameter-overrides': 'ApiToken=tok-dist-1,Release=v3', 'deploy-order': 'enforce' });
    expect(older.code).toBe(1);
    expect(errorLines(older)).toHaveLength(1);
    expect(errorLines(older)[0]).toMatch(/OLDER than the commit deployed last/);
    const cfn = new CloudFormationClient(motoClientConfig());
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
    expect(stack?.Outputs?.find((output) => output.OutputKey === 'Release')?.OutputValue).toBe('v2');
  });

  it('L1: bad stack-policy, six rollback alarms, minutes out of range, a bad prefix → one ::error:: line, exit 1', async () => {
    const alarm = (n: number) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:a${n}`;
    const cases: Array<Record<string, string>> = [
      { 'stack-policy': '{"Statement":' },
      { 'rollback-alarms': [1, 2, 3, 4, 5, 6].map(alarm).join(',') },
      { 'rollback-alarms': alarm(1), 'rollback-monitoring-minutes': '181' },
      { 'deploy-record-prefix': 'no-slash' },
    ];
    for (const inputs of cases) {
      const run = await deployAt(b, { name: uniqueName('dist-l1'), 'parameter-overrides': 'ApiToken=x1', ...inputs });
      expect({ inputs, code: run.code, errors: errorLines(run).length }).toEqual({ inputs, code: 1, errors: 1 });
      expect(run.outputs['stack-id'] ?? '').toBe('');
    }
  });
});
