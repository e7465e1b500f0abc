/**
 * deploy-stack's hooks for the deploy-order guard (O1) and the safety rails. run.ts calls four of them:
 *
 *   beforePlan    read the deploy record, decide the order (refuse under enforce), say what was deployed last
 *   planNotes     the rollback triggers, and the changes the stack policy in force would deny
 *   beforeExecute re-read the record (another run may have deployed meanwhile); SetStackPolicy before an update
 *   afterExecute  SetStackPolicy after a create; write the record; termination protection in the summary
 *
 * The commit being deployed is the one checked out (`git rev-parse HEAD` in the template's repository), else
 * GITHUB_SHA — on pull_request events both are the PR's test merge commit unless actions/checkout was given
 * another ref. Only full hexadecimal SHAs are used.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Change, Stack } from '@aws-sdk/client-cloudformation';
import {
  decideAncestry,
  decideOrder,
  gitRunner,
  headCommit,
  type GitRunner,
  type OrderDecision,
} from '../../../src/deploy-order';
import {
  isAccessDenied,
  isCommitSha,
  recordName,
  recordOf,
  ssmRecordStore,
  type DeployRecord,
  type RecordRead,
  type RecordStore,
} from '../../../src/deploy-record';
import { code, escapeMarkdown } from '../../../src/escape';
import { errorMessage, GuardError } from '../../../src/errors';
import { workspaceRoot } from '../../../src/inputs';
import type { Octokit } from '../../../src/pr-comment';
import type { Runtime } from '../../../src/runtime';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';
import {
  applyStackPolicy,
  currentStackPolicy,
  denialWarning,
  policyDenials,
  rollbackNote,
  terminationNote,
} from './rails';

export interface GuardDeps extends Pick<DeployDeps, 'cfn' | 'log' | 'clock' | 'env'> {
  records: RecordStore;
  git?: GitRunner;
  github?: () => Promise<Octokit>;
}

export function guardDeps(rt: Runtime, inputs: DeployInputs, deps: DeployDeps): GuardDeps {
  const token = inputs.githubToken;
  return {
    cfn: deps.cfn,
    log: deps.log,
    clock: deps.clock,
    env: deps.env,
    records: ssmRecordStore(rt.aws, inputs.region),
    git: gitRunner(rt.env),
    github: token ? () => rt.github(token) : undefined,
  };
}

/** What the guards learnt before the plan, for the later hooks. */
export interface GuardState {
  recordName: string;
  /** The commit being deployed, when known. */
  current?: string;
  /** The record as first read (the re-check before executing compares with it). */
  read?: RecordRead;
  decision?: OrderDecision;
  /** The stack's policy as read for the plan (normalised; body undefined: none, or it could not be read). */
  policy?: { body?: string };
}

function gitDir(inputs: DeployInputs, env: NodeJS.ProcessEnv): string {
  return inputs.template?.kind === 'file' ? path.dirname(inputs.template.path) : workspaceRoot(env);
}

async function currentCommit(deps: GuardDeps, inputs: DeployInputs): Promise<string | undefined> {
  const head = deps.git ? await headCommit(deps.git, gitDir(inputs, deps.env)) : undefined;
  const sha = deps.env.GITHUB_SHA;
  if (head && sha && head !== sha)
    deps.log.debug(`Deploy order: HEAD is ${head}, GITHUB_SHA is ${sha}; using HEAD (what is checked out).`);
  if (head) return head;
  if (sha && !isCommitSha(sha))
    deps.log.info('Deploy order (O1): GITHUB_SHA is not a full commit SHA; it is not used.');
  return isCommitSha(sha) ? sha : undefined;
}

/** "Last deployed: commit, run, time" — every field was validated when the record was parsed. */
export function lastDeployedNote(record: DeployRecord): string {
  const run = record.runId
    ? `, run ${code(record.runId)}${record.runAttempt ? ` (attempt ${record.runAttempt})` : ''}`
    : '';
  const repository = record.repository ? ` of ${code(record.repository)}` : '';
  return `Last deployed: commit ${code(record.commit.slice(0, 12))}${run}${repository}, at ${code(record.time)}.`;
}

async function decide(
  deps: GuardDeps,
  inputs: DeployInputs,
  state: GuardState,
  read: RecordRead,
): Promise<OrderDecision> {
  const repository = deps.env.GITHUB_REPOSITORY;
  return decideOrder({
    mode: inputs.guards.deployOrder,
    allowOlderCommit: inputs.guards.allowOlderCommit,
    advisory: inputs.mode === 'create-only',
    stackName: inputs.stackName,
    recordName: state.recordName,
    read,
    current: state.current,
    repository,
    ancestry: (recorded, current) =>
      decideAncestry(
        { git: deps.git, dir: gitDir(inputs, deps.env), github: deps.github, repository },
        recorded,
        current,
      ),
  });
}

function report(deps: GuardDeps, decision: OrderDecision, notes: string[]): void {
  if (decision.verdict === 'refuse') throw new GuardError(decision.message);
  if (decision.verdict === 'warn') {
    deps.log.warning(decision.message);
    notes.push(`⚠️ ${escapeMarkdown(decision.message)}`);
  } else deps.log.info(decision.message);
}

/** Before the change set is created (or the reviewed one executed): the order, and what was deployed last. */
export async function beforePlan(
  deps: GuardDeps,
  inputs: DeployInputs,
  notes: string[],
): Promise<GuardState> {
  const { guards } = inputs;
  const state: GuardState = { recordName: recordName(guards.deployRecordPrefix, inputs.stackName) };
  if (guards.deployOrder === 'off' && guards.deployRecord === 'off') return state;
  state.current = await currentCommit(deps, inputs);
  if (guards.deployOrder === 'off') return state;
  if (!state.current && guards.deployOrder !== 'enforce') {
    deps.log.info(
      'Deploy order (O1): the commit being deployed is unknown (not in a git checkout, no GITHUB_SHA): not checked.',
    );
    return state;
  }
  state.read = await deps.records.read(state.recordName);
  state.decision = await decide(deps, inputs, state, state.read);
  if (state.decision.last) notes.push(lastDeployedNote(state.decision.last));
  report(deps, state.decision, notes);
  return state;
}

/**
 * GetStackPolicy, never fatal: without cloudformation:GetStackPolicy the plan cannot check the stack's own
 * policy (a debug line), and a given stack-policy is then set without comparing (a warning says why).
 */
async function readPolicy(deps: GuardDeps, stack: string, given: boolean): Promise<{ body?: string }> {
  try {
    return { body: await currentStackPolicy(deps.cfn, stack) };
  } catch (error) {
    const message = `Could not read the stack policy of ${stack} (${errorMessage(error)})`;
    if (given) deps.log.warning(`${message}: stack-policy is set without comparing.`);
    else deps.log.debug(`${message}: the plan does not check it.`);
    return {};
  }
}

/** Notes for the plan: rollback triggers, and the changes the stack policy in force would deny. */
export async function planNotes(
  deps: GuardDeps,
  inputs: DeployInputs,
  state: GuardState,
  stack: Stack | undefined,
  changes: Change[],
): Promise<string[]> {
  const notes: string[] = [];
  const rollback = rollbackNote(inputs.guards);
  if (rollback) notes.push(rollback);
  const given = inputs.guards.stackPolicy;
  if (stack?.StackId && changes.length) {
    // The policy in force while the update runs: ours when given (set before executing), else the stack's.
    state.policy = await readPolicy(deps, stack.StackId, !!given);
    const policy = given ?? state.policy?.body;
    const warning =
      policy &&
      denialWarning(
        inputs.stackName,
        policyDenials(policy, changes),
        given ? 'stack-policy' : "the stack's current policy",
      );
    if (warning) {
      deps.log.warning(warning);
      notes.push(`⚠️ ${escapeMarkdown(warning)}`);
    }
  }
  return notes;
}

/** Right before ExecuteChangeSet: the order again if the record moved; the stack policy before an update. */
export async function beforeExecute(
  deps: GuardDeps,
  inputs: DeployInputs,
  state: GuardState,
  type: 'CREATE' | 'UPDATE',
  stackRef: string,
  notes: string[],
): Promise<void> {
  if (state.read && state.decision && inputs.guards.deployOrder !== 'off') {
    const again = await deps.records.read(state.recordName);
    const before = state.read.kind === 'found' ? state.read.record.commit : undefined;
    const now = again.kind === 'found' ? again.record.commit : undefined;
    if (now && now !== before) {
      deps.log.info(
        `Deploy order (O1): the record of ${inputs.stackName} changed since the plan (now ${now.slice(0, 12)}): checking again.`,
      );
      state.read = again;
      state.decision = await decide(deps, inputs, state, again);
      report(deps, state.decision, notes);
    }
  }
  const policy = inputs.guards.stackPolicy;
  if (type === 'UPDATE' && policy) {
    const current = (state.policy ?? (await readPolicy(deps, stackRef, true))).body;
    if (await applyStackPolicy(deps.cfn, stackRef, policy, current))
      deps.log.info(`Stack policy of ${inputs.stackName} set from stack-policy before the update.`);
    else deps.log.info(`Stack policy of ${inputs.stackName} already matches stack-policy.`);
  }
}

/** Notes about the stack itself for the summary (termination protection), also when nothing changed. */
export function stackNotes(
  stack: Stack | undefined,
  inputs: DeployInputs,
  type: 'CREATE' | 'UPDATE' = 'UPDATE',
): string[] {
  const note = terminationNote(stack, type, inputs.terminationProtection);
  return note ? [note] : [];
}

function templateDigest(inputs: DeployInputs): string | undefined {
  const template = inputs.template;
  return template?.kind === 'file'
    ? `sha256:${createHash('sha256').update(template.body).digest('hex')}`
    : undefined;
}

/** After a successful execution: the policy after a create, the record, termination protection. */
export async function afterExecute(
  deps: GuardDeps,
  inputs: DeployInputs,
  state: GuardState,
  type: 'CREATE' | 'UPDATE',
  stack: Stack,
  notes: string[],
): Promise<void> {
  const policy = inputs.guards.stackPolicy;
  const stackRef = stack.StackId ?? inputs.stackName;
  if (type === 'CREATE' && policy) {
    await applyStackPolicy(deps.cfn, stackRef, policy, undefined);
    deps.log.info(`Stack policy of ${inputs.stackName} set from stack-policy after the create.`);
  }
  notes.push(...stackNotes(stack, inputs, type));
  if (inputs.guards.deployRecord !== 'ssm' || !state.current) return;
  const record = recordOf(state.current, deps.env, deps.clock.now(), templateDigest(inputs));
  try {
    await deps.records.write(state.recordName, record);
    deps.log.info(`Deploy record ${state.recordName} now says ${record.commit.slice(0, 12)} (O1).`);
  } catch (error) {
    const why = isAccessDenied(error)
      ? `writing it was denied (the role needs ssm:PutParameter on ${state.recordName})`
      : errorMessage(error);
    const message = `Deploy record (O1): ${inputs.stackName} was deployed, but the record ${state.recordName} was not written: ${why}. The next deploy cannot tell whether it goes backwards.`;
    deps.log.warning(message);
    notes.push(`⚠️ ${escapeMarkdown(message)}`);
  }
}
