/**
 * One stack, end to end: DescribeStacks (skip *_IN_PROGRESS, a missing stack is this stack's error), NoEcho
 * masking (C3), drift detection, the drift-aware change set (REVERT_DRIFT) and its three-way classification,
 * an optional gated revert, and — always, awaited — deletion of the change set unless it was executed.
 * Never throws: an error is recorded on this stack's report so other stacks' results survive.
 */
import {
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateSummaryCommand,
  type Change,
  type CloudFormationClient,
  type CreateChangeSetCommandInput,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { Clock } from '../../../src/clock';
import { errorMessage, GuardError } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import { maskSecret, redact, type Masker } from '../../../src/mask';
import { pollUntil } from '../../../src/poll';
import { renderPlan } from '../../../src/plan';
import { destructiveRefusal } from '../../../src/plan-report';
import { buildParameters } from '../../../src/cfn/parameters';
import { describeStack } from '../../../src/cfn/stack';
import { createChangeSet, deleteChangeSet, waitForChangeSet } from '../../../src/cfn/changeset';
import { classifyChangeSet, type Classification } from './classify';
import { detectDrift, detectionDrifted, send, type DetectionResult } from './detect';
import type { DriftInputs } from './inputs';

export interface DriftDeps {
  cfn: CloudFormationClient;
  log: Logger;
  clock: Clock;
  mask: Masker;
  /** Change sets created and not yet deleted or executed (main deletes them on SIGINT/SIGTERM). */
  pending?: Map<string, { id: string; stack: string }>;
}

export type StackVerdict =
  'overwrite' | 'error' | 'detection-failed' | 'drifted' | 'reverted' | 'in-sync' | 'skipped';

/** Worst first (summary order). */
export const STACK_VERDICT_ORDER: StackVerdict[] = [
  'overwrite',
  'error',
  'detection-failed',
  'drifted',
  'reverted',
  'skipped',
  'in-sync',
];

export interface ChangeSetReport {
  name: string;
  id?: string;
  /** ready: has changes; empty: nothing to revert (either shape); failed: CloudFormation could not create it. */
  status: 'ready' | 'empty' | 'failed';
  reason?: string;
  stackDriftStatus?: string;
  deploymentMode?: string;
  changes: Change[];
  executed: boolean;
  deleted: boolean;
}

export interface StackReport {
  stack: string;
  verdict: StackVerdict;
  stackStatus?: string;
  drifted: boolean;
  detection?: DetectionResult;
  changeSet?: ChangeSetReport;
  classification?: Classification;
  noEchoParameters: string[];
  /** Values masked for this stack (NoEcho overrides and NoEcho-fed values in the change set). */
  secrets: string[];
  notes: string[];
  /** Why the revert was not executed (fail-on: overwrite, or the destructive-change gate). */
  refusal?: string;
  error?: string;
}

export function newStackReport(stack: string): StackReport {
  return { stack, verdict: 'in-sync', drifted: false, noEchoParameters: [], secrets: [], notes: [] };
}

function describeStackOf(deps: DriftDeps, stackName: string): Promise<Stack | undefined> {
  return describeStack(deps.cfn, stackName, (call) => send(deps.clock, call));
}

/** Parameter names and NoEcho names of the template the change set uses; masks NoEcho override values (C3). */
async function templateParams(
  deps: DriftDeps,
  inp: DriftInputs,
  stackName: string,
  r: StackReport,
): Promise<string[]> {
  let params: { name: string; noEcho: boolean }[];
  if (inp.templateParameters) params = inp.templateParameters;
  else {
    const input = inp.template?.kind === 'url' ? { TemplateURL: inp.template.url } : { StackName: stackName };
    const s = await send(deps.clock, () => deps.cfn.send(new GetTemplateSummaryCommand(input)));
    params = (s.Parameters ?? []).map((p) => ({ name: p.ParameterKey ?? '', noEcho: p.NoEcho === true }));
  }
  r.noEchoParameters = params.filter((p) => p.noEcho).map((p) => p.name);
  for (const o of inp.parameterOverrides) {
    if (o.value && r.noEchoParameters.includes(o.key)) {
      maskSecret(o.value, deps.mask);
      r.secrets.push(o.value);
    }
  }
  return params.map((p) => p.name);
}

/** Check one stack. Never throws. */
export async function checkStack(deps: DriftDeps, inp: DriftInputs, stackName: string): Promise<StackReport> {
  const r = newStackReport(stackName);
  try {
    await checkInner(deps, inp, stackName, r);
  } catch (e) {
    r.error = redact(errorMessage(e), r.secrets);
    deps.log.error(`Stack ${stackName}: ${r.error}`);
  }
  r.verdict = verdictOf(r);
  deps.log.info(`Stack ${stackName}: ${r.verdict}.`);
  return r;
}

export function verdictOf(r: StackReport): StackVerdict {
  if (r.changeSet?.executed) return r.error ? 'error' : 'reverted';
  if ((r.classification?.counts.overwrite ?? 0) > 0) return 'overwrite';
  if (r.error) return 'error';
  if (r.verdict === 'skipped') return 'skipped';
  if (r.detection?.status === 'DETECTION_FAILED') return 'detection-failed';
  return r.drifted ? 'drifted' : 'in-sync';
}

async function checkInner(
  deps: DriftDeps,
  inp: DriftInputs,
  stackName: string,
  r: StackReport,
): Promise<void> {
  const { log } = deps;
  const stack = await describeStackOf(deps, stackName);
  if (!stack)
    throw new GuardError(
      `Stack ${stackName} does not exist in ${inp.region}; check the name and the region.`,
    );
  r.stackStatus = stack.StackStatus;
  if (stack.StackStatus?.endsWith('_IN_PROGRESS')) {
    r.verdict = 'skipped';
    r.notes.push(
      `Skipped: the stack is ${stack.StackStatus} (another operation is running); drift cannot be checked now.`,
    );
    log.warning(
      `Stack ${stackName} is ${stack.StackStatus}: skipped (drift cannot be checked while an operation runs).`,
    );
    return;
  }
  log.info(`Stack ${stackName}: ${stack.StackStatus}.`);

  // C3: learn NoEcho names and mask override values before anything that could print them.
  const names = inp.mode === 'detect' ? undefined : await templateParams(deps, inp, stackName, r);

  if (inp.mode !== 'change-set') {
    log.info(`Detecting drift of stack ${stackName}.`);
    const d = await detectDrift(deps, stackName, inp.waitTimeoutMs);
    r.detection = d;
    if (d.status === 'DETECTION_FAILED') {
      r.notes.push(`Drift detection failed: ${d.reason ?? 'no reason given'}`);
      log.warning(
        `Drift detection of stack ${stackName} failed: ${redact(d.reason ?? 'no reason given', r.secrets)}`,
      );
    }
    if (detectionDrifted(d)) r.drifted = true;
    const notChecked = d.resources.filter((x) => x.status === 'NOT_CHECKED' || x.status === 'UNSUPPORTED');
    const drifted = d.resources.filter((x) => x.status === 'MODIFIED' || x.status === 'DELETED');
    log.info(
      `Stack ${stackName}: detection ${d.status}, stack ${d.stackDriftStatus ?? 'UNKNOWN'}, ${drifted.length} drifted, ${notChecked.length} not checked, ${d.resources.length} resource(s).`,
    );
    for (const x of drifted)
      log.info(
        `  ${x.logicalId} (${x.type}): ${x.status}${x.differences.length ? ` — ${x.differences.map((p) => p.path).join(', ')}` : ''}`,
      );
    for (const x of notChecked)
      log.info(`  ${x.logicalId} (${x.type}): ${x.status} — drift detection does not support this resource`);
  }

  if (inp.mode !== 'detect') await driftAwareChangeSet(deps, inp, stack, names ?? [], r);
}

async function driftAwareChangeSet(
  deps: DriftDeps,
  inp: DriftInputs,
  stack: Stack,
  names: string[],
  r: StackReport,
): Promise<void> {
  const { cfn, log, clock } = deps;
  const stackName = r.stack;
  const name = inp.changeSetNames[stackName] as string;
  const existing = (stack.Parameters ?? []).map((p) => p.ParameterKey as string);
  const templateArgs: Partial<CreateChangeSetCommandInput> =
    inp.template === undefined
      ? { UsePreviousTemplate: true }
      : inp.template.kind === 'url'
        ? { TemplateURL: inp.template.url }
        : { TemplateBody: inp.template.body };
  const input: CreateChangeSetCommandInput = {
    StackName: stackName,
    ChangeSetName: name,
    ChangeSetType: 'UPDATE',
    DeploymentMode: 'REVERT_DRIFT',
    Capabilities: inp.capabilities,
    Parameters: buildParameters(inp.parameterOverrides, names, existing),
    Description: `guarded-deploy drift-check ${process.env.GITHUB_SHA ? `commit ${process.env.GITHUB_SHA.slice(0, 12)}` : 'local run'}`,
    ...templateArgs,
  };
  log.info(
    `Creating drift-aware change set ${name} (REVERT_DRIFT, ${inp.template ? 'given template' : 'previous template'}) for stack ${stackName}.`,
  );
  const created = await send(clock, () => createChangeSet(cfn, input));
  if (created.kind === 'empty') {
    r.changeSet = {
      name,
      status: 'empty',
      reason: created.reason,
      changes: [],
      executed: false,
      deleted: true,
    };
    log.info(
      `Stack ${stackName}: the drift-aware change set is empty (${created.reason.trim()}); nothing to revert.`,
    );
    return;
  }
  const cs: ChangeSetReport = {
    name,
    id: created.id,
    status: 'ready',
    changes: [],
    executed: false,
    deleted: false,
  };
  r.changeSet = cs;
  deps.pending?.set(created.id, { id: created.id, stack: stackName });
  try {
    const state = await waitForChangeSet({
      cfn,
      changeSetId: created.id,
      stackName,
      clock,
      timeoutMs: inp.waitTimeoutMs,
      includePropertyValues: true,
    });
    cs.stackDriftStatus = state.description.StackDriftStatus;
    cs.deploymentMode = state.description.DeploymentMode;
    const changes = state.description.Changes;
    if (cs.stackDriftStatus === 'DRIFTED') r.drifted = true;
    if (state.kind === 'empty') {
      cs.status = 'empty';
      cs.reason = state.reason;
      log.info(
        `Stack ${stackName}: the drift-aware change set has no changes (${state.reason.trim()}); nothing to revert.`,
      );
      return;
    }
    if (state.kind === 'failed') {
      cs.status = 'failed';
      cs.reason = state.reason;
      throw new GuardError(
        `The drift-aware change set ${name} for stack ${stackName} failed: ${state.reason}`,
      );
    }
    const c = classifyChangeSet(changes, { noEchoParameters: r.noEchoParameters }, cs.stackDriftStatus);
    // Kept for the plan only once they classified cleanly (an unexpected shape must not break the report).
    cs.changes = changes;
    for (const v of c.secretValues) {
      maskSecret(v, deps.mask);
      r.secrets.push(v);
    }
    r.classification = c;
    if (c.drifted) r.drifted = true;
    log.info(
      `Stack ${stackName}: ${cs.changes.length} change(s); ${c.counts.overwrite} overwrite, ${c.counts.revert} revert, ${c.counts.sync} sync, ${c.counts.recreate} recreate.`,
    );
    for (const row of c.rows.filter((x) => x.verdict === 'overwrite')) {
      log.warning(
        `Stack ${stackName}: ${row.logicalId}.${row.property} would be overwritten: previous ${row.previous ?? '(unset)'}, live ${row.live ?? '(unset)'}, proposed ${row.proposed ?? '(unset)'} (D1).`,
      );
    }
    if (inp.revert) await revert(deps, inp, r, cs);
  } finally {
    if (!cs.executed) {
      cs.deleted = await deleteChangeSet(cfn, created.id, stackName, log);
      if (!cs.deleted) r.notes.push(`Change set ${name} could not be deleted; delete it by hand.`);
    }
    deps.pending?.delete(created.id);
  }
}

async function revert(deps: DriftDeps, inp: DriftInputs, r: StackReport, cs: ChangeSetReport): Promise<void> {
  const { cfn, log, clock } = deps;
  const stackName = r.stack;
  const c = r.classification as Classification;
  if (c.counts.overwrite > 0 && inp.failOn === 'overwrite') {
    r.refusal = `Not reverting stack ${stackName}: the change set would overwrite ${c.counts.overwrite} live value(s) that differ from both the previous template and the proposed one (fail-on: overwrite). Update the template, or set fail-on: never to revert anyway.`;
    log.warning(r.refusal);
    return;
  }
  const plan = renderPlan({
    changeSets: [{ stackName, changeSetName: cs.name, changes: cs.changes }],
    header: { stack: stackName, environment: inp.environment },
    secrets: r.secrets,
    noEchoParameters: r.noEchoParameters,
    allowList: inp.destructiveAllowList,
  });
  const refusal = destructiveRefusal(
    plan,
    inp.allowDestructive,
    `drift-aware change set ${cs.name} of stack ${stackName}`,
  );
  if (refusal) {
    r.refusal = refusal;
    throw new GuardError(refusal);
  }
  log.info(`Reverting drift of stack ${stackName}: executing change set ${cs.name}.`);
  // ExecuteChangeSet is asynchronous: the stack may still show its previous final state for a moment, so a
  // final status only counts once the update has visibly started (in progress seen or LastUpdatedTime moved).
  const before = (await describeStackOf(deps, stackName))?.LastUpdatedTime?.getTime() ?? 0;
  let sawProgress = false;
  await send(clock, () =>
    cfn.send(
      new ExecuteChangeSetCommand({
        ChangeSetName: cs.id,
        StackName: stackName,
        ClientRequestToken: `${cs.name}-exec`.slice(0, 128),
      }),
    ),
  );
  cs.executed = true;
  const final = await pollUntil<Stack>({
    what: `stack ${stackName} to finish reverting drift`,
    timeoutMs: inp.waitTimeoutMs,
    clock,
    checkFirst: false,
    initialMs: 2000,
    factor: 1.5,
    maxMs: 15_000,
    check: async () => {
      const s = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
      if (!s || s.StackStatus?.endsWith('_IN_PROGRESS')) {
        sawProgress = true;
        return undefined;
      }
      return sawProgress || (s.LastUpdatedTime?.getTime() ?? 0) !== before ? s : undefined;
    },
  });
  r.stackStatus = final.StackStatus;
  if (final.StackStatus !== 'UPDATE_COMPLETE') {
    throw new GuardError(
      `Reverting drift of stack ${stackName} failed: it ended in ${final.StackStatus}${final.StackStatusReason ? ` (${final.StackStatusReason})` : ''}.`,
    );
  }
  r.notes.push(`Drift reverted: change set ${cs.name} executed; the stack is UPDATE_COMPLETE.`);
  log.info(`Stack ${stackName}: drift reverted (UPDATE_COMPLETE).`);
}
