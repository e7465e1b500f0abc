/**
 * One sticky PR comment per target: deploy-stack keys its comment by stack + account + region + environment, so
 * dev/prod, two regions or two accounts of one stack name never overwrite each other; a comment with the older
 * three-part marker of the same target is taken over (rewritten), not duplicated; comment-on-pr: changes-only
 * posts nothing for an empty plan but updates an existing comment to say so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CreateChangeSetCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { createOctokit, markerFor, markerMatch } from '../../../src/pr-comment';
import { start, type GitHubStub } from '../../helpers/github-stub';
import { ACCOUNT, cfnMock, freshMocksEachTest, setup, stack, updateFlow } from './harness';

freshMocksEachTest();
let gh: GitHubStub;
let eventPath: string;
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-event-'));
  eventPath = path.join(dir, 'event.json');
  fs.writeFileSync(eventPath, JSON.stringify({ number: 7, pull_request: { number: 7 } }));
});
beforeEach(async () => {
  gh = await start();
});
afterEach(async () => gh.stop());

function plan(inputs: Record<string, string>, region = 'us-east-1') {
  return setup({ mode: 'create-only', 'github-token': 'ghs_test', ...inputs }, undefined, {
    env: {
      AWS_REGION: region,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: 'acme/infra',
    },
    octokit: createOctokit('ghs_test', gh.url),
  });
}

/** A plan with changes (create-only), run twice per target. */
async function planTwice(inputs: Record<string, string>, region?: string): Promise<void> {
  for (let run = 0; run < 2; run++) {
    cfnMock.reset();
    updateFlow();
    const s = plan(inputs, region);
    const { error } = await s.deploy();
    expect(error).toBeUndefined();
    expect(s.warnings()).toEqual([]);
  }
}

/** An empty change set at creation ("No updates are to be performed."). */
async function emptyPlan(inputs: Record<string, string>) {
  cfnMock.reset();
  cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
  cfnMock
    .on(CreateChangeSetCommand)
    .rejects(Object.assign(new Error('No updates are to be performed.'), { name: 'ValidationError' }));
  const s = plan(inputs);
  await expect(s.run()).resolves.toMatchObject({ result: 'no-changes' });
  return s;
}

describe('one comment per target', () => {
  it('two environments → two comments, each updated in place', async () => {
    await planTwice({ environment: 'dev' });
    await planTwice({ environment: 'prod' });
    const comments = gh.on(7);
    expect(comments).toHaveLength(2);
    expect(comments.map((comment) => comment.body.split('\n')[0])).toEqual([
      `<!-- guarded-deploy:deploy-stack:app-stack:dev:${ACCOUNT}:us-east-1 -->`,
      `<!-- guarded-deploy:deploy-stack:app-stack:prod:${ACCOUNT}:us-east-1 -->`,
    ]);
    expect(gh.requests.filter((request) => request.method === 'PATCH')).toHaveLength(2);
  });

  it('two regions (or two accounts) of one stack and environment → two comments', async () => {
    await planTwice({ environment: 'prod' }, 'us-east-1');
    await planTwice({ environment: 'prod' }, 'eu-west-1');
    expect(gh.on(7).map((comment) => comment.body.split('\n')[0])).toEqual([
      `<!-- guarded-deploy:deploy-stack:app-stack:prod:${ACCOUNT}:us-east-1 -->`,
      `<!-- guarded-deploy:deploy-stack:app-stack:prod:${ACCOUNT}:eu-west-1 -->`,
    ]);
    // Accounts are keyed the same way (a marker unit check: the account id is part of the key).
    const prod = { action: 'deploy-stack', stack: 'app', environment: 'prod', region: 'us-east-1' };
    expect(
      markerMatch(markerFor({ ...prod, account: '111111111111' }), { ...prod, account: '222222222222' }),
    ).toBe(0);
  });

  it('migration: the older three-part marker of the same target is taken over and rewritten, not duplicated', async () => {
    const old = gh.addComment(
      7,
      `${markerFor({ action: 'deploy-stack', stack: 'app-stack', environment: 'prod' })}\nold plan`,
    );
    const otherEnv = gh.addComment(
      7,
      `${markerFor({ action: 'deploy-stack', stack: 'app-stack', environment: 'dev' })}\ndev plan`,
    );
    await planTwice({ environment: 'prod' });
    expect(gh.on(7)).toHaveLength(2);
    expect(
      old.body.startsWith(`<!-- guarded-deploy:deploy-stack:app-stack:prod:${ACCOUNT}:us-east-1 -->\n`),
    ).toBe(true);
    expect(otherEnv.body).toContain('dev plan');
    // A second region does not take over the first region's (now keyed) comment.
    await planTwice({ environment: 'prod' }, 'eu-west-1');
    expect(gh.on(7)).toHaveLength(3);
  });

  it("drift-check's and amplify-release's markers are unchanged (no account or region: three parts)", () => {
    expect(markerFor({ action: 'drift-check', stack: 'a.b', environment: 'prod' })).toBe(
      '<!-- guarded-deploy:drift-check:a.b:prod -->',
    );
    const keyedMarker = { action: 'deploy-stack', stack: 'app', region: 'us-east-1' };
    expect(markerFor(keyedMarker)).toBe('<!-- guarded-deploy:deploy-stack:app:-:-:us-east-1 -->');
    // A run that does not know its account takes over the one comment of the same target in another account…
    expect(
      markerMatch('<!-- guarded-deploy:deploy-stack:app:-:111111111111:us-east-1 -->', keyedMarker),
    ).toBe(1);
    // …never a comment of another region, stack or action.
    expect(
      markerMatch('<!-- guarded-deploy:deploy-stack:app:-:111111111111:eu-west-1 -->', keyedMarker),
    ).toBe(0);
    expect(markerMatch('<!-- guarded-deploy:drift-check:app:- -->', keyedMarker)).toBe(0);
  });
});

describe('comment-on-pr: changes-only', () => {
  it('an empty plan with no comment yet posts nothing', async () => {
    const s = await emptyPlan({ 'comment-on-pr': 'changes-only', environment: 'prod' });
    expect(gh.on(7)).toHaveLength(0);
    expect(gh.requests.filter((request) => request.method !== 'GET')).toHaveLength(0);
    expect(s.warnings()).toEqual([]);
  });

  it('an empty plan updates the existing comment of its target to say the plan is now empty', async () => {
    await planTwice({ 'comment-on-pr': 'changes-only', environment: 'prod' });
    const other = gh.addComment(
      7,
      `${markerFor({ action: 'deploy-stack', stack: 'app-stack', environment: 'dev', account: ACCOUNT, region: 'us-east-1' })}\ndev plan`,
    );
    expect(gh.on(7)[0]!.body).toContain('Change set created for review');
    await emptyPlan({ 'comment-on-pr': 'changes-only', environment: 'prod' });
    const comments = gh.on(7);
    expect(comments).toHaveLength(2);
    expect(comments[0]!.body).toContain('**No changes.**');
    expect(comments[0]!.body).not.toContain('Change set created for review');
    expect(other.body).toBe(`${other.body.split('\n')[0]}\ndev plan`);
  });

  it('auto (the default) still posts an empty plan', async () => {
    await emptyPlan({ environment: 'prod' });
    expect(gh.on(7)).toHaveLength(1);
  });
});
