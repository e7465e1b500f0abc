/**
 * C3: a NoEcho override value never leaves the process in any form — log lines, annotations, debug lines,
 * outputs, the job summary — on success and on failure, also with debug on.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CreateChangeSetCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { runAction } from '../../../src/entry';
import { secretForms } from '../../../src/secrets';
import { runWith } from '../../../actions/deploy-stack/src/run';
import { findLeak } from '../../helpers/leaks';
import { cfnMock, changeSetMocks, passwordChange, resetMocks, setup, stack } from './harness';

/** A secret with characters that change under JSON, URL, HTML and Markdown escaping. */
const TRICKY = 'p@ss "w0rd" <&> /+= tail';

function exposed(text: string): string[] {
  return secretForms(TRICKY).filter((form) => text.includes(form));
}

function everythingWritten(s: ReturnType<typeof setup>): string {
  // sink.all() has stdout, annotations (debug included), outputs and summaries; add-mask commands are the
  // runner's registration, not output.
  return [
    s.rt.sink.all(),
    ...s.rt.sink.commands.filter((c) => c.name !== 'add-mask').map((c) => c.message),
  ].join('\n');
}

beforeEach(() => resetMocks());
afterEach(() => {
  process.exitCode = undefined;
});

describe('C3: the NoEcho value never appears in anything written, in any form', () => {
  it.each([false, true])('C3: a planned change set (debug: %s)', async (debug) => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    changeSetMocks([passwordChange(TRICKY)]);
    const s = setup(
      { mode: 'create-only', 'parameter-overrides': JSON.stringify({ DbPassword: TRICKY, Name: 'app' }) },
      undefined,
      { debug },
    );
    await expect(runWith(s.rt)).resolves.toMatchObject({ result: 'planned' });
    // The secret did flow through: it was sent to CloudFormation and (with debug) logged, redacted.
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.Parameters).toContainEqual({
      ParameterKey: 'DbPassword',
      ParameterValue: TRICKY,
    });
    if (debug) {
      expect(
        s.rt.sink.commands.some((c) => c.name === 'debug' && /CreateChangeSet parameters/.test(c.message)),
      ).toBe(true);
    }
    expect(s.rt.sink.summaries.join('\n')).toMatch(/MasterUserPassword/);
    expect(exposed(everythingWritten(s))).toEqual([]);
    expect(findLeak(everythingWritten(s), TRICKY)).toBeUndefined();
    expect(s.masked).toContain(TRICKY);
  });

  it.each([false, true])('C3: a failure whose message carries the secret (debug: %s)', async (debug) => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock
      .on(CreateChangeSetCommand)
      .rejects(
        Object.assign(
          new Error(
            `Parameter value ${JSON.stringify(TRICKY)} (${encodeURIComponent(TRICKY)}, ${Buffer.from(TRICKY).toString('base64')}) is invalid`,
          ),
          { name: 'ValidationError' },
        ),
      );
    const s = setup(
      { 'parameter-overrides': JSON.stringify({ DbPassword: TRICKY, Name: 'app' }) },
      undefined,
      { debug },
    );
    await runAction(s.rt, runWith);
    const errors = s.rt.sink.commands.filter((c) => c.name === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/Parameter value .* is invalid/);
    expect(s.rt.sink.summaries.join('\n')).toMatch(/Parameter value/);
    expect(exposed(everythingWritten(s))).toEqual([]);
    expect(findLeak(everythingWritten(s), TRICKY)).toBeUndefined();
  });
});
