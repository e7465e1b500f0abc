/**
 * L1: validation completes before the first AWS call that changes anything — also against a stack in
 * ROLLBACK_COMPLETE with on-rollback-complete: delete, where the first mutating call would be DeleteStack.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateSummaryCommand,
} from '@aws-sdk/client-cloudformation';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { runAction } from '../../../src/entry';
import { runWith } from '../../../actions/deploy-stack/src/run';
import { SECRET, cfnMock, notFound, resetMocks, s3Mock, setup, stack } from './harness';
import { mutatingCalls } from './mutating';

/** Run as main.ts does (runAction) and return the ::error:: lines. */
async function runAsEntry(s: ReturnType<typeof setup>): Promise<string[]> {
  await runAction(s.rt, runWith);
  return s.rt.sink.commands.filter((c) => c.name === 'error').map((c) => c.message);
}

beforeEach(() => {
  resetMocks();
  // Every mutating call would succeed: only the guard can keep them from being sent.
  cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('ROLLBACK_COMPLETE')] });
  cfnMock.on(DeleteStackCommand).resolves({});
  cfnMock.on(CreateChangeSetCommand).resolves({ Id: 'cs' });
  s3Mock.on(PutObjectCommand).resolves({});
});
afterEach(() => {
  process.exitCode = undefined;
});

const onRollbackCompleteDelete = { 'on-rollback-complete': 'delete' };

describe('L1: validation completes before the first mutating call', () => {
  it('L1: an undeclared parameter override against a ROLLBACK_COMPLETE stack (on-rollback-complete: delete) → one error line, zero mutating calls', async () => {
    const s = setup({
      ...onRollbackCompleteDelete,
      'parameter-overrides': `DbPassword=${SECRET},Name=app,Nope=1`,
    });
    await expect(runWith(s.rt)).rejects.toThrow(
      'parameter-overrides name parameters the template does not declare: Nope.',
    );
    expect(mutatingCalls()).toEqual([]);
    resetMocks();
    const errors = await runAsEntry(
      setup({ ...onRollbackCompleteDelete, 'parameter-overrides': `DbPassword=${SECRET},Name=app,Nope=1` }),
    );
    expect(errors).toEqual(['parameter-overrides name parameters the template does not declare: Nope.']);
    expect(process.exitCode).toBe(1);
    expect(mutatingCalls()).toEqual([]);
    // Checked without AWS: not even the stack was read.
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('L1: a required parameter without default, value or previous value against a ROLLBACK_COMPLETE stack (on-rollback-complete: delete) → one error line, zero mutating calls', async () => {
    // The stack HAS a previous value for Name, but it will be deleted and created again: it does not count.
    const s = setup({ ...onRollbackCompleteDelete, 'parameter-overrides': `DbPassword=${SECRET}` });
    const errors = await runAsEntry(s);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /requires parameter\(s\) without a default that get no value: Name \(stack app-stack will be created, so there are no previous values to keep\)/,
    );
    expect(process.exitCode).toBe(1);
    expect(mutatingCalls()).toEqual([]);
    expect(cfnMock).toHaveReceivedCommand(DescribeStacksCommand); // a read is allowed
    expect(s.rt.sink.all()).not.toContain(SECRET);
  });

  it('L1: an over-size inline template without s3-bucket against a ROLLBACK_COMPLETE stack → zero mutating calls', async () => {
    const big = `${'# padding\n'.repeat(6000)}Resources:\n  Q:\n    Type: AWS::SQS::Queue\n`;
    const s = setup({ ...onRollbackCompleteDelete, 'parameter-overrides': '' }, { 'template.yaml': big });
    const errors = await runAsEntry(s);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/51200-byte limit.*s3-bucket/);
    expect(mutatingCalls()).toEqual([]);
  });

  it('L1: a template by URL is checked with GetTemplateSummary before any mutating call', async () => {
    cfnMock.on(GetTemplateSummaryCommand).resolves({
      Parameters: [{ ParameterKey: 'Name', NoEcho: false }],
    });
    const s = setup({
      ...onRollbackCompleteDelete,
      template: 'https://bucket.s3.us-east-1.amazonaws.com/t.yaml',
      'parameter-overrides': 'Name=app,Extra=1',
    });
    const errors = await runAsEntry(s);
    expect(errors).toEqual(['parameter-overrides name parameters the template does not declare: Extra.']);
    expect(cfnMock).toHaveReceivedCommandWith(GetTemplateSummaryCommand, {
      TemplateURL: 'https://bucket.s3.us-east-1.amazonaws.com/t.yaml',
    });
    expect(mutatingCalls()).toEqual([]);
  });

  it('L1: a required parameter of a URL template (GetTemplateSummary) missing on create → zero mutating calls', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(notFound());
    cfnMock.on(GetTemplateSummaryCommand).resolves({
      Parameters: [
        { ParameterKey: 'Name', NoEcho: false },
        { ParameterKey: 'Size', NoEcho: false, DefaultValue: 'small' },
      ],
    });
    const s = setup({
      template: 'https://bucket.s3.us-east-1.amazonaws.com/t.yaml',
      'parameter-overrides': '',
    });
    const errors = await runAsEntry(s);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/without a default that get no value: Name \(/);
    expect(mutatingCalls()).toEqual([]);
  });

  it('L1: a UsePreviousValue override on a stack that will be created is a missing value too', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(notFound());
    const s = setup(
      { 'parameter-overrides': 'file://params.json' },
      {
        'template.yaml': 'Parameters:\n  Name: { Type: String }\nResources: {}\n',
        'params.json': '[{"ParameterKey":"Name","UsePreviousValue":true}]',
      },
    );
    const errors = await runAsEntry(s);
    expect(errors[0]).toMatch(/no value: Name/);
    expect(mutatingCalls()).toEqual([]);
  });

  it('an update keeps previous values: a required parameter the stack already has is not missing', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    const s = setup({ mode: 'create-only', 'parameter-overrides': '' });
    cfnMock
      .on(CreateChangeSetCommand)
      .rejects(Object.assign(new Error('No updates are to be performed.'), { name: 'ValidationError' }));
    await expect(runWith(s.rt)).resolves.toMatchObject({ result: 'no-changes' });
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.Parameters).toEqual([
      { ParameterKey: 'DbPassword', UsePreviousValue: true },
      { ParameterKey: 'Size', UsePreviousValue: true },
      { ParameterKey: 'Name', UsePreviousValue: true },
    ]);
  });
});
