import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { trackChangeSet } from '../../../src/cfn/lifecycle';
import { fakeRuntime } from '../../helpers/runtime';

const STACK = 'app';
const CS_ID = 'arn:aws:cloudformation:us-east-1:111122223333:changeSet/app-1/0000';
const cfn = mockClient(CloudFormationClient);
afterEach(() => void cfn.reset());

function notFound(): Error {
  return Object.assign(new Error('ChangeSet [app-1] does not exist'), { name: 'ChangeSetNotFoundException' });
}

function setup(createGraceMs?: number) {
  const rt = fakeRuntime();
  const client = rt.aws(CloudFormationClient, 'us-east-1');
  const tracked = trackChangeSet(
    { cfn: client, log: rt.log, clock: rt.clock, cancel: rt.cancel, createGraceMs },
    STACK,
    'app-1',
  );
  return { rt, tracked };
}

describe('K1: trackChangeSet', () => {
  it('K1: a cancellation in the same tick as create() sends nothing, and says nothing was created', async () => {
    cfn.on(CreateChangeSetCommand).resolves({ Id: CS_ID });
    const { rt, tracked } = setup();
    const creating = tracked.create({ StackName: STACK, ChangeSetName: 'app-1' }).catch((e: unknown) => e);
    const [report] = await rt.cancel.cancel('SIGINT');
    expect(await creating).toMatchObject({ name: 'CancelledError' });
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
    expect(report).toMatchObject({ ok: true, detail: 'no change set was created for stack app' });
  });

  it('K1: a cancellation while CreateChangeSet is in flight waits for its answer and deletes by id', async () => {
    let answer!: (v: unknown) => void;
    cfn.on(CreateChangeSetCommand).callsFake(() => new Promise((resolve) => (answer = resolve)));
    cfn.on(DeleteChangeSetCommand).resolves({});
    const { rt, tracked } = setup();
    const creating = tracked.create({ StackName: STACK, ChangeSetName: 'app-1' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(1);
    const cancelled = rt.cancel.cancel('SIGINT');
    // The create answers within the grace period (the cleanup deadline is real time).
    setTimeout(() => answer({ Id: CS_ID, StackId: 'arn:stack' }), 20);
    await creating;
    const [report] = await cancelled;
    expect(report).toMatchObject({ ok: true, detail: expect.stringContaining('(by id)') });
    expect(cfn.commandCalls(DeleteChangeSetCommand)[0]?.args[0].input.ChangeSetName).toBe(CS_ID);
  });

  it('K1: a cleanup that could not delete while the create was in flight tries again, by id, once it answers', async () => {
    let answer!: (v: unknown) => void;
    cfn.on(CreateChangeSetCommand).callsFake(() => new Promise((resolve) => (answer = resolve)));
    cfn.on(DeleteChangeSetCommand, { ChangeSetName: 'app-1' }).rejects(notFound());
    cfn.on(DeleteChangeSetCommand, { ChangeSetName: CS_ID }).resolves({});
    cfn.on(DescribeChangeSetCommand).rejects(notFound());
    const { tracked } = setup(10);
    const creating = tracked.create({ StackName: STACK, ChangeSetName: 'app-1' });
    await new Promise((resolve) => setImmediate(resolve));
    // The grace period (10 ms here) ends before the create answers.
    const first = await tracked.cleanup('the deploy did not complete');
    expect(first).toMatchObject({
      ok: false,
      detail: expect.stringContaining('CreateChangeSet was still in flight'),
    });
    answer({ Id: CS_ID, StackId: 'arn:stack' });
    await creating;
    expect(tracked.fate).toBe('ours');
    const second = await tracked.cleanup('the deploy did not complete');
    expect(second).toMatchObject({ ok: true, detail: expect.stringContaining('(by id)') });
    // …and only once more: a verified cleanup is final.
    expect(await tracked.cleanup('again')).toBe(second);
    expect(cfn.commandCalls(DeleteChangeSetCommand).map((c) => c.args[0].input.ChangeSetName)).toEqual([
      'app-1',
      CS_ID,
    ]);
  });
});
