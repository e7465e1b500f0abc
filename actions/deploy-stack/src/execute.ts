/**
 * execute: send ExecuteChangeSet and wait for OUR execution to end (src/cfn/own-operation), streaming the
 * stack's events by the stack's id; then termination protection after a create.
 */
import {
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { TrackedChangeSet } from '../../../src/cfn/lifecycle';
import { EXECUTION_FINAL, waitForOwnOperation } from '../../../src/cfn/own-operation';
import { GuardError } from '../../../src/errors';
import { describeFailure, findRootCause } from '../../../src/cfn/root-cause';
import { EventStreamer, firstFailures } from './events';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';

export interface Execution {
  changeSetId: string;
  type: 'CREATE' | 'UPDATE';
  /** The stack just before the execution (undefined: it is created). */
  before: Stack | undefined;
  /** The stack's id when known (polls and events use it). */
  stackId: string | undefined;
}

/**
 * Execute and wait. `tracked` is our own change set (create-and-execute); execute-only runs a reviewed change
 * set that is not ours to delete.
 */
export async function execute(
  deps: DeployDeps,
  inputs: DeployInputs,
  execution: Execution,
  tracked?: TrackedChangeSet,
): Promise<Stack> {
  const { cfn, log, cancel } = deps;
  const { stackName } = inputs;
  const { changeSetId, type, before } = execution;
  const stackRef = execution.stackId ?? before?.StackId ?? stackName;
  const streamer = new EventStreamer(cfn, stackRef, stackName, log);
  return log.group(
    `deploy-stack: ${stackName}${inputs.environment ? ` (${inputs.environment})` : ''} — executing ${type}`,
    async () => {
      await streamer.prime();
      cancel.throwIfCancelled();
      log.info(`Executing change set ${changeSetId}.`);
      const send = () =>
        cfn.send(
          new ExecuteChangeSetCommand({
            ChangeSetName: changeSetId,
            StackName: stackName,
            DisableRollback: type === 'UPDATE' && inputs.disableRollback ? true : undefined,
            ClientRequestToken: `${inputs.changeSetName}-exec`.slice(0, 128),
          }),
        );
      // From here a cancellation cannot stop the stack operation: say so instead of claiming a cleanup.
      const unregister = tracked
        ? () => undefined
        : cancel.onCancel(`the ${type} of stack ${stackName}`, async () => ({
            ok: false,
            detail: `change set ${changeSetId} was executing: the stack operation continues on AWS (cancelling the job does not stop it); check stack ${stackName}`,
          }));
      let stack: Stack | undefined;
      try {
        if (tracked) await tracked.execute(send);
        else {
          cancel.throwIfCancelled();
          await send();
        }
        // The event stream leads: one DescribeStackEvents a poll streams the log and shows when our operation
        // ended; DescribeStacks only when it did, and as a safety net (own-operation.ts eventsLead).
        stack = await waitForOwnOperation({
          cfn,
          clock: deps.clock,
          stack: stackRef,
          what: `stack ${stackName} to finish the ${type}`,
          timeoutMs: inputs.waitTimeoutMs,
          before,
          finalStatuses: EXECUTION_FINAL[type],
          changeSetId,
          eventsLead: async () => {
            await streamer.poll();
            return streamer.stackStatuses;
          },
          signal: cancel.signal,
        });
        tracked?.executionEnded();
      } finally {
        unregister();
      }
      // Once more after the end, so the log is complete — unless the stack's own final event is already in it.
      if (!stack?.StackStatus || !streamer.stackStatuses.includes(stack.StackStatus)) await streamer.poll();
      const ok = type === 'CREATE' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
      if (!stack || stack.StackStatus !== ok) {
        const failures = firstFailures([...streamer.failures].reverse());
        // N1: the first failed resource, depth-first through nested stacks, leads the message.
        const rootCause = findRootCause(streamer.pathedFailures);
        throw new ExecutionFailed(
          `${rootCause ? `Root cause: ${describeFailure(rootCause)}. ` : ''}Deploying stack ${stackName} failed: it ended in ${stack?.StackStatus ?? 'DELETE_COMPLETE'}.${failures.length ? ` First failures: ${failures.join('; ')}` : ''}`,
          stack?.StackStatus ?? 'DELETE_COMPLETE',
          stack,
        );
      }
      if (type === 'CREATE' && inputs.terminationProtection) {
        await cfn.send(
          new UpdateTerminationProtectionCommand({ StackName: stackName, EnableTerminationProtection: true }),
        );
        log.info(`Enabled termination protection on ${stackName}.`);
      }
      return stack;
    },
  );
}

/** The execution ended, but not in success: carries the final status for the published outcome. */
export class ExecutionFailed extends GuardError {
  constructor(
    message: string,
    readonly stackStatus: string,
    readonly finalStack: Stack | undefined,
  ) {
    super(message);
  }
}
