import type { CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import type { Clock } from '../clock';
import { BACKOFF, pollUntil, type BackoffPreset } from '../poll';
import { describeStack } from './stack';

/** An operation is running (REVIEW_IN_PROGRESS is a stack waiting for its first change set, not an operation). */
export function isInProgress(status: string | undefined): boolean {
  return !!status && status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}

/** Where an execution of each kind can end. */
export const EXECUTION_FINAL: Record<'CREATE' | 'UPDATE', ReadonlySet<string>> = {
  CREATE: new Set([
    'CREATE_COMPLETE',
    'CREATE_FAILED',
    'ROLLBACK_COMPLETE',
    'ROLLBACK_FAILED',
    'DELETE_FAILED',
  ]),
  UPDATE: new Set(['UPDATE_COMPLETE', 'UPDATE_FAILED', 'UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED']),
};

export interface OwnOperationOptions {
  cfn: CloudFormationClient;
  clock: Clock;
  /** The stack's id once known (so the wait follows this stack, never a namesake), else its name. */
  stack: string;
  /** What we wait for, for the timeout message ("stack app to finish the UPDATE"). */
  what: string;
  timeoutMs: number;
  /** The stack as it was just before we sent the operation (undefined: it did not exist). */
  before: Stack | undefined;
  /** Statuses this operation can end in. Default: any status that is not in progress. */
  finalStatuses?: ReadonlySet<string>;
  /**
   * The change set we executed. Not used as a proof: when CloudFormation sets Stack.ChangeSetId is not
   * documented, and a completed update moves LastUpdatedTime anyway (a proof that cannot be wrong).
   */
  changeSetId?: string;
  /**
   * Statuses of the stack's own events that arrived since the operation was sent (the event stream). Asked
   * only when a final status has no cheaper proof; it may fetch the events (one call) before answering.
   */
  ownEventStatuses?: () => readonly string[] | Promise<readonly string[]>;
  /** Called between polls, right after each poll that did not finish (stream events), with its index. */
  onTick?: (tick: number) => Promise<void>;
  /**
   * The event stream leads the wait (one call a poll instead of two): each poll first fetches the stack's new
   * events and answers the statuses of its own events since the operation was sent; DescribeStacks is sent
   * only when they show a status this operation can end in, on every {@link STATUS_SAFETY_EVERY}-th poll (a
   * stack that vanished, an event that never comes) and for the rest of the wait once reading events failed.
   */
  eventsLead?: () => Promise<readonly string[]>;
  backoff?: BackoffPreset;
  /** Poll once at once. Default true. */
  checkFirst?: boolean;
  signal?: AbortSignal;
}

type StackWaitOptions = Omit<
  OwnOperationOptions,
  'before' | 'finalStatuses' | 'ownEventStatuses' | 'changeSetId' | 'eventsLead'
>;

/** With events leading, DescribeStacks is still sent on every STATUS_SAFETY_EVERY-th poll (the 5th, 10th, …). */
export const STATUS_SAFETY_EVERY = 5;

/**
 * Poll DescribeStacks for `options.stack` (deadline, backoff, cancellation and ticks from the options) until
 * `done` accepts what it shows; a stack that is gone (undefined) is passed to `done` too.
 */
async function pollStack(
  options: StackWaitOptions,
  done: (stack: Stack | undefined) => boolean | Promise<boolean>,
  /** Asked before each DescribeStacks with the poll's index: false = this poll ends without one. */
  worthAsking?: (poll: number) => Promise<boolean>,
): Promise<Stack | undefined> {
  let polls = 0;
  const found = await pollUntil<{ stack: Stack | undefined }>({
    what: options.what,
    timeoutMs: options.timeoutMs,
    clock: options.clock,
    ...(options.backoff ?? BACKOFF.stackOperation),
    checkFirst: options.checkFirst,
    signal: options.signal,
    onTick: options.onTick,
    check: async () => {
      if (worthAsking && !(await worthAsking(polls++))) return undefined;
      const stack = await describeStack(options.cfn, options.stack);
      return (await done(stack)) ? { stack } : undefined;
    },
  });
  return found.stack;
}

/**
 * Wait for an operation WE started (ExecuteChangeSet, DeleteStack, ContinueUpdateRollback, …) to end.
 * These calls are asynchronous: right after them DescribeStacks can still show the state we acted on (the
 * previous deploy's UPDATE_COMPLETE, the ROLLBACK_COMPLETE we are deleting). So a final status counts only
 * once our operation visibly started. The proofs that cost no call come first: an *_IN_PROGRESS status was
 * seen, the status differs from the one we started from, LastUpdatedTime moved; only then the stack's own event with that status (which may cost one DescribeStackEvents). A stack
 * that is gone (deleted) ends the wait: the result is undefined. The deadline always holds (TimeoutError).
 */
export function waitForOwnOperation(options: OwnOperationOptions): Promise<Stack | undefined> {
  let sawProgress = false;
  const beforeStatus = options.before?.StackStatus;
  const beforeTime = options.before?.LastUpdatedTime?.getTime() ?? 0;
  const lead = options.eventsLead && eventsLeadGate(options.eventsLead, options.finalStatuses);
  return pollStack(
    options,
    async (stack) => {
      if (!stack) return true;
      const status = stack.StackStatus ?? '';
      if (isInProgress(status)) {
        sawProgress = true;
        return false;
      }
      if (options.finalStatuses && !options.finalStatuses.has(status)) return false;
      if (sawProgress || status !== beforeStatus || (stack.LastUpdatedTime?.getTime() ?? 0) !== beforeTime)
        return true;
      if (lead?.ownStatuses.includes(status)) return true;
      return (await options.ownEventStatuses?.())?.includes(status) ?? false;
    },
    lead?.worthAsking,
  );
}

/** After this many event reads in a row fail, the status leads for the rest of the wait. */
export const EVENT_FAILURES_TO_STOP = 3;

/**
 * The events-lead gate: a DescribeStacks is worth sending when the operation's own events show a status it can
 * end in (the first such, so a later operation of someone else cannot hide ours), on every
 * STATUS_SAFETY_EVERY-th poll, on a poll whose event read failed, and — for the rest of the wait — once
 * EVENT_FAILURES_TO_STOP reads in a row failed.
 */
function eventsLeadGate(
  readEvents: () => Promise<readonly string[]>,
  finalStatuses: ReadonlySet<string> | undefined,
): { ownStatuses: readonly string[]; worthAsking: (poll: number) => Promise<boolean> } {
  const gate = {
    ownStatuses: [] as readonly string[],
    failuresInARow: 0,
    worthAsking: async (_poll: number) => true,
  };
  gate.worthAsking = async (poll: number) => {
    if (gate.failuresInARow >= EVENT_FAILURES_TO_STOP) return true;
    try {
      gate.ownStatuses = await readEvents();
      gate.failuresInARow = 0;
    } catch {
      // Events are a speed-up, never a condition: without them the status leads (one call a poll, as before).
      gate.failuresInARow++;
      return true;
    }
    if ((poll + 1) % STATUS_SAFETY_EVERY === 0) return true;
    return gate.ownStatuses.some((status) =>
      finalStatuses ? finalStatuses.has(status) : !isInProgress(status),
    );
  };
  return gate;
}

/** Wait until an operation someone else runs on the stack ends (no *_IN_PROGRESS); undefined when it is gone. */
export function waitUntilSettled(options: StackWaitOptions): Promise<Stack | undefined> {
  return pollStack(options, (stack) => !stack || !isInProgress(stack.StackStatus));
}
