/** O1: the deploy record in SSM — parsed strictly (someone else's garbage is "unreadable", never a crash). */
import { describe, expect, it, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  isCommitSha,
  parseRecord,
  recordName,
  recordOf,
  ssmRecordStore,
  validateRecordPrefix,
} from '../../../src/deploy-record';
import { createCancellation } from '../../../src/cancel';
import { awsFactory } from '../../../src/runtime';

const ssmMock = mockClient(SSMClient);
const SHA = 'a'.repeat(40);
const RECORD = {
  commit: SHA,
  runId: '42',
  runAttempt: '2',
  repository: 'acme/infra',
  templateDigest: `sha256:${'b'.repeat(64)}`,
  time: '2026-06-01T00:00:00.000Z',
};

function store() {
  const cancel = createCancellation({ clock: { now: () => Date.now(), sleep: async () => undefined } });
  return ssmRecordStore(
    awsFactory(cancel, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' }),
    'us-east-1',
  );
}

beforeEach(() => {
  ssmMock.reset();
});

describe('O1: deploy record', () => {
  it('O1: a record round-trips; every field is validated', () => {
    expect(parseRecord(JSON.stringify(RECORD))).toEqual({ record: RECORD });
    const run = recordOf(
      SHA,
      { GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2', GITHUB_REPOSITORY: 'acme/infra' },
      Date.parse(RECORD.time),
      RECORD.templateDigest,
    );
    expect(run).toEqual(RECORD);
    // Values from the environment that are not what they claim are left out, not recorded.
    expect(
      recordOf(SHA, { GITHUB_RUN_ID: '42; rm -rf', GITHUB_REPOSITORY: 'a/b\n::warning::x' }, 0, 'md5:x'),
    ).toEqual({
      commit: SHA,
      time: '1970-01-01T00:00:00.000Z',
    });
  });

  it.each([
    ['not JSON', '{oops', /not JSON/],
    ['a JSON list', '[1]', /not a JSON object/],
    ['null', 'null', /not a JSON object/],
    ['a short commit', JSON.stringify({ ...RECORD, commit: 'abc123' }), /commit/],
    [
      'a commit that is an option',
      JSON.stringify({ ...RECORD, commit: '--upload-pack=touch /tmp/x' }),
      /commit/,
    ],
    ['an upper-case commit', JSON.stringify({ ...RECORD, commit: 'A'.repeat(40) }), /commit/],
    ['a workflow command in the run id', JSON.stringify({ ...RECORD, runId: '::add-mask::x' }), /runId/],
    [
      'markdown in the repository',
      JSON.stringify({ ...RECORD, repository: '[x](http://evil)' }),
      /repository/,
    ],
    ['a time that is not ISO', JSON.stringify({ ...RECORD, time: 'yesterday' }), /time/],
    ['a number as the commit', JSON.stringify({ ...RECORD, commit: 7 }), /commit/],
  ])('O1: garbage written by someone else (%s) is unreadable, with a reason', (_name, value, reason) => {
    const parsed = parseRecord(value);
    expect('reason' in parsed && parsed.reason).toMatch(reason);
  });

  it('O1: only full lowercase hex SHAs (SHA-1 or SHA-256) are commits', () => {
    expect(isCommitSha(SHA)).toBe(true);
    expect(isCommitSha('c'.repeat(64))).toBe(true);
    for (const bad of [
      undefined,
      '',
      'abc',
      'g'.repeat(40),
      `${SHA}\n`,
      `-${SHA.slice(1)}`,
      'HEAD',
      'a'.repeat(41),
    ])
      expect(isCommitSha(bad)).toBe(false);
  });

  it('L1: deploy-record-prefix must be an SSM path', () => {
    expect(validateRecordPrefix('/guarded-deploy/')).toBe('/guarded-deploy');
    expect(recordName(validateRecordPrefix('/org/deploys'), 'app')).toBe('/org/deploys/app');
    for (const bad of [
      'guarded',
      '/aws/x',
      '/ssm',
      '/a b',
      '/a/../b',
      '/a//b',
      `/${'x/'.repeat(15)}y`,
      '/a\n::x',
    ])
      expect(() => validateRecordPrefix(bad)).toThrow(/deploy-record-prefix/);
  });

  it('O1: the SSM store: absent, found, unreadable, denied, and the write it sends', async () => {
    const records = store();
    ssmMock
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    expect(await records.read('/guarded-deploy/app')).toEqual({ kind: 'absent' });
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(RECORD) } });
    expect(await records.read('/guarded-deploy/app')).toEqual({ kind: 'found', record: RECORD });
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: '::stop-commands::x' } });
    expect(await records.read('/guarded-deploy/app')).toMatchObject({ kind: 'unreadable' });
    ssmMock.on(GetParameterCommand).rejects(
      Object.assign(new Error('User is not authorized to perform ssm:GetParameter'), {
        name: 'AccessDeniedException',
      }),
    );
    expect(await records.read('/guarded-deploy/app')).toMatchObject({ kind: 'failed', denied: true });
    expect(ssmMock.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/guarded-deploy/app',
    });

    ssmMock.on(PutParameterCommand).resolves({ Version: 2 });
    await records.write('/guarded-deploy/app', RECORD);
    const put = ssmMock.commandCalls(PutParameterCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Name: '/guarded-deploy/app', Type: 'String', Overwrite: true });
    expect(JSON.parse(put.Value as string)).toEqual(RECORD);
  });
});
