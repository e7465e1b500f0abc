/**
 * deploy-stackset as a straight pipeline:
 *
 *   parseInputs (L1) → mask NoEcho (C3) → account guard (C2) → read the stack set → settle earlier attempts'
 *   and others' operations (H1, S1) → planRollout → renderPlan → gate (H2) → [create-only: stop] → apply
 *   (one idempotent operation at a time) → per-instance results → failure-tolerance → publish(outcome)
 *
 * Nothing that changes anything is sent before every check that can be made has passed. publish(outcome)
 * also runs after a failure, then the error is rethrown (runAction prints one line).
 */
import {
  CloudFormationClient,
  type StackInstanceSummary,
  type StackSet,
} from '@aws-sdk/client-cloudformation';
import { maskNoEchoOverrides, type NoEchoMasking } from '../../../src/cfn/noecho';
import { errorMessage, GuardError } from '../../../src/errors';
import type { Runtime } from '../../../src/runtime';
import { accountGuard } from '../../../src/account-guard';
import { listInstances, readStackSet, type StackSetDeps, type StackSetRef } from './api';
import { applyRollout, settleBefore } from './apply';
import { parseInputs, type StackSetInputs } from './inputs';
import { runIdentity } from './operation-id';
import type { OperationContext, OperationRecord } from './operations';
import { gateRefusal, renderStackSetPlan } from './plan';
import { instanceRows, publish, toleranceVerdict, type Published, type StackSetOutcome } from './report';
import { hasWork, planRollout } from './rollout';

/** The dependencies every step takes, built from the runtime. */
export function stackSetDeps(rt: Runtime, region: string): StackSetDeps {
  return {
    cfn: rt.aws(CloudFormationClient, region),
    sts: async () => {
      const aws = await import('../../../src/aws-extra');
      return aws.stsOps(rt.aws(aws.STSClient, region));
    },
    log: rt.log,
    clock: rt.clock,
    cancel: rt.cancel,
    env: rt.env,
  };
}

/** H2 refused the rollout: a failure whose published result is `refused`. */
class Refused extends GuardError {}

export interface StackSetRun {
  outcome: StackSetOutcome;
  error?: unknown;
  published: Published;
}

/** The action: the outcome, or its error (after the outcome was published). */
export async function runWith(rt: Runtime): Promise<StackSetOutcome> {
  const run = await deployStackSet(rt);
  if (run.error !== undefined) throw run.error;
  return run.outcome;
}

/** The account id in a stack set ARN. */
function accountOf(arn: string | undefined): string | undefined {
  return /^arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:(\d{12}):/.exec(arn ?? '')?.[1];
}

/** Run the pipeline and publish its outcome. Input errors throw before anything is published. */
export async function deployStackSet(rt: Runtime): Promise<StackSetRun> {
  const inputs = parseInputs(rt.inputs, rt.env);
  rt.out.addSecret(inputs.githubToken);
  // C3: NoEcho values are registered before the first log line.
  const masking = maskNoEchoOverrides(rt.out, inputs.parameters, inputs.parameterOverrides);
  const deps = stackSetDeps(rt, inputs.region);
  const outcome: StackSetOutcome = { result: 'failed', operations: [], instances: [], notes: [] };
  try {
    outcome.accountId = await accountGuard(deps, {
      expectedAccountId: inputs.expectedAccountId,
      subject: `stack set ${inputs.stackSetName}`,
    });
    await rollOut(deps, inputs, masking, outcome);
    return { outcome, published: await publish(rt, inputs, outcome) };
  } catch (error) {
    outcome.result = error instanceof Refused ? 'refused' : 'failed';
    outcome.error = errorMessage(error);
    return { outcome, error, published: await publish(rt, inputs, outcome) };
  }
}

/** Read the stack set and its instances. */
async function readState(
  deps: StackSetDeps,
  ref: StackSetRef,
): Promise<{ current?: StackSet; instances: StackInstanceSummary[] }> {
  const current = await readStackSet(deps, ref);
  return { current, instances: current ? await listInstances(deps, ref) : [] };
}

/** The pipeline after the guards; fills `outcome` as it goes (so a failure still reports what was known). */
async function rollOut(
  deps: StackSetDeps,
  inputs: StackSetInputs,
  masking: NoEchoMasking,
  outcome: StackSetOutcome,
): Promise<void> {
  const ref: StackSetRef = { StackSetName: inputs.stackSetName, CallAs: inputs.callAs };
  const now = deps.clock.now();
  const context: OperationContext = {
    deps,
    ref,
    inputs,
    identity: runIdentity(deps.env, now),
    deadline: { start: now, ms: inputs.waitTimeoutMs },
  };
  let state = await readState(deps, ref);
  const earlier: OperationRecord[] = [];
  if (state.current && inputs.mode === 'create-and-execute') {
    const settled = await settleBefore(context);
    earlier.push(...settled.earlier);
    if (settled.waited) state = await readState(deps, ref);
  }
  outcome.stackSetId = state.current?.StackSetId;
  outcome.accountId ??= accountOf(state.current?.StackSetARN);
  outcome.operations.push(...earlier);
  const rollout = planRollout(inputs, state.current, state.instances);
  outcome.notes.push(...rollout.notes);
  outcome.plan = renderStackSetPlan(inputs, deps.env, {
    ...state,
    rollout,
    masking,
    account: outcome.accountId,
  });
  const refusal = gateRefusal(inputs, outcome.plan, rollout);
  if (inputs.mode === 'create-only') {
    outcome.result = 'planned';
    outcome.instances = instanceRows(state.instances, []);
    if (refusal) outcome.notes.push(`An apply of this plan would be refused: ${refusal}`);
    deps.log.info(
      `mode: create-only — plan for stack set ${inputs.stackSetName} written; nothing was changed.`,
    );
    return;
  }
  if (refusal) throw new Refused(refusal);
  if (!hasWork(rollout, inputs)) {
    deps.log.info(`Stack set ${inputs.stackSetName} and its instances are up to date: no operation started.`);
    outcome.result = 'no-changes';
    outcome.instances = instanceRows(state.instances, earlier);
    return;
  }
  const mine: OperationRecord[] = [];
  try {
    const applied = await applyRollout(context, rollout, mine);
    outcome.stackSetId ??= applied.stackSetId;
    if (!rollout.exists) {
      const created = await readStackSet(deps, ref).catch(() => undefined);
      outcome.stackSetId ??= created?.StackSetId;
      outcome.accountId ??= accountOf(created?.StackSetARN);
    }
  } finally {
    outcome.operations.push(...mine);
    outcome.instances = instanceRows(await listInstances(deps, ref).catch(() => state.instances), [
      ...earlier,
      ...mine,
    ]);
  }
  const verdict = toleranceVerdict(outcome.instances, mine, inputs.failureTolerance);
  if (verdict.message) deps.log.info(verdict.message);
  if (!verdict.ok) throw new GuardError(verdict.message);
  outcome.result = rollout.exists ? 'updated' : 'created';
}
