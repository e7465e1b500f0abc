/**
 * C3: a NoEcho override value never leaves the process in any form — log lines, annotations, debug lines,
 * outputs, the job summary — on success and on failure, also with debug on.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Change,
} from '@aws-sdk/client-cloudformation';
import { runAction } from '../../../src/entry';
import { secretForms } from '../../../src/secrets';
import { runWith } from '../../../actions/deploy-stack/src/run';
import { findLeak } from '../../helpers/leaks';
import {
  cfnMock,
  changeSetMocks,
  passwordChange,
  resetMocks,
  setup,
  stack,
  stackEvent,
  updateFlow,
} from './harness';

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

describe('C3: before/after values in the plan that contain a NoEcho value are redacted', () => {
  /** A property change whose before/after values carry the secret `form`, not caused by the parameter. */
  function embedded(name: string, before: string, after: string): Change {
    return {
      Type: 'Resource',
      ResourceChange: {
        Action: 'Modify',
        LogicalResourceId: name,
        ResourceType: 'AWS::Lambda::Function',
        Replacement: 'False',
        Details: [
          {
            Target: {
              Attribute: 'Properties',
              Name: 'Environment',
              RequiresRecreation: 'Never',
              BeforeValue: before,
              AfterValue: after,
            },
            Evaluation: 'Static',
            ChangeSource: 'DirectModification',
          },
        ],
      },
    };
  }

  it.each([
    ['embedded in a longer string', (secret: string) => `postgres://app:${secret}@db:5432/app`],
    ['JSON-escaped', (secret: string) => JSON.stringify({ Variables: { DB_PASSWORD: secret } })],
    ['URL-encoded', (secret: string) => `https://hook.example/?token=${encodeURIComponent(secret)}`],
    ['with <, >, &, | and a newline', (secret: string) => `a|b <x> & ${secret}\nnext | line`],
  ])('C3: %s — not in the summary, the PR comment body or plan-markdown', async (_label, form) => {
    const secret = `${TRICKY}\nsecond line | <b>`;
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    // Not caused by the NoEcho parameter (no CausingEntity): only the registered override value can redact it.
    changeSetMocks([embedded('Fn', form('old-value'), form(secret))]);
    const s = setup(
      { mode: 'create-only', 'parameter-overrides': JSON.stringify({ DbPassword: secret, Name: 'app' }) },
      undefined,
    );
    const { published, error } = await s.deploy();
    expect(error).toBeUndefined();
    expect(published.summary).toMatch(/Environment/);
    for (const channel of [published.summary, published.comment, s.rt.sink.outputs['plan-markdown'] ?? '']) {
      expect(findLeak(channel, secret)).toBeUndefined();
      for (const line of secret.split('\n')) expect(findLeak(channel, line)).toBeUndefined();
    }
    expect(findLeak(everythingWritten(s), secret)).toBeUndefined();
  });
});

describe('W1: CloudFormation event reasons cannot issue workflow commands', () => {
  it('W1: an event reason "x\\n::add-mask::y" is printed through rt.log, never as a command line', async () => {
    updateFlow();
    const events = [
      stackEvent('e2', 'UPDATE_FAILED', {
        logicalId: 'Queue',
        type: 'AWS::SQS::Queue',
        reason: 'x\n::add-mask::y\n::error::forged\r::set-output name=a::b',
      }),
    ];
    let polled = 0;
    cfnMock.on(DescribeStackEventsCommand).callsFake(() => ({ StackEvents: polled++ === 0 ? [] : events }));
    const s = setup();
    await s.deploy();
    const printed = s.rt.sink.lines.join('\n');
    expect(printed).toMatch(/UPDATE_FAILED AWS::SQS::Queue Queue/);
    for (const line of s.rt.sink.lines) expect(line).not.toMatch(/^\s*::/);
    expect(s.masked).not.toContain('y');
    expect(
      s.rt.sink.commands.filter(
        (c) => c.name === 'error' && /forged/.test(c.message) && !/Queue/.test(c.message),
      ),
    ).toEqual([]);
  });
});
