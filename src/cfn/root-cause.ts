/**
 * N1: the root cause of a failed stack operation — the first failed resource, depth-first through nested
 * stacks. A parent's "Embedded stack … was not successfully updated" event only says where to look: the cause
 * is inside that nested stack. "Resource … cancelled" events are consequences of another failure, never causes.
 */
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { NESTED_STACK_TYPE } from './nested';

/** A stack event and the path (logical ids from the root) of the stack it belongs to; [] for the root. */
export interface PathedEvent {
  path: string[];
  event: StackEvent;
}

const FAILED = /_FAILED$/;
/** What CloudFormation writes on resources it stopped because something else failed. */
const CONSEQUENCE = /^Resource (creation|update|deletion|import) cancelled/i;

/** The stack's own event (its status), not one of its resources'. */
export function isOwnStackEvent(event: StackEvent): boolean {
  return (
    event.ResourceType === NESTED_STACK_TYPE &&
    ((!!event.PhysicalResourceId && event.PhysicalResourceId === event.StackId) ||
      event.LogicalResourceId === event.StackName)
  );
}

/** A parent's event for one of its nested stacks (AWS::CloudFormation::Stack, not the stack itself). */
export function isNestedStackEvent(event: StackEvent): boolean {
  return event.ResourceType === NESTED_STACK_TYPE && !isOwnStackEvent(event);
}

/** A failed resource (not the stack's own status). */
export function isResourceFailure(event: StackEvent): boolean {
  return FAILED.test(event.ResourceStatus ?? '') && !isOwnStackEvent(event);
}

const samePath = (left: readonly string[], right: readonly string[]): boolean =>
  left.length === right.length && left.every((part, index) => part === right[index]);

const time = (event: StackEvent): number =>
  event.Timestamp instanceof Date ? event.Timestamp.getTime() : Number.POSITIVE_INFINITY;

/**
 * The root cause among `events` (any order; those of one operation): in the stack at `path`, the first failed
 * resource; when that is a nested stack, the root cause inside it if its events say one, else that event.
 * Resources cancelled because of another failure only count when nothing else failed.
 */
export function findRootCause(
  events: readonly PathedEvent[],
  path: readonly string[] = [],
): PathedEvent | undefined {
  return search(events, path, 0);
}

function search(
  events: readonly PathedEvent[],
  path: readonly string[],
  depth: number,
): PathedEvent | undefined {
  if (depth > 20) return undefined; // paths come from logical ids: a guard, never reached by real trees
  const failures = events
    .filter((item) => samePath(item.path, path) && isResourceFailure(item.event))
    .map((item, order) => ({ item, order }))
    .sort((left, right) => time(left.item.event) - time(right.item.event) || left.order - right.order)
    .map(({ item }) => item);
  let embedded: PathedEvent | undefined;
  for (const failure of failures) {
    if (CONSEQUENCE.test(failure.event.ResourceStatusReason ?? '')) continue;
    if (!isNestedStackEvent(failure.event)) return failure;
    const inner = search(events, [...path, failure.event.LogicalResourceId ?? ''], depth + 1);
    if (inner) return inner;
    embedded ??= failure;
  }
  return embedded ?? failures[0];
}

/** "Network/Fn (AWS::Lambda::Function) CREATE_FAILED: reason" — the resource's path from the root stack. */
export function describeFailure({ path, event }: PathedEvent): string {
  const resource = [...path, event.LogicalResourceId ?? '?'].join('/');
  const reason = event.ResourceStatusReason ? `: ${event.ResourceStatusReason}` : '';
  return `${resource} (${event.ResourceType ?? 'unknown type'}) ${event.ResourceStatus ?? ''}${reason}`;
}
