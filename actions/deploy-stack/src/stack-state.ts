/**
 * Read the stack and bring it to a state a change set can be created for, following the R2 decision table
 * (status.ts). The only mutating calls here (DeleteStack of a ROLLBACK_COMPLETE stack, ContinueUpdateRollback)
 * run after the required-parameter check (L1), and each is followed by a wait for our own operation.
 */
import {
  ContinueUpdateRollbackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import {
  describeBlockers,
  NESTED_LIMITS,
  resolveSkips,
  rollbackBlockers,
  walkNestedStacks,
  type StackTree,
} from '../../../src/cfn/nested';
import { waitForOwnOperation, waitUntilSettled } from '../../../src/cfn/own-operation';
import { assertRequiredParameters } from '../../../src/cfn/parameters';
import { describeStack } from '../../../src/cfn/stack';
import { GuardError } from '../../../src/errors';
import { firstFailures } from './events';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';
import type { TemplateFacts } from './preflight-inputs';
import { decisionForStatus } from './status';

/** The stack a change set will be created for. */
export interface StackState {
  /** undefined: the stack does not exist (or only as REVIEW_IN_PROGRESS / after we deleted it). */
  stack: Stack | undefined;
  type: 'CREATE' | 'UPDATE';
  notes: string[];
}

/** DescribeStacks (a read); undefined when the stack does not exist. */
export function readStack(deps: Pick<DeployDeps, 'cfn'>, stackName: string): Promise<Stack | undefined> {
  return describeStack(deps.cfn, stackName);
}

/** " Failed resources: ..." from the newest page of the stack's events. */
export async function failureHint(deps: Pick<DeployDeps, 'cfn'>, stack: string): Promise<string> {
  try {
    const page = await deps.cfn.send(new DescribeStackEventsCommand({ StackName: stack }));
    const failures = firstFailures(page.StackEvents ?? []);
    return failures.length ? ` Failed resources: ${failures.join('; ')}` : '';
  } catch {
    return '';
  }
}

/**
 * N1: the resources (in the stack and its nested stacks) that failed to roll back, read by a bounded walk —
 * for the message, and to resolve resources-to-skip. Never throws for what it cannot read (warns).
 */
async function rollbackTree(
  deps: Pick<DeployDeps, 'cfn' | 'clock' | 'cancel' | 'log'>,
  stack: Stack,
  rootName: string,
  timeoutMs: number,
): Promise<{ tree: StackTree; hint: string }> {
  const tree = await walkNestedStacks(
    deps.cfn,
    { ref: stack.StackId ?? rootName, stack },
    {
      clock: deps.clock,
      signal: deps.cancel.signal,
      budgetMs: Math.min(NESTED_LIMITS.budgetMs, timeoutMs / 4),
    },
  );
  for (const warning of tree.warnings) deps.log.warning(`UPDATE_ROLLBACK_FAILED (N1): ${warning}`);
  const blockers = rollbackBlockers(tree, rootName);
  return {
    tree,
    hint: blockers.length
      ? ` Resources that failed to roll back (UPDATE_FAILED): ${describeBlockers(blockers)}.`
      : '',
  };
}

/**
 * L1: required parameters must get a value. `previous` are the parameters of the stack that will be updated
 * (a stack that is created, or deleted and created again, has none).
 */
function checkRequiredParameters(inputs: DeployInputs, facts: TemplateFacts, stack: Stack | undefined): void {
  if (!facts.parameters) return;
  assertRequiredParameters(
    facts.parameters,
    inputs.parameterOverrides,
    stack ? (stack.Parameters ?? []).map((param) => param.ParameterKey as string) : undefined,
    inputs.stackName,
  );
}

/** Apply the stack status decision table (R2) until the stack is ready for a CREATE or UPDATE change set. */
export async function resolveStackState(
  deps: DeployDeps,
  inputs: DeployInputs,
  facts: TemplateFacts,
  initial: Stack | undefined,
): Promise<StackState> {
  const { cfn, log, clock, cancel } = deps;
  const { stackName } = inputs;
  const notes: string[] = [];
  const wait = { cfn, clock, timeoutMs: inputs.waitTimeoutMs, signal: cancel.signal };
  let stack = initial;
  for (let round = 0; round < 5; round++) {
    const status = stack?.StackStatus;
    const decision = decisionForStatus(status);
    log.info(`Stack ${stackName}: ${status ?? 'does not exist'} → ${decision.action}. ${decision.note}`);
    const ref = stack?.StackId ?? stackName;
    switch (decision.action) {
      case 'create':
        checkRequiredParameters(inputs, facts, undefined);
        return { stack: undefined, type: 'CREATE', notes };
      case 'update':
        checkRequiredParameters(inputs, facts, stack);
        return { stack, type: 'UPDATE', notes };
      case 'wait':
        stack = await waitUntilSettled({
          ...wait,
          stack: ref,
          what: `stack ${stackName} to leave ${status}`,
        });
        continue;
      case 'rollback-complete': {
        if (inputs.onRollbackComplete !== 'delete') {
          throw new GuardError(
            `Stack ${stackName} is in ROLLBACK_COMPLETE: ${decision.note}${await failureHint(deps, ref)}`,
          );
        }
        if (inputs.mode === 'create-only') {
          throw new GuardError(
            `Stack ${stackName} is in ROLLBACK_COMPLETE; mode: create-only never deletes stacks. Deploy with create-and-execute and on-rollback-complete: delete, or delete it by hand.`,
          );
        }
        // L1: the stack will be created again: no previous values. Checked before the DeleteStack.
        checkRequiredParameters(inputs, facts, undefined);
        cancel.throwIfCancelled();
        log.warning(
          `Stack ${stackName} is in ROLLBACK_COMPLETE (it holds no resources); deleting it as on-rollback-complete: delete asks.`,
        );
        await cfn.send(new DeleteStackCommand({ StackName: ref, RoleARN: inputs.roleArn }));
        const after = await waitForOwnOperation({
          ...wait,
          stack: ref,
          what: `stack ${stackName} to be deleted`,
          before: stack,
        });
        if (after && after.StackStatus !== 'DELETE_COMPLETE') {
          throw new GuardError(`Deleting stack ${stackName} ended in ${after.StackStatus}.`);
        }
        notes.push('Deleted the ROLLBACK_COMPLETE stack before creating it again.');
        stack = after;
        continue;
      }
      case 'update-rollback-failed': {
        const failed = stack as Stack;
        const rootName = failed.StackName ?? stackName;
        // N1: what blocks the rollback, in the stack and its nested stacks, and how to skip it.
        const { tree, hint: blocking } = await rollbackTree(deps, failed, rootName, inputs.waitTimeoutMs);
        const hint = `${await failureHint(deps, ref)}${blocking}`;
        if (inputs.onUpdateRollbackFailed !== 'continue' || inputs.mode === 'create-only') {
          throw new GuardError(`Stack ${stackName} is in UPDATE_ROLLBACK_FAILED: ${decision.note}${hint}`);
        }
        // L1: the update that follows keeps the stack's parameters. Checked before ContinueUpdateRollback.
        checkRequiredParameters(inputs, facts, stack);
        // N1: Path/To/Nested.LogicalId becomes NestedStackName.LogicalId; entries that cannot work are refused.
        const { skips, notes: skipNotes } = resolveSkips(inputs.resourcesToSkip, tree, rootName);
        for (const note of skipNotes) log.warning(`resources-to-skip: ${note}`);
        cancel.throwIfCancelled();
        log.warning(
          `Stack ${stackName} is in UPDATE_ROLLBACK_FAILED; continuing the rollback${skips.length ? `, skipping ${skips.join(', ')}` : ''}.${hint}`,
        );
        await cfn.send(
          new ContinueUpdateRollbackCommand({
            StackName: stackName,
            RoleARN: inputs.roleArn,
            ResourcesToSkip: skips.length ? skips : undefined,
            ClientRequestToken: `${inputs.changeSetName}-continue`.slice(0, 128),
          }),
        );
        stack = await waitForOwnOperation({
          ...wait,
          stack: ref,
          what: `stack ${stackName} to finish continue-update-rollback`,
          before: stack,
        });
        if (stack?.StackStatus !== 'UPDATE_ROLLBACK_COMPLETE') {
          // N1: still blocked: say by what, in nested stacks too.
          const still =
            stack?.StackStatus === 'UPDATE_ROLLBACK_FAILED'
              ? await rollbackTree(deps, stack, rootName, inputs.waitTimeoutMs)
              : undefined;
          throw new GuardError(
            `ContinueUpdateRollback on ${stackName} ended in ${stack?.StackStatus ?? 'a deleted stack'}.${await failureHint(deps, ref)}${still?.hint ?? ''}`,
          );
        }
        notes.push('Continued the failed rollback before updating.');
        continue;
      }
      case 'fail':
        throw new GuardError(
          `Stack ${stackName} is in ${status}: ${decision.note}${stack?.StackStatusReason ? ` (reason: ${stack.StackStatusReason})` : ''}`,
        );
    }
  }
  throw new GuardError(`Stack ${stackName} did not reach a deployable state.`);
}
