/**
 * Issue #12: while an execution runs, the event stream leads the wait — one DescribeStackEvents a poll, and a
 * DescribeStacks only when the events show our operation ended (plus a safety net). The R2 proofs still hold:
 * a final status counts only when it is our operation's.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { fakeClock } from '../../../src/clock';
import {
  EVENT_FAILURES_TO_STOP,
  EXECUTION_FINAL,
  STATUS_SAFETY_EVERY,
  waitForOwnOperation,
} from '../../../src/cfn/own-operation';
import { TimeoutError } from '../../../src/errors';
import { cfnMock, resetMocks } from './harness';

beforeEach(() => resetMocks());

const base: Stack = {
  StackName: 's',
  StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/s/1',
  StackStatus: 'UPDATE_COMPLETE',
  CreationTime: new Date(0),
  LastUpdatedTime: new Date(1_000),
};

/** A stack whose update runs `durationMs` on the fake clock; events appear as CloudFormation writes them. */
function simulatedUpdate(clock: ReturnType<typeof fakeClock>, durationMs: number, end = 'UPDATE_COMPLETE') {
  const start = clock.now();
  const statusAt = () => (clock.now() - start >= durationMs ? end : 'UPDATE_IN_PROGRESS');
  cfnMock.on(DescribeStacksCommand).callsFake(() => ({
    Stacks: [
      {
        ...base,
        StackStatus: statusAt(),
        LastUpdatedTime: new Date(start + 1),
      },
    ],
  }));
  let eventCalls = 0;
  const events = async (): Promise<string[]> => {
    eventCalls++;
    return clock.now() - start >= durationMs ? ['UPDATE_IN_PROGRESS', end] : ['UPDATE_IN_PROGRESS'];
  };
  return { events, eventCalls: () => eventCalls, start };
}

/** waitForOwnOperation for an UPDATE of `base`, the events leading. */
const waitLed = (
  clock: ReturnType<typeof fakeClock>,
  eventsLead: () => Promise<readonly string[]>,
  timeoutMs = 120_000,
) =>
  waitForOwnOperation({
    cfn: new CloudFormationClient({ region: 'us-east-1' }),
    clock,
    stack: base.StackId as string,
    what: 'stack s',
    timeoutMs,
    before: base,
    finalStatuses: EXECUTION_FINAL.UPDATE,
    eventsLead,
  });

describe('T1/R2: events lead the wait (issue #12)', () => {
  it('a long update: one call a poll, DescribeStacks only at the safety net and once the events show the end', async () => {
    const clock = fakeClock();
    const update = simulatedUpdate(clock, 15_000);
    const stack = await waitLed(clock, update.events, 600_000);
    expect(stack?.StackStatus).toBe('UPDATE_COMPLETE');
    const statusCalls = cfnMock.commandCalls(DescribeStacksCommand).length;
    const polls = update.eventCalls();
    // Without the lead every poll is a DescribeStacks: here only the safety-net polls and the last one are.
    expect(statusCalls).toBeLessThanOrEqual(Math.ceil(polls / STATUS_SAFETY_EVERY) + 1);
    expect(statusCalls).toBeLessThan(polls);
    // Never more than one call a second on a long operation.
    const elapsedS = (clock.now() - update.start) / 1000;
    expect(polls + statusCalls).toBeLessThanOrEqual(Math.ceil(elapsedS) + 1);
    // The end is noticed within one backoff step (≤ 5 s cap) of happening.
    expect(elapsedS).toBeLessThan(15 + 5);
  });

  it('an update that ends at once: the first poll (events + status) notices it — no sleep', async () => {
    const clock = fakeClock();
    const update = simulatedUpdate(clock, 0);
    await expect(waitLed(clock, update.events, 60_000)).resolves.toMatchObject({
      StackStatus: 'UPDATE_COMPLETE',
    });
    expect(clock.now() - update.start).toBe(0);
    expect(update.eventCalls()).toBe(1);
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  it('R2: the status we started from is not the end while neither status nor events prove ours ran', async () => {
    // DescribeStacks keeps answering the previous UPDATE_COMPLETE (same LastUpdatedTime); events show nothing.
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [base] });
    let eventCalls = 0;
    await expect(
      waitLed(
        fakeClock(),
        async () => {
          eventCalls++;
          return [];
        },
        30_000,
      ),
    ).rejects.toBeInstanceOf(TimeoutError);
    expect(eventCalls).toBeGreaterThan(3);
  });

  it('events that cannot be read (AccessDenied) do not block the wait: the status leads from then on', async () => {
    const clock = fakeClock();
    simulatedUpdate(clock, 8_000);
    let eventCalls = 0;
    await expect(
      waitLed(clock, async () => {
        eventCalls++;
        throw Object.assign(new Error('not authorized to perform cloudformation:DescribeStackEvents'), {
          name: 'AccessDenied',
        });
      }),
    ).resolves.toMatchObject({ StackStatus: 'UPDATE_COMPLETE' });
    // A few reads in a row fail, then the status leads alone (no read per poll that can only fail).
    expect(eventCalls).toBe(EVENT_FAILURES_TO_STOP);
    expect(cfnMock.commandCalls(DescribeStacksCommand).length).toBeGreaterThan(EVENT_FAILURES_TO_STOP);
  });

  it('a stack that never writes its final event still ends the wait through the safety-net status poll', async () => {
    const clock = fakeClock();
    let eventCalls = 0;
    const update = simulatedUpdate(clock, 3_000);
    await expect(
      // Only the start is ever seen in the events.
      waitLed(clock, async () => {
        eventCalls++;
        return ['UPDATE_IN_PROGRESS'];
      }),
    ).resolves.toMatchObject({ StackStatus: 'UPDATE_COMPLETE' });
    // The status is asked on the STATUS_SAFETY_EVERY-th poll only, and that one ends the wait.
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    expect(eventCalls).toBe(STATUS_SAFETY_EVERY);
    expect(clock.now() - update.start).toBeLessThan(60_000);
  });

  it('one event read that fails (a timeout) costs that poll a status call, not the stream', async () => {
    const clock = fakeClock();
    const update = simulatedUpdate(clock, 15_000);
    let reads = 0;
    await expect(
      waitLed(clock, async () => {
        reads++;
        if (reads === 2) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        return update.events();
      }),
    ).resolves.toMatchObject({ StackStatus: 'UPDATE_COMPLETE' });
    // The stream went on after the failed read, and it (not the safety net) noticed the end.
    expect(update.eventCalls()).toBe(reads - 1);
    expect(update.eventCalls()).toBeGreaterThan(STATUS_SAFETY_EVERY);
  });

  it("R2: our end in the events, then someone else's update already running: wait for the stack to settle", async () => {
    const clock = fakeClock();
    let statusCalls = 0;
    cfnMock.on(DescribeStacksCommand).callsFake(() => {
      statusCalls++;
      return {
        Stacks: [{ ...base, StackStatus: statusCalls < 3 ? 'UPDATE_IN_PROGRESS' : 'UPDATE_COMPLETE' }],
      };
    });
    const stack = await waitLed(
      clock,
      async () => ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'],
      120_000,
    );
    // The first final status in the events asks for the stack; the stack in progress is not taken as the end.
    expect(stack?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(statusCalls).toBe(3);
  });
});
