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

  constructor(
    private readonly cfn: CloudFormationClient,
    private readonly stackName: string,
    private readonly log: Logger,
    private readonly maxPages = 10,
  ) {}

  /** Mark every existing event as seen so only events of the coming operation are printed. */
  async prime(): Promise<void> {
    const r = await this.cfn.send(new DescribeStackEventsCommand({ StackName: this.stackName }));
    for (const e of r.StackEvents ?? []) if (e.EventId) this.seen.add(e.EventId);
    this.started = true;
  }

  /** Fetch and print events not seen yet. */
  async poll(): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    let token: string | undefined;
    let pages = 0;
    outer: do {
      const r = await this.cfn.send(
        new DescribeStackEventsCommand({ StackName: this.stackName, NextToken: token }),
      );
      for (const e of r.StackEvents ?? []) {
        if (!e.EventId || this.seen.has(e.EventId)) break outer;
        fresh.push(e);
      }
      token = r.NextToken;
      pages++;
      // Before prime() we only want the newest page.
      if (!this.started) break;
    } while (token && pages < this.maxPages);
    fresh.reverse();
    for (const e of fresh) {
      this.seen.add(e.EventId as string);
      if (/FAILED$/.test(e.ResourceStatus ?? '') && e.ResourceStatusReason) this.failures.push(e);
      if (
        e.ResourceType === 'AWS::CloudFormation::Stack' &&
        e.LogicalResourceId === this.stackName &&
        e.ResourceStatus
      ) {
        this.stackStatuses.push(e.ResourceStatus);
      }
      this.log.info(formatEvent(e));
    }
    return fresh;
  }
}

export function formatEvent(e: StackEvent): string {
  const t = e.Timestamp instanceof Date ? e.Timestamp.toISOString().slice(11, 19) : '';
  const reason = e.ResourceStatusReason ? ` — ${e.ResourceStatusReason}` : '';
  return `${t} ${e.ResourceStatus ?? ''} ${e.ResourceType ?? ''} ${e.LogicalResourceId ?? ''}${reason}`.trim();
}

/** The first failed resources of the latest operation, with reasons (for the error message). */
export function firstFailures(events: StackEvent[], n = 5): string[] {
  return events
    .filter(
      (e) =>
        /FAILED$/.test(e.ResourceStatus ?? '') &&
        e.ResourceStatusReason &&
        e.ResourceType !== 'AWS::CloudFormation::Stack',
    )
    .slice(0, n)
    .map((e) => `${e.LogicalResourceId} (${e.ResourceType}) ${e.ResourceStatus}: ${e.ResourceStatusReason}`);
}
