/**
 * N1: the root cause of a failed operation, depth-first through nested stacks (src/cfn/root-cause.ts), on
 * DescribeStackEvents shapes as CloudFormation documents and returns them: a parent's event for a nested stack
 * carries the nested stack's ARN as PhysicalResourceId and "Embedded stack … was not successfully updated";
 * a stack's own events carry its ARN as PhysicalResourceId (and its name as LogicalResourceId).
 */
import { describe, expect, it } from '@jest/globals';
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import {
  describeFailure,
  findRootCause,
  isOwnStackEvent,
  type PathedEvent,
} from '../../../src/cfn/root-cause';

const ACCOUNT = '111122223333';
const arn = (name: string) =>
  `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${name}/6c1a9f40-0000-4000-8000-000000000001`;
const ROOT = { name: 'app', id: arn('app') };
const NETWORK = { name: 'app-Network-1R2B3C4D5E6F', id: arn('app-Network-1R2B3C4D5E6F') };
const INNER = {
  name: 'app-Network-1R2B3C4D5E6F-Inner-9Z8Y7X',
  id: arn('app-Network-1R2B3C4D5E6F-Inner-9Z8Y7X'),
};

let second = 0;
/** One event of `stack` at the next second. */
function event(
  stack: { name: string; id: string },
  logicalId: string,
  status: string,
  extra: Partial<StackEvent> = {},
): StackEvent {
  second++;
  return {
    StackId: stack.id,
    StackName: stack.name,
    EventId: `${logicalId}-${status}-${second}`,
    LogicalResourceId: logicalId,
    PhysicalResourceId: `${logicalId.toLowerCase()}-physical`,
    ResourceType: 'AWS::Lambda::Function',
    Timestamp: new Date(Date.UTC(2026, 5, 1, 12, 0, second)),
    ResourceStatus: status as StackEvent['ResourceStatus'],
    ...extra,
  };
}

/** The stack's own status event. */
const own = (stack: { name: string; id: string }, status: string, reason?: string) =>
  event(stack, stack.name, status, {
    PhysicalResourceId: stack.id,
    ResourceType: 'AWS::CloudFormation::Stack',
    ...(reason ? { ResourceStatusReason: reason } : {}),
  });

/** A parent's event for its nested stack (the nested stack's ARN as physical id). */
const embedded = (
  parent: { name: string; id: string },
  logicalId: string,
  child: { id: string },
  status: string,
) =>
  event(parent, logicalId, status, {
    PhysicalResourceId: child.id,
    ResourceType: 'AWS::CloudFormation::Stack',
    ResourceStatusReason: `Embedded stack ${child.id} was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to update: [Fn].`,
  });

const at = (path: string[], ...events: StackEvent[]): PathedEvent[] =>
  events.map((item) => ({ path, event: item }));

const NO_SUCH_KEY =
  'Resource handler returned message: "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist." (RequestToken: 1f2e, HandlerErrorCode: InvalidRequest)';

describe('N1: the root cause, depth-first through nested stacks', () => {
  it('N1: the parent says only "Embedded stack … was not successfully updated": the cause is the nested resource', () => {
    const events = [
      ...at([], own(ROOT, 'UPDATE_IN_PROGRESS', 'User Initiated')),
      ...at(
        [],
        event(ROOT, 'Network', 'UPDATE_IN_PROGRESS', {
          ResourceType: 'AWS::CloudFormation::Stack',
          PhysicalResourceId: NETWORK.id,
        }),
      ),
      ...at(['Network'], own(NETWORK, 'UPDATE_IN_PROGRESS')),
      ...at(['Network'], event(NETWORK, 'Fn', 'UPDATE_IN_PROGRESS')),
      ...at(['Network'], event(NETWORK, 'Fn', 'UPDATE_FAILED', { ResourceStatusReason: NO_SUCH_KEY })),
      ...at(
        ['Network'],
        own(NETWORK, 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [Fn].'),
      ),
      ...at([], embedded(ROOT, 'Network', NETWORK, 'UPDATE_FAILED')),
      ...at([], event(ROOT, 'Api', 'UPDATE_FAILED', { ResourceStatusReason: 'Resource update cancelled' })),
      ...at(
        [],
        own(
          ROOT,
          'UPDATE_ROLLBACK_IN_PROGRESS',
          'The following resource(s) failed to update: [Network, Api].',
        ),
      ),
    ];
    const cause = findRootCause(events);
    expect(cause?.path).toEqual(['Network']);
    expect(cause?.event.LogicalResourceId).toBe('Fn');
    expect(describeFailure(cause as PathedEvent)).toBe(
      `Network/Fn (AWS::Lambda::Function) UPDATE_FAILED: ${NO_SUCH_KEY}`,
    );
  });

  it('N1: two levels deep, events in DescribeStackEvents order (newest first): the innermost first failure', () => {
    const events = [
      ...at([], embedded(ROOT, 'Network', NETWORK, 'UPDATE_FAILED')),
      ...at(['Network'], embedded(NETWORK, 'Inner', INNER, 'UPDATE_FAILED')),
      ...at(
        ['Network', 'Inner'],
        event(INNER, 'Layer', 'UPDATE_FAILED', {
          ResourceStatusReason: 'Layer content missing',
          ResourceType: 'AWS::Lambda::LayerVersion',
        }),
      ),
      // Built in time order, then reversed: the order DescribeStackEvents pages them in.
    ].reverse();
    expect(describeFailure(findRootCause(events) as PathedEvent)).toBe(
      'Network/Inner/Layer (AWS::Lambda::LayerVersion) UPDATE_FAILED: Layer content missing',
    );
  });

  it('N1: "Resource … cancelled" is a consequence: a later genuine failure is the cause', () => {
    const events = at(
      [],
      event(ROOT, 'Queue', 'CREATE_FAILED', { ResourceStatusReason: 'Resource creation cancelled' }),
      event(ROOT, 'Bucket', 'CREATE_FAILED', {
        ResourceStatusReason: 'bucket-name already exists',
        ResourceType: 'AWS::S3::Bucket',
      }),
    );
    expect(findRootCause(events)?.event.LogicalResourceId).toBe('Bucket');
  });

  it('N1: a genuine failure in the root before the nested stack failed is the cause (chronological)', () => {
    const events = [
      ...at(
        [],
        event(ROOT, 'Role', 'UPDATE_FAILED', {
          ResourceStatusReason: 'AccessDenied',
          ResourceType: 'AWS::IAM::Role',
        }),
      ),
      ...at([], embedded(ROOT, 'Network', NETWORK, 'UPDATE_FAILED')),
      ...at(
        ['Network'],
        event(NETWORK, 'Fn', 'UPDATE_FAILED', { ResourceStatusReason: 'Resource update cancelled' }),
      ),
    ];
    expect(findRootCause(events)?.event.LogicalResourceId).toBe('Role');
  });

  it("N1: the nested stack's events are unknown (not streamed): the parent's embedded event is the best there is", () => {
    const events = at([], embedded(ROOT, 'Network', NETWORK, 'UPDATE_FAILED'));
    expect(findRootCause(events)?.event.LogicalResourceId).toBe('Network');
  });

  it('N1: a failure while rolling back comes after the failure that started the rollback', () => {
    const events = at(
      [],
      event(ROOT, 'Fn', 'UPDATE_FAILED', { ResourceStatusReason: 'Memory size invalid' }),
      own(ROOT, 'UPDATE_ROLLBACK_IN_PROGRESS'),
      event(ROOT, 'Fn', 'UPDATE_FAILED', { ResourceStatusReason: NO_SUCH_KEY }),
      own(ROOT, 'UPDATE_ROLLBACK_FAILED', 'The following resource(s) failed to update: [Fn].'),
    );
    expect(findRootCause(events)?.event.ResourceStatusReason).toBe('Memory size invalid');
  });

  it("N1: the stack's own *_FAILED status is never the cause; only cancellations → the first of them", () => {
    expect(findRootCause(at([], own(ROOT, 'UPDATE_ROLLBACK_FAILED', 'x')))).toBeUndefined();
    expect(isOwnStackEvent(own(NETWORK, 'UPDATE_FAILED'))).toBe(true);
    const cancelled = at(
      [],
      event(ROOT, 'A', 'UPDATE_FAILED', { ResourceStatusReason: 'Resource update cancelled' }),
      event(ROOT, 'B', 'UPDATE_FAILED', { ResourceStatusReason: 'Resource update cancelled' }),
    );
    expect(findRootCause(cancelled)?.event.LogicalResourceId).toBe('A');
  });

  it("N1: moto shape — a stack's own events carry its name as LogicalResourceId: still not a resource failure", () => {
    const motoOwn: StackEvent = { ...own(ROOT, 'ROLLBACK_FAILED'), PhysicalResourceId: undefined };
    expect(isOwnStackEvent(motoOwn)).toBe(true);
  });
});
