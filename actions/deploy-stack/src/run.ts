/**
 * deploy-stack as a straight pipeline. Each step is a plain function that returns what the next one takes:
 *
 *   parseInputs → preflightInputs → templateFacts → (mask NoEcho, account guard) → readStack
 *     → resolveStackState → createPlan → rollback preflight → renderPlan → gate → execute → publish(outcome)
 *
 * Nothing that changes anything on AWS is sent before every check that can be made has passed (L1). The change
 * set is tracked (and its cleanup registered with the job's cancellation) before CreateChangeSet is sent.
 * publish(outcome) also runs after a failure, then the error is rethrown (runAction prints one line).
 */
import { CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { trackChangeSet, type CleanupResult, type TrackedChangeSet } from '../../../src/cfn/lifecycle';
import { maskNoEchoOverrides, type NoEchoMasking } from '../../../src/cfn/noecho';
import type { DescribeChangeSetOutputAll } from '../../../src/cfn/changeset';
import { errorMessage, GuardError } from '../../../src/errors';
import type { PlanResult } from '../../../src/plan';
import { proxyConfig, proxyCredentials } from '../../../src/proxy';
import type { Runtime } from '../../../src/runtime';
import { accountGuard } from '../../../src/account-guard';
import { createPlan, type ChangeSetPlan } from './change-set';
import { execute, ExecutionFailed } from './execute';
import { checkReviewedChangeSet, readReviewedChangeSet, verifyPlanDigest } from './execute-only';
import { gate, noteNestedBlindSpot, renderPlan } from './gate';
import * as guards from './guards';
import { parseInputs, type DeployInputs } from './inputs';
import { accountOf, outputsOf, type DeployDeps, type DeployOutcome, type DeployResult } from './outcome';
import { deleteSupersededPlans } from './plan-record';
import { preflightInputs, templateFacts, unparsedNote, type TemplateFacts } from './preflight-inputs';
import { publish, type Published } from './publish';
import { runRollbackPreflight, type PreflightResult } from './rollback-preflight';
import { readStack, resolveStackState, type StackState } from './stack-state';

/** The dependencies every step takes, built from the runtime (S3/STS load lazily, through rt.aws). */
export function deployDeps(rt: Runtime, region: string): DeployDeps {
  const extra = () => import('../../../src/aws-extra');
  return {
    cfn: rt.aws(CloudFormationClient, region),
    s3: async () => {
      const aws = await extra();
      return aws.s3Ops(rt.aws(aws.S3Client, region));
    },
    sts: async () => {
      const aws = await extra();
      return aws.stsOps(rt.aws(aws.STSClient, region));
    },
    log: rt.log,
    clock: rt.clock,
    cancel: rt.cancel,
    env: rt.env,
  };
}

/** What the pipeline knew when it stopped: enough to publish an honest outcome after a failure. */
interface Known {
  accountId?: string;
  state?: StackState;
  changeSet?: DescribeChangeSetOutputAll;
  stackId?: string;
  preflight?: PreflightResult;
  plan?: PlanResult;
  /** P1: the digest of the change set's changes (the plan's, or the reviewed one's verified digest). */
  planDigest?: string;
  notes: string[];
  /** O1 and the safety rails (guards.ts): their dependencies and what they learnt before the plan. */
  guard?: { deps: guards.GuardDeps; state: guards.GuardState };
}

/** H2 refused the plan: a failure whose published result is `refused`. */
class Refused extends GuardError {}

/** One run of the pipeline: the outcome (also after a failure), the error if any, and what was published. */
export interface DeployRun {
  outcome: DeployOutcome;
  error?: unknown;
  published: Published;
}

/** The action: the pipeline's outcome, or its error (after the outcome was published). */
export async function runWith(rt: Runtime): Promise<DeployOutcome> {
  const run = await deployStack(rt);
  if (run.error !== undefined) throw run.error;
  return run.outcome;
}

/**
 * Run the pipeline and publish its outcome. Input errors (parseInputs) throw before anything is published;
 * every later error is caught, the change set cleaned up, the failed outcome published and returned.
 */
export async function deployStack(rt: Runtime): Promise<DeployRun> {
  const inputs = parseInputs(rt.inputs, rt.env, rt.clock.now());
  rt.out.addSecret(inputs.githubToken);
  // C3: a proxy password (input or environment) is never printed by us; registered all the same.
  for (const credential of proxyCredentials(proxyConfig(rt.env, rt.inputs('http-proxy') || undefined)))
    rt.out.addSecret(credential);
  const deps = deployDeps(rt, inputs.region);
  const known: Known = { notes: [] };
  // Tracked (and its cleanup registered with the cancellation) before anything is sent.
  const tracked =
    inputs.mode === 'execute-only' ? undefined : trackChangeSet(deps, inputs.stackName, inputs.changeSetName);
  try {
    const facts = await templateFacts(deps, inputs, preflightInputs(inputs));
    // C3: NoEcho values are registered before the first log line.
    const masking = maskNoEchoOverrides(rt.out, facts.parameters, inputs.parameterOverrides);
    const unparsed = unparsedNote(facts);
    if (unparsed) deps.log.info(unparsed);
    known.accountId = await accountGuard(deps, {
      expectedAccountId: inputs.expectedAccountId,
      subject: `stack ${inputs.stackName}`,
    });
    // The stack is read while the deploy order is decided (both are reads): one round trip, not two.
    const stackRead = tracked ? readStack(deps, inputs.stackName) : undefined;
    // Its failure is taken where it is awaited (deployTemplate); a refusal of the order below leaves it unread.
    stackRead?.catch(() => undefined);
    // O1: the deploy order is decided before any change set is created (guards.ts).
    const guardDeps = guards.guardDeps(rt, inputs, deps);
    known.guard = { deps: guardDeps, state: await guards.beforePlan(guardDeps, inputs, known.notes) };
    const outcome =
      tracked && stackRead
        ? await deployTemplate(deps, inputs, { facts, masking, known, tracked, stackRead })
        : await executeReviewed(deps, inputs, masking, known);
    return { outcome, published: await publish(rt, inputs, outcome) };
  } catch (error) {
    const cleanup = tracked ? await tracked.cleanup('the deploy did not complete') : undefined;
    const outcome = failedOutcome(inputs, known, error, cleanup);
    return { outcome, error, published: await publish(rt, inputs, outcome) };
  } finally {
    tracked?.release();
  }
}

interface TemplateRun {
  facts: TemplateFacts;
  masking: NoEchoMasking;
  known: Known;
  tracked: TrackedChangeSet;
  /** DescribeStacks, sent while the deploy order was decided. */
  stackRead: Promise<Stack | undefined>;
}

/**
 * The plan as reviewers see it, and the gate: render it, add the guards' notes (stack policy, rollback triggers)
 * and the nested-stack blind spot, then H2. Returns the reason to refuse executing, or undefined.
 */
async function reviewPlan(
  deps: DeployDeps,
  inputs: DeployInputs,
  known: Known,
  changeSet: DescribeChangeSetOutputAll,
  stack: Stack | undefined,
  masking: NoEchoMasking,
): Promise<string | undefined> {
  known.plan = await renderPlan(deps, inputs, changeSet, { accountId: known.accountId, masking });
  const guard = known.guard as NonNullable<Known['guard']>;
  known.notes.push(...(await guards.planNotes(guard.deps, inputs, guard.state, stack, changeSet.Changes)));
  noteNestedBlindSpot(deps.log, inputs, changeSet, known.notes);
  return gate(inputs, known.plan, changeSet);
}

/** create-and-execute / create-only: a change set of our own for the template. */
async function deployTemplate(
  deps: DeployDeps,
  inputs: DeployInputs,
  { facts, masking, known, tracked, stackRead }: TemplateRun,
): Promise<DeployOutcome> {
  const state = await resolveStackState(deps, inputs, facts, await stackRead);
  known.state = state;
  known.notes.push(...state.notes);
  const plan = await createPlan(deps, inputs, facts, state, tracked);
  if (plan.kind === 'empty') return noChanges(deps, inputs, known, plan);
  known.changeSet = plan.changeSet;
  known.stackId = plan.stackId;
  known.planDigest = plan.digest;
  known.accountId ??= accountOf(plan.stackId);
  if (state.stack && inputs.rollbackPreflight !== 'off')
    known.preflight = await runRollbackPreflight(deps, inputs, state.stack, known.accountId);
  const guard = known.guard as NonNullable<Known['guard']>;
  const refusal = await reviewPlan(deps, inputs, known, plan.changeSet, state.stack, masking);
  if (inputs.mode === 'create-only') {
    tracked.keep();
    deps.log.info(
      `mode: create-only — change set ${plan.changeSet.ChangeSetId} is kept for review and not executed.`,
    );
    const note = await deleteSupersededPlans(deps, inputs, tracked.id as string, plan.description);
    if (note) known.notes.push(note);
    return {
      ...changeSetPart(inputs, known),
      result: 'planned',
      stackStatus: state.stack?.StackStatus ?? 'REVIEW_IN_PROGRESS',
    };
  }
  if (refusal) throw new Refused(refusal);
  const stackRef = plan.stackId ?? inputs.stackName;
  await guards.beforeExecute(guard.deps, inputs, guard.state, state.type, stackRef, known.notes);
  const stack = await execute(
    deps,
    inputs,
    { changeSetId: tracked.id as string, type: state.type, before: state.stack, stackId: plan.stackId },
    tracked,
  );
  await guards.afterExecute(guard.deps, inputs, guard.state, state.type, stack, known.notes);
  return finished(deps, inputs, known, stack, state.type);
}

/**
 * execute-only (P1): the reviewed change set, resolved to its id, after every check — its digest (recorded and
 * expected), its status, the stack unchanged, and the destructive gate as in create-and-execute.
 */
async function executeReviewed(
  deps: DeployDeps,
  inputs: DeployInputs,
  masking: NoEchoMasking,
  known: Known,
): Promise<DeployOutcome> {
  known.changeSet = await readReviewedChangeSet(deps, inputs);
  const reviewed = await checkReviewedChangeSet(deps, inputs, known.changeSet);
  known.state = { stack: reviewed.stack, type: reviewed.type, notes: [] };
  known.stackId = reviewed.changeSet.StackId ?? reviewed.stack?.StackId;
  known.planDigest = await verifyPlanDigest(deps, inputs, reviewed.changeSet);
  deps.log.info(
    `Change set ${reviewed.changeSet.ChangeSetId} is the reviewed plan (digest ${known.planDigest}).`,
  );
  if (reviewed.stack && reviewed.type === 'UPDATE' && inputs.rollbackPreflight !== 'off')
    known.preflight = await runRollbackPreflight(deps, inputs, reviewed.stack, known.accountId);
  const guard = known.guard as NonNullable<Known['guard']>;
  const refusal = await reviewPlan(deps, inputs, known, reviewed.changeSet, reviewed.stack, masking);
  if (refusal) throw new Refused(refusal);
  const stackRef = known.stackId ?? inputs.stackName;
  await guards.beforeExecute(guard.deps, inputs, guard.state, reviewed.type, stackRef, known.notes);
  const stack = await execute(deps, inputs, {
    changeSetId: reviewed.changeSet.ChangeSetId as string,
    type: reviewed.type,
    before: reviewed.stack,
    stackId: known.stackId,
  });
  await guards.afterExecute(guard.deps, inputs, guard.state, reviewed.type, stack, known.notes);
  return finished(deps, inputs, known, stack, reviewed.type);
}

function changeSetPart(
  inputs: DeployInputs,
  known: Known,
): Omit<DeployOutcome, 'result'> & { result?: DeployOutcome['result'] } {
  const changeSet = known.changeSet;
  return {
    stackName: inputs.stackName,
    stackId: known.stackId ?? known.state?.stack?.StackId,
    stackStatus: known.state?.stack?.StackStatus,
    changeSetId: changeSet?.ChangeSetId,
    changeSetName:
      changeSet?.ChangeSetName ??
      (known.state && inputs.mode !== 'execute-only' ? inputs.changeSetName : undefined),
    changeSetType: known.state?.type,
    hasChanges: !!changeSet,
    changesCount: changeSet?.Changes.length ?? 0,
    changes: changeSet?.Changes ?? [],
    outputs: {},
    accountId: known.accountId ?? accountOf(known.stackId ?? known.state?.stack?.StackId),
    preflight: known.preflight,
    plan: known.plan,
    planDigest: known.planDigest,
    notes: known.notes,
  };
}

function finished(
  deps: DeployDeps,
  inputs: DeployInputs,
  known: Known,
  stack: Stack,
  type: 'CREATE' | 'UPDATE',
): DeployOutcome {
  deps.log.info(`Stack ${inputs.stackName} is ${stack.StackStatus}.`);
  const result: DeployResult = type === 'CREATE' ? 'created' : 'updated';
  return {
    ...changeSetPart(inputs, known),
    result,
    stackId: stack.StackId,
    stackStatus: stack.StackStatus,
    outputs: outputsOf(stack),
    accountId: known.accountId ?? accountOf(stack.StackId),
  };
}

/** M1: nothing to deploy is success (unless fail-on-empty-changeset). */
function noChanges(
  deps: DeployDeps,
  inputs: DeployInputs,
  known: Known,
  plan: Extract<ChangeSetPlan, { kind: 'empty' }>,
): DeployOutcome {
  deps.log.info(`No changes for stack ${inputs.stackName} (${plan.reason.trim()}). Nothing to deploy.`);
  known.notes.push(...guards.stackNotes(plan.stack, inputs));
  if (inputs.failOnEmptyChangeset) {
    throw new GuardError(
      `The change set for stack ${inputs.stackName} contains no changes and fail-on-empty-changeset is true.`,
    );
  }
  return {
    ...changeSetPart(inputs, known),
    result: 'no-changes',
    changeSetId: plan.changeSetId,
    stackId: plan.stack?.StackId ?? plan.stackId,
    stackStatus: plan.stack?.StackStatus,
    outputs: outputsOf(plan.stack),
    accountId: known.accountId ?? accountOf(plan.stack?.StackId),
    cleanup: plan.cleanup,
  };
}

/** What is published after an error: everything known so far, why it failed, and what cleanup did. */
function failedOutcome(
  inputs: DeployInputs,
  known: Known,
  error: unknown,
  cleanup: CleanupResult | undefined,
): DeployOutcome {
  const part = changeSetPart(inputs, known);
  return {
    ...part,
    result: error instanceof Refused ? 'refused' : 'failed',
    stackStatus: error instanceof ExecutionFailed ? error.stackStatus : part.stackStatus,
    cleanup,
    error: errorMessage(error),
  };
}
