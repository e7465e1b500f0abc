import {
  DescribeStackEventsCommand,
  type CloudFormationClient,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import type { Logger } from '../../../src/log';

/**
 * Streams new stack events while an operation runs: pages newest-first until it reaches an event it has
 * already seen (or the operation's start), prints them oldest-first, each once.
 */
export class EventStreamer {
  private readonly seen = new Set<string>();
  readonly failures: StackEvent[] = [];
  /** Statuses of the stack's own events (ResourceType AWS::CloudFormation::Stack) seen since prime(). */
  readonly stackStatuses: string[] = [];
  private started = false;

  /**
   * @param stack the stack's id once known (events are read by id, never a namesake's), else its name
   * @param stackName the stack's name: the logical id of the stack's own events
   */
  constructor(
    private readonly cfn: CloudFormationClient,
    private readonly stack: string,
    private readonly stackName: string,
    private readonly log: Logger,
    private readonly maxPages = 10,
  ) {}

  /** Mark every existing event as seen so only events of the coming operation are printed. */
  async prime(): Promise<void> {
    const page = await this.cfn.send(new DescribeStackEventsCommand({ StackName: this.stack }));
    for (const event of page.StackEvents ?? []) if (event.EventId) this.seen.add(event.EventId);
    this.started = true;
  }

  /** Fetch and print events not seen yet. */
  async poll(): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    let token: string | undefined;
    let pages = 0;
    outer: do {
      const page = await this.cfn.send(
        new DescribeStackEventsCommand({ StackName: this.stack, NextToken: token }),
      );
      for (const event of page.StackEvents ?? []) {
        if (!event.EventId || this.seen.has(event.EventId)) break outer;
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
      if (/FAILED$/.test(event.ResourceStatus ?? '') && event.ResourceStatusReason) this.failures.push(event);
      if (
        event.ResourceType === 'AWS::CloudFormation::Stack' &&
        event.LogicalResourceId === this.stackName &&
        event.ResourceStatus
      ) {
        this.stackStatuses.push(event.ResourceStatus);
      }
      // Event reasons are untrusted text: the outbound channel neutralises workflow commands in them (W1).
      this.log.info(formatEvent(event));
    }
    return fresh;
  }
}

export function formatEvent(event: StackEvent): string {
  const time = event.Timestamp instanceof Date ? event.Timestamp.toISOString().slice(11, 19) : '';
  const reason = event.ResourceStatusReason ? ` — ${event.ResourceStatusReason}` : '';
  return `${time} ${event.ResourceStatus ?? ''} ${event.ResourceType ?? ''} ${event.LogicalResourceId ?? ''}${reason}`.trim();
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
