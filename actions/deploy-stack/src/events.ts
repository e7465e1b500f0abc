import {
  DescribeStackEventsCommand,
  type CloudFormationClient,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { CancelledError, errorMessage } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import { isStackGone, NESTED_LIMITS, pathLabel } from '../../../src/cfn/nested';
import { isNestedStackEvent, isOwnStackEvent, type PathedEvent } from '../../../src/cfn/root-cause';

/** N1: bounds on the nested stacks whose events are streamed, and the pages read per nested poll. */
export const NESTED_STREAMS = { maxStreams: 20, maxDepth: NESTED_LIMITS.maxDepth, maxPages: 3 } as const;

/** What the streams of one operation share: the failures of every stack (with paths), the stream count. */
interface StreamTree {
  failures: PathedEvent[];
  streams: number;
  limitNoted: boolean;
}

/** A nested stack's stream and whether its parent says it is being worked on. */
interface NestedStream {
  streamer: EventStreamer;
  /** Its parent's latest event for it is *_IN_PROGRESS: poll it. */
  active: boolean;
  /** Its parent's event for it ended (complete/failed): poll it once more for its last events. */
  finalPoll: boolean;
}

/**
 * Streams new stack events while an operation runs: pages newest-first until it reaches an event it has
 * already seen (or the operation's start), prints them oldest-first, each once. Nested stacks (N1) are
 * followed as their parent's events reveal them: each streams its events from the moment its parent started
 * working on it, printed with its path (`Network/Db/Fn`), while its parent's event for it is in progress.
 */
export class EventStreamer {
  private readonly seen = new Set<string>();
  readonly failures: StackEvent[] = [];
  /** Statuses of the stack's own events (ResourceType AWS::CloudFormation::Stack) seen since prime(). */
  readonly stackStatuses: string[] = [];
  private started = false;
  private readonly children = new Map<string, NestedStream>();
  /** When this operation's first event for each nested stack resource (by logical id) happened. */
  private readonly nestedStarted = new Map<string, number>();
  private readonly tree: StreamTree;

  /**
   * @param stack the stack's id once known (events are read by id, never a namesake's), else its name
   * @param stackName the stack's name: the logical id of the stack's own events
   * @param nested for a nested stack's stream: its path, the time its parent started working on it, the tree
   */
  constructor(
    private readonly cfn: CloudFormationClient,
    private readonly stack: string,
    private readonly stackName: string,
    private readonly log: Logger,
    private readonly maxPages = 10,
    private readonly nested?: { path: string[]; since: number; tree: StreamTree },
  ) {
    this.tree = nested?.tree ?? { failures: [], streams: 0, limitNoted: false };
    this.started = !!nested;
  }

  /** Failed resource events of this stack and of every nested stack streamed, each with its stack's path. */
  get pathedFailures(): readonly PathedEvent[] {
    return this.tree.failures;
  }

  /** The stack's path: logical ids from the root ([] for the root). */
  get path(): string[] {
    return this.nested?.path ?? [];
  }

  /** Mark every existing event as seen so only events of the coming operation are printed. */
  async prime(): Promise<void> {
    const page = await this.cfn.send(new DescribeStackEventsCommand({ StackName: this.stack }));
    for (const event of page.StackEvents ?? []) if (event.EventId) this.seen.add(event.EventId);
    this.started = true;
  }

  /** Fetch and print events not seen yet (this stack's, then its nested stacks'). */
  async poll(): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    let token: string | undefined;
    let pages = 0;
    const since = this.nested?.since;
    outer: do {
      const page = await this.cfn.send(
        new DescribeStackEventsCommand({ StackName: this.stack, NextToken: token }),
      );
      for (const event of page.StackEvents ?? []) {
        if (!event.EventId || this.seen.has(event.EventId)) break outer;
        // A nested stack's events from before its parent started on it belong to an earlier operation.
        if (since !== undefined && event.Timestamp instanceof Date && event.Timestamp.getTime() < since)
          break outer;
        fresh.push(event);
      }
      token = page.NextToken;
      pages++;
      // Before prime() we only want the newest page.
      if (!this.started) break;
    } while (token && pages < this.maxPages);
    fresh.reverse();
    for (const event of fresh) {
      this.seen.add(event.EventId as string);
      if (/FAILED$/.test(event.ResourceStatus ?? '')) {
        if (event.ResourceStatusReason && !this.nested) this.failures.push(event);
        this.tree.failures.push({ path: this.path, event });
      }
      if (
        !this.nested &&
        event.ResourceType === 'AWS::CloudFormation::Stack' &&
        event.LogicalResourceId === this.stackName &&
        event.ResourceStatus
      ) {
        this.stackStatuses.push(event.ResourceStatus);
      }
      // Event reasons are untrusted text: the outbound channel neutralises workflow commands in them (W1).
      this.log.info(formatEvent(event, this.path));
      this.follow(event);
    }
    await this.pollChildren();
    return fresh;
  }

  /** A parent's event for a nested stack: start (or keep) streaming it, bounded in depth and number. */
  private follow(event: StackEvent): void {
    if (!isNestedStackEvent(event) || !event.LogicalResourceId) return;
    // A new nested stack's first event has no physical id yet; its stack's events start from that moment.
    if (!this.nestedStarted.has(event.LogicalResourceId) && event.Timestamp instanceof Date)
      this.nestedStarted.set(event.LogicalResourceId, event.Timestamp.getTime());
    if (!event.PhysicalResourceId) return;
    const inProgress = /_IN_PROGRESS$/.test(event.ResourceStatus ?? '');
    let child = this.children.get(event.PhysicalResourceId);
    if (!child) {
      const path = [...this.path, event.LogicalResourceId];
      if (path.length > NESTED_STREAMS.maxDepth) return;
      if (this.tree.streams >= NESTED_STREAMS.maxStreams) {
        if (!this.tree.limitNoted)
          this.log.info(
            `Events of more than ${NESTED_STREAMS.maxStreams} nested stacks are not streamed (${pathLabel(path)} and later ones).`,
          );
        this.tree.limitNoted = true;
        return;
      }
      this.tree.streams++;
      const since = this.nestedStarted.get(event.LogicalResourceId) ?? 0;
      child = {
        streamer: new EventStreamer(
          this.cfn,
          event.PhysicalResourceId,
          event.PhysicalResourceId,
          this.log,
          NESTED_STREAMS.maxPages,
          { path, since, tree: this.tree },
        ),
        active: false,
        finalPoll: false,
      };
      this.children.set(event.PhysicalResourceId, child);
    }
    child.active = inProgress;
    if (!inProgress) child.finalPoll = true;
  }

  /** Poll the nested stacks being worked on (and, once, those just finished). A read that fails stops that one. */
  private async pollChildren(): Promise<void> {
    for (const child of this.children.values()) {
      if (!child.active && !child.finalPoll) continue;
      child.finalPoll = false;
      try {
        await child.streamer.poll();
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        child.active = false;
        const where = pathLabel(child.streamer.path);
        if (isStackGone(error))
          this.log.debug(`Nested stack ${where} no longer exists: its events end here.`);
        else this.log.info(`Events of nested stack ${where} could not be read: ${errorMessage(error)}`);
      }
    }
  }
}

/**
 * One event as a log line: time, status, type, the resource (with its stack's path when it is in a nested
 * stack; a nested stack's own events show its path), reason.
 */
export function formatEvent(event: StackEvent, path: readonly string[] = []): string {
  const time = event.Timestamp instanceof Date ? event.Timestamp.toISOString().slice(11, 19) : '';
  const reason = event.ResourceStatusReason ? ` — ${event.ResourceStatusReason}` : '';
  const resource = !path.length
    ? (event.LogicalResourceId ?? '')
    : isOwnStackEvent(event)
      ? pathLabel(path)
      : [...path, event.LogicalResourceId ?? ''].join('/');
  return `${time} ${event.ResourceStatus ?? ''} ${event.ResourceType ?? ''} ${resource}${reason}`.trim();
}

/** The first failed resources of the latest operation, with reasons (for the error message). */
export function firstFailures(events: StackEvent[], n = 5): string[] {
  return events
    .filter(
      (event) =>
        /FAILED$/.test(event.ResourceStatus ?? '') &&
        event.ResourceStatusReason &&
        event.ResourceType !== 'AWS::CloudFormation::Stack',
    )
    .slice(0, n)
    .map(
      (event) =>
        `${event.LogicalResourceId} (${event.ResourceType}) ${event.ResourceStatus}: ${event.ResourceStatusReason}`,
    );
}
