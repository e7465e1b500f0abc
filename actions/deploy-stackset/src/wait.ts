/**
 * Waiting, always bounded by the one deadline of the step (wait-timeout-minutes, T1) and stopped by the job's
 * cancellation: for operations someone else is running on the stack set (queued behind them, named in the
 * log), and for our own operation to finish.
 */
import type { StackSetOperation, StackSetOperationSummary } from '@aws-sdk/client-cloudformation';
import { TimeoutError } from '../../../src/errors';
import { BACKOFF, pollUntil } from '../../../src/poll';
import {
  ACTIVE_STATUSES,
  describeOperation,
  listOperations,
  type StackSetDeps,
  type StackSetRef,
} from './api';

/** The step's overall deadline: every wait gets what is left of it. */
export interface Deadline {
  start: number;
  ms: number;
}

export function timeLeft(deps: Pick<StackSetDeps, 'clock'>, deadline: Deadline): number {
  return deadline.start + deadline.ms - deps.clock.now();
}

function describe(summary: StackSetOperationSummary): string {
  const started = summary.CreationTimestamp
    ? `, started ${new Date(summary.CreationTimestamp).toISOString()}`
    : '';
  return `${summary.OperationId} (${summary.Action ?? 'operation'}, ${summary.Status}${started})`;
}

/**
 * Wait until no operation is running on the stack set. Each running operation is named once in the log.
 * Returns the operations waited for (empty when the stack set was idle).
 */
export async function waitForIdle(
  deps: StackSetDeps,
  ref: StackSetRef,
  deadline: Deadline,
  label: (operation: StackSetOperationSummary) => string = () => 'another operation',
): Promise<StackSetOperationSummary[]> {
  const seen = new Map<string, StackSetOperationSummary>();
  const remaining = timeLeft(deps, deadline);
  if (remaining <= 0)
    throw new TimeoutError(
      `No time left (wait-timeout-minutes) to wait for stack set ${ref.StackSetName} to be idle.`,
    );
  await pollUntil({
    ...BACKOFF.stackOperation,
    what: `stack set ${ref.StackSetName} to finish the operation(s) running on it (named above)`,
    timeoutMs: remaining,
    clock: deps.clock,
    signal: deps.cancel.signal,
    check: async () => {
      const busy = (await listOperations(deps, ref)).filter((operation) =>
        ACTIVE_STATUSES.has(operation.Status ?? ''),
      );
      for (const operation of busy) {
        if (seen.has(operation.OperationId ?? '')) continue;
        seen.set(operation.OperationId ?? '', operation);
        deps.log.info(
          `Stack set ${ref.StackSetName} is busy: waiting for ${label(operation)} ${describe(operation)} to finish (at most ${Math.round(remaining / 60_000)} min, wait-timeout-minutes).`,
        );
      }
      return busy.length === 0 ? true : undefined;
    },
  });
  return [...seen.values()];
}

/** Wait for one operation to finish; returns it as CloudFormation describes it at the end. */
export async function waitForOperation(
  deps: StackSetDeps,
  ref: StackSetRef,
  operationId: string,
  deadline: Deadline,
): Promise<StackSetOperation> {
  const remaining = Math.max(1, timeLeft(deps, deadline));
  let last: StackSetOperation | undefined;
  return pollUntil({
    ...BACKOFF.stackOperation,
    what: `stack set operation ${operationId} on ${ref.StackSetName} to finish`,
    timeoutMs: remaining,
    clock: deps.clock,
    signal: deps.cancel.signal,
    check: async () => {
      const operation = await describeOperation(deps, ref, operationId);
      if (operation.Status !== last?.Status)
        deps.log.info(
          `Operation ${operationId} (${operation.Action ?? 'operation'}): ${operation.Status ?? 'unknown'}.`,
        );
      last = operation;
      return ACTIVE_STATUSES.has(operation.Status ?? '') ? undefined : operation;
    },
  });
}
