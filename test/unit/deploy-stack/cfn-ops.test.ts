/** The shared CloudFormation operations in src/cfn (deploy-stack uses them; drift-check can adopt them). */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { fakeClock } from '../../../src/clock';
import { runIdSuffix, uniqueChangeSetName } from '../../../src/cfn/names';
import { maskNoEchoOverrides } from '../../../src/cfn/noecho';
import { EXECUTION_FINAL, waitForOwnOperation } from '../../../src/cfn/own-operation';
import { assertDeclaredOverrides, missingRequiredParameters } from '../../../src/cfn/parameters';
import { InputError, TimeoutError } from '../../../src/errors';
import { cfnMock, resetMocks } from './harness';

beforeEach(() => resetMocks());

describe('run-id suffix and change set names', () => {
  it('<run id>-<attempt> in Actions, a timestamp outside; fits in 128 characters', () => {
    expect(runIdSuffix({ GITHUB_RUN_ID: '123', GITHUB_RUN_ATTEMPT: '2' }, 0)).toBe('123-2');
    expect(runIdSuffix({ GITHUB_RUN_ID: '123' }, 0)).toBe('123-1');
    expect(runIdSuffix({ GITHUB_RUN_ID: '12;3' }, 99)).toBe('99');
    expect(uniqueChangeSetName('app', { GITHUB_RUN_ID: '7' }, 0, 'drift-')).toBe('drift-app-7-1');
    expect(uniqueChangeSetName('a'.repeat(200), { GITHUB_RUN_ID: '7' }, 0, 'drift-')).toHaveLength(128);
  });
});

describe('C3: maskNoEchoOverrides', () => {
  it('registers only values of NoEcho parameters', () => {
    const added: string[] = [];
    const masking = maskNoEchoOverrides(
      { addSecret: (value) => void (value && added.push(value)) },
      [
        { name: 'Pw', noEcho: true, hasDefault: false },
        { name: 'Name', noEcho: false, hasDefault: false },
      ],
      [
        { key: 'Pw', value: 's3cret' },
        { key: 'Name', value: 'app' },
      ],
    );
    expect(added).toEqual(['s3cret']);
    expect(masking).toEqual({ noEchoParameters: ['Pw'], secrets: ['s3cret'] });
  });
});

describe('L1: parameter checks', () => {
  const params = [
    { name: 'Required', noEcho: false, hasDefault: false },
    { name: 'Optional', noEcho: false, hasDefault: true },
  ];
  it('undeclared overrides are an InputError', () => {
    expect(() => assertDeclaredOverrides([{ key: 'Other', value: '1' }], ['Required'])).toThrow(InputError);
    expect(() => assertDeclaredOverrides([{ key: 'Required', value: '1' }], ['Required'])).not.toThrow();
  });
  it('a required parameter needs a value or a previous value', () => {
    expect(missingRequiredParameters(params, [], undefined)).toEqual(['Required']);
    expect(missingRequiredParameters(params, [], ['Required'])).toEqual([]);
    expect(missingRequiredParameters(params, [{ key: 'Required', value: '' }], undefined)).toEqual([]);
    expect(missingRequiredParameters(params, [{ key: 'Required', usePrevious: true }], undefined)).toEqual([
      'Required',
    ]);
  });
});

describe('R2: waitForOwnOperation (ExecuteChangeSet, DeleteStack, ContinueUpdateRollback)', () => {
  const base: Stack = {
    StackName: 's',
    StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/s/1',
    StackStatus: 'UPDATE_COMPLETE',
    CreationTime: new Date(0),
  };
  const answers = (statuses: (string | undefined)[]) => {
    let i = 0;
    cfnMock.on(DescribeStacksCommand).callsFake(() => {
      const status = statuses[Math.min(i++, statuses.length - 1)];
      return { Stacks: status ? [{ ...base, StackStatus: status }] : [] };
    });
  };
  const wait = (before: Stack | undefined, extra: Partial<Parameters<typeof waitForOwnOperation>[0]> = {}) =>
    waitForOwnOperation({
      cfn: new CloudFormationClient({ region: 'us-east-1' }),
      clock: fakeClock(),
      stack: base.StackId as string,
      what: 'stack s',
      timeoutMs: 60_000,
      before,
      ...extra,
    });

  it('the state we acted on does not count as the end until the operation visibly started', async () => {
    answers(['UPDATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    await expect(wait(base, { finalStatuses: EXECUTION_FINAL.UPDATE })).resolves.toMatchObject({
      StackStatus: 'UPDATE_COMPLETE',
    });
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(4);
    // polled by the stack id
    expect(cfnMock.commandCalls(DescribeStacksCommand)[0]!.args[0].input.StackName).toBe(base.StackId);
  });

  it('a different final status proves the operation ran (DeleteStack → DELETE_FAILED)', async () => {
    answers(['DELETE_FAILED']);
    await expect(wait({ ...base, StackStatus: 'ROLLBACK_COMPLETE' })).resolves.toMatchObject({
      StackStatus: 'DELETE_FAILED',
    });
  });

  it('a deleted stack ends the wait (undefined)', async () => {
    answers(['ROLLBACK_COMPLETE', 'DELETE_COMPLETE']);
    await expect(wait({ ...base, StackStatus: 'ROLLBACK_COMPLETE' })).resolves.toBeUndefined();
  });

  it("the stack's own event proves it when the status never changed", async () => {
    answers(['UPDATE_COMPLETE']);
    const events: string[] = [];
    let ticks = 0;
    await expect(
      wait(base, {
        ownEventStatuses: () => events,
        onTick: async () => {
          if (++ticks === 2) events.push('UPDATE_COMPLETE');
        },
      }),
    ).resolves.toMatchObject({ StackStatus: 'UPDATE_COMPLETE' });
    expect(ticks).toBe(2);
  });

  it('the deadline always holds', async () => {
    answers(['UPDATE_COMPLETE']);
    await expect(wait(base, { timeoutMs: 30_000 })).rejects.toBeInstanceOf(TimeoutError);
  });
});
