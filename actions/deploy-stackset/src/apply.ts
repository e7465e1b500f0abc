/**
 * Apply a rollout: create the stack set or update it, then create, update and (only when asked and let
 * through by the gate) remove instances — one operation at a time, each waited for, stopping at the first
 * operation CloudFormation ended FAILED or STOPPED. And, before anything: resume or report what an earlier
 * attempt of this step started (H1), and queue behind anyone else's running operation (S1).
 */
import { attemptOf } from './operation-id';
import { ACTIVE_STATUSES, describeOperation, listOperations, listResults } from './api';
import {
  createStackSet,
  instanceOperation,
  updateStackSet,
  type OperationContext,
  type OperationRecord,
} from './operations';
import { crossProducts, type Rollout } from './rollout';
import { waitForIdle, waitForOperation } from '../../../src/cfn/stackset';

/**
 * H1: the operations earlier attempts of this step in this run started — followed to their end when still
 * running (a re-run after a cancelled job reports the same operation), read when finished — then every other
 * running operation waited for (queued). Returns the earlier attempts' operations and whether anything ran.
 */
export async function settleBefore(
  context: OperationContext,
): Promise<{ earlier: OperationRecord[]; waited: boolean }> {
  const { deps, ref, identity, deadline } = context;
  const operations = await listOperations(deps, ref);
  const earlier: OperationRecord[] = [];
  let waited = false;
  for (const summary of operations) {
    const attempt = attemptOf(identity, summary.OperationId);
    if (attempt === undefined || attempt >= identity.attempt) continue;
    const id = summary.OperationId as string;
    const phase = id.slice(identity.prefix.length).replace(/^\d+-/, '');
    let operation = await describeOperation(deps, ref, id);
    if (ACTIVE_STATUSES.has(operation.Status ?? '')) {
      deps.log.info(
        `Operation ${id} (${phase}) started by attempt ${attempt} of this run is ${operation.Status}: following it to its end instead of starting another.`,
      );
      operation = await waitForOperation(deps, ref, id, deadline);
      waited = true;
    } else {
      deps.log.info(
        `Operation ${id} (${phase}) of attempt ${attempt} of this run ended ${operation.Status ?? 'unknown'}.`,
      );
    }
    earlier.push({
      operationId: id,
      phase,
      operation,
      results: await listResults(deps, ref, id),
      earlierAttempt: attempt,
    });
  }
  const others = await waitForIdle(deps, ref, deadline);
  return { earlier, waited: waited || others.length > 0 };
}

/** Did CloudFormation end this operation before finishing the rollout? */
function stopped(record: OperationRecord): boolean {
  return ['FAILED', 'STOPPED'].includes(record.operation.Status ?? '');
}

/** Run the rollout's operations in order; returns the stack set id (when created) and every operation run. */
export async function applyRollout(
  context: OperationContext,
  rollout: Rollout,
  operations: OperationRecord[],
): Promise<{ stackSetId?: string }> {
  let stackSetId: string | undefined;
  const run = async (record: () => Promise<OperationRecord>): Promise<boolean> => {
    const done = await record();
    operations.push(done);
    return !stopped(done);
  };
  if (!rollout.exists) stackSetId = await createStackSet(context, rollout);
  else if (rollout.settingsChanged.length > 0) {
    context.deps.log.info(
      `Updating stack set ${context.ref.StackSetName}: ${rollout.settingsChanged.join(', ')}.`,
    );
    if (!(await run(() => updateStackSet(context, rollout)))) return { stackSetId };
  }
  const phases: Array<[string, Parameters<typeof instanceOperation>[1], Rollout['create']]> = [
    ['create', 'create', rollout.create],
    ['update-instances', 'update', rollout.outdated],
    ['delete', 'delete', context.inputs.removeStaleInstances ? rollout.stale : []],
  ];
  for (const [name, kind, targets] of phases) {
    const groups = crossProducts(targets);
    for (const [index, group] of groups.entries()) {
      context.deps.log.info(`${name}: ${group.accounts.join(', ')} × ${group.regions.join(', ')}.`);
      if (!(await run(() => instanceOperation(context, kind, `${name}-${index + 1}`, group))))
        return { stackSetId };
    }
  }
  return { stackSetId };
}
