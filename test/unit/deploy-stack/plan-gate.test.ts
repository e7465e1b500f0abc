import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
  type Change,
} from '@aws-sdk/client-cloudformation';
import { createOctokit } from '../../../src/pr-comment';
import {
  CS_ID,
  DRAFT_ID,
  SECRET,
  STACK,
  addQueue,
  cfnMock,
  changeSetMocks,
  executionMocks,
  passwordChange,
  resetMocks,
  setup,
  stack,
  updateFlow,
} from './harness';
import { start, type GitHubStub } from '../../helpers/github-stub';

const replaceDb: Change = {
  Type: 'Resource',
  ResourceChange: {
    Action: 'Modify',
    LogicalResourceId: 'Database',
    PhysicalResourceId: 'db-1',
    ResourceType: 'AWS::RDS::DBInstance',
    Replacement: 'True',
    Scope: ['Properties'],
    Details: [
      {
        Target: {
          Attribute: 'Properties',
          Name: 'DBInstanceIdentifier',
          RequiresRecreation: 'Always',
          BeforeValue: 'db-1',
          AfterValue: 'db-2',
        },
        Evaluation: 'Static',
        ChangeSource: 'DirectModification',
      },
    ],
  },
};
const removeVersion: Change = {
  Type: 'Resource',
  ResourceChange: {
    Action: 'Remove',
    LogicalResourceId: 'FnVersion1',
    PhysicalResourceId: 'arn:v1',
    ResourceType: 'AWS::Lambda::Version',
  },
};
function gated(inputs: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}, token?: string) {
  return setup({ 'parameter-overrides': 'Name=app', ...inputs }, undefined, {
    env: { GITHUB_SHA: 'abc1234def', ...env },
    octokit: token ? createOctokit(token, env.GITHUB_API_URL) : undefined,
  });
}

beforeEach(() => resetMocks());

describe('H2: destructive-change gate', () => {
  it('H2: create-and-execute refuses a replacement: not executed, plan rendered, change set deleted', async () => {
    updateFlow([addQueue, replaceDb]);
    const { deploy } = gated();
    const { error, outcome, published } = await deploy();
    expect(String(error)).toMatch(
      /Refusing to execute change set .* 1 destructive change\(s\) not allow-listed: Database \(AWS::RDS::DBInstance\) Replace/,
    );
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    expect(cfnMock).toHaveReceivedCommandWith(DeleteChangeSetCommand, { ChangeSetName: CS_ID });
    expect(outcome.plan?.destructive.map((d) => d.logicalId)).toEqual(['Database']);
    expect(outcome.result).toBe('refused');
    // reviewers see why: the published summary carries the refusal and the plan
    expect(published.summary).toMatch(/Refusing to execute/);
    expect(published.summary).toMatch(/Database/);
  });

  it('H2: a Remove is destructive too', async () => {
    updateFlow([removeVersion]);
    const { run } = gated();
    await expect(run()).rejects.toThrow(/FnVersion1 \(AWS::Lambda::Version\) Remove/);
  });

  it('H2: allow-listed by resource type and by logical id → executed', async () => {
    updateFlow([removeVersion, replaceDb]);
    const { run } = gated({ 'destructive-allow-list': 'AWS::Lambda::Version,Database' });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
    expect(cfnMock).toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('H2: allow-destructive: true → executed', async () => {
    updateFlow([replaceDb]);
    const { run } = gated({ 'allow-destructive': 'true' });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
  });

  it('H2: create-only renders the destructive plan and keeps the change set for review', async () => {
    updateFlow([replaceDb]);
    const { run } = gated({ mode: 'create-only' });
    const outcome = await run();
    expect(outcome).toMatchObject({ result: 'planned' });
    // Only the plan's draft is deleted; the plan under review is kept.
    expect(cfnMock.commandCalls(DeleteChangeSetCommand).map((c) => c.args[0].input.ChangeSetName)).toEqual([
      DRAFT_ID,
    ]);
    expect(outcome.plan?.markdown).toMatch(/Database/);
    expect(outcome.plan?.markdown.split('\n')[0]).toMatch(/1 to replace/);
  });

  it('P1: execute-only runs the destructive gate again: refused without allow-destructive, executed with it', async () => {
    changeSetMocks([replaceDb]);
    executionMocks([stack('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-05-01T00:00:00Z') })]);
    const refused = await gated({
      mode: 'execute-only',
      'execute-change-set-id': CS_ID,
      template: '',
    }).deploy();
    expect(String(refused.error)).toMatch(
      /Refusing to execute change set .*Database \(AWS::RDS::DBInstance\) Replace/,
    );
    expect(refused.outcome.result).toBe('refused');
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    // Not ours to delete: the reviewed change set stays.
    expect(cfnMock).not.toHaveReceivedCommand(DeleteChangeSetCommand);

    const allowed = gated({
      mode: 'execute-only',
      'execute-change-set-id': CS_ID,
      template: '',
      'allow-destructive': 'true',
    });
    await expect(allowed.run()).resolves.toMatchObject({ result: 'updated' });
    expect(cfnMock).toHaveReceivedCommandWith(ExecuteChangeSetCommand, { ChangeSetName: CS_ID });
  });

  it('P1: execute-only: a destructive change covered by destructive-allow-list is executed', async () => {
    changeSetMocks([replaceDb]);
    executionMocks([stack('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-05-01T00:00:00Z') })]);
    const { run } = gated({
      mode: 'execute-only',
      'execute-change-set-id': CS_ID,
      template: '',
      'destructive-allow-list': 'Database',
    });
    await expect(run()).resolves.toMatchObject({ result: 'updated' });
  });

  it('nested stacks: child change sets are read and shown under their parent', async () => {
    const nested: Change = {
      Type: 'Resource',
      ResourceChange: {
        Action: 'Modify',
        LogicalResourceId: 'Network',
        ResourceType: 'AWS::CloudFormation::Stack',
        ChangeSetId: 'arn:aws:cloudformation:us-east-1:111122223333:changeSet/child/1',
      },
    };
    updateFlow([nested]);
    cfnMock
      .on(DescribeChangeSetCommand, {
        ChangeSetName: 'arn:aws:cloudformation:us-east-1:111122223333:changeSet/child/1',
      })
      .resolves({
        ChangeSetName: 'child',
        Status: 'CREATE_COMPLETE',
        Changes: [
          {
            Type: 'Resource',
            ResourceChange: {
              Action: 'Remove',
              LogicalResourceId: 'Subnet',
              ResourceType: 'AWS::EC2::Subnet',
            },
          },
        ],
      });
    const { run } = gated({ 'include-nested-stacks-change-set': 'true', mode: 'create-only' });
    const outcome = await run();
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.IncludeNestedStacks).toBe(true);
    expect(outcome.plan?.destructive.map((d) => d.path.join('/') + ':' + d.logicalId)).toEqual([
      `${STACK}/Network:Subnet`,
    ]);
  });
});

describe('L2/C3: publishing the plan', () => {
  let gh: GitHubStub;
  let eventPath: string;
  beforeAll(async () => {
    gh = await start();
    eventPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gd-ev-')), 'event.json');
    fs.writeFileSync(
      eventPath,
      JSON.stringify({
        pull_request: {
          number: 7,
          head: { repo: { full_name: 'acme/infra' } },
          base: { repo: { full_name: 'acme/infra' } },
        },
        repository: { full_name: 'acme/infra' },
      }),
    );
  });
  afterAll(async () => gh.stop());

  const env = () => ({
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_API_URL: gh.url,
    GITHUB_SHA: 'abc1234def',
  });

  it('one sticky comment per (stack, environment), updated in place; the NoEcho value never reaches it', async () => {
    const secretChange = passwordChange(SECRET);
    for (let i = 0; i < 2; i++) {
      resetMocks();
      updateFlow([secretChange]);
      const { deploy, warnings, rt } = gated(
        { mode: 'create-only', environment: 'staging', 'github-token': 'ghs_test' },
        env(),
        'ghs_test',
      );
      const { error, published } = await deploy();
      expect(error).toBeUndefined();
      expect(published.comment).not.toContain(SECRET);
      expect(published.summary).not.toContain(SECRET);
      expect(rt.sink.all()).not.toContain(SECRET);
      expect(warnings()).toEqual([]);
    }
    const ours = gh.on(7).filter((c) => c.body.includes('guarded-deploy:deploy-stack:app-stack:staging'));
    expect(ours).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(ours[0]!.body).not.toContain(SECRET);
  });

  it('L2: a 403 from GitHub is a warning naming the permission; publishing does not throw', async () => {
    resetMocks();
    updateFlow([addQueue]);
    const { run, warnings } = gated(
      { mode: 'create-only', environment: 'prod', 'github-token': 'ghs_test' },
      env(),
      'ghs_test',
    );
    gh.failWith(403);
    try {
      await expect(run()).resolves.toMatchObject({ result: 'planned' });
    } finally {
      gh.failWith(undefined);
    }
    expect(warnings().join('\n')).toMatch(/pull-requests: write/);
  });
});
