// Walks a workflow the way the runner would, for the example tests: jobs in `needs` order, `if:` conditions,
// matrix legs, a job-level `uses:` of one of our reusable workflows (followed into .github/workflows/<file> with
// the caller's `with:` as typed `inputs`), and each step with its `with:` evaluated. What a step *does* is the
// caller's business (`runStep`): the dist test runs our bundles for steps that use our actions and emulates the
// few third-party steps that matter (AWS credentials); a unit test only records what would run.
import { OUR_WORKFLOW, loadWorkflow, type Job, type Step, type Workflow } from './load';
import { condition, interpolate, toText, type Contexts, type JobStatus, type Value } from './expressions';

/** `./.guarded-deploy/actions/<name>`, `./actions/<name>` or `your-org/guarded-deploy/actions/<name>@<ref>`. */
const OUR_STEP =
  /^(?:\.\/\.guarded-deploy\/actions\/|\.\/actions\/|your-org\/guarded-deploy\/actions\/)([a-z0-9-]+)(?:@[\w.-]+)?$/;

export function ourAction(uses: string | undefined): string | undefined {
  return OUR_STEP.exec(uses ?? '')?.[1];
}

export interface StepCall {
  /** `<caller file>` or `<caller file> → <reusable file>`. */
  workflow: string;
  /** `job` or `caller-job/called-job`, with the matrix leg: `stacks (demo-app)`. */
  job: string;
  step: Step;
  /** Our action's folder name, or undefined for any other step. */
  action: string | undefined;
  /** The step's `with:`, evaluated as the runner passes it (strings). */
  inputs: Record<string, string>;
  /** Shared by the steps of one job run (one matrix leg): e.g. the credentials a step set up. */
  jobState: Record<string, unknown>;
}

export interface StepResult {
  outcome: 'success' | 'failure';
  outputs?: Record<string, string>;
}

export type RunStep = (call: StepCall) => Promise<StepResult>;

export interface Tables {
  github: Record<string, Value>;
  secrets: Record<string, Value>;
  vars: Record<string, Value>;
}

export interface JobRecord {
  job: string;
  result: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

function matrixLegs(job: Job, contexts: Contexts): Record<string, Value>[] {
  const matrix = job.strategy?.matrix;
  if (matrix === undefined) return [{}];
  const spec = interpolate(matrix, contexts);
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new Error('matrix must be a map');
  let legs: Record<string, Value>[] = [{}];
  for (const [key, values] of Object.entries(spec)) {
    if (key === 'include' || key === 'exclude')
      throw new Error(`matrix ${key} is not supported by this walker`);
    const list = interpolate(values, contexts);
    if (!Array.isArray(list)) throw new Error(`matrix.${key} is not a list`);
    legs = legs.flatMap((leg) => list.map((value) => ({ ...leg, [key]: value })));
  }
  return legs;
}

function legName(leg: Record<string, Value>): string {
  const parts = Object.values(leg).map((v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? toText(v['name'] ?? v['release'] ?? JSON.stringify(v))
      : toText(v),
  );
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function typedInputs(called: Workflow, given: Record<string, Value>, file: string): Record<string, Value> {
  const declared = called.on.workflow_call?.inputs ?? {};
  const inputs: Record<string, Value> = {};
  for (const key of Object.keys(given))
    if (!(key in declared)) throw new Error(`${file}: input '${key}' is not declared`);
  for (const [key, spec] of Object.entries(declared)) {
    const raw = key in given ? given[key]! : ((spec.default ?? null) as Value);
    if (raw === null && spec.required) throw new Error(`${file}: required input '${key}' is not given`);
    if (spec.type === 'boolean') inputs[key] = raw === true || toText(raw).toLowerCase() === 'true';
    else if (spec.type === 'number') inputs[key] = raw === null ? null : Number(raw);
    else inputs[key] = raw === null ? '' : toText(raw);
  }
  return inputs;
}

async function runSteps(
  workflow: string,
  jobName: string,
  job: Job,
  contexts: Contexts,
  runStep: RunStep,
): Promise<{ failed: boolean; steps: Record<string, Value> }> {
  const steps: Record<string, Value> = {};
  const status: JobStatus = { failed: false, cancelled: false };
  const jobState: Record<string, unknown> = {};
  for (const step of job.steps ?? []) {
    const stepContexts = { ...contexts, steps };
    if (!condition(step.if, stepContexts, status)) {
      if (step.id) steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    const inputs: Record<string, string> = {};
    for (const [key, value] of Object.entries(step.with ?? {}))
      inputs[key] = toText(interpolate(value, stepContexts, status));
    const result = await runStep({
      workflow,
      job: jobName,
      step,
      action: ourAction(step.uses),
      inputs,
      jobState,
    });
    if (step.id)
      steps[step.id] = { outputs: result.outputs ?? {}, outcome: result.outcome, conclusion: result.outcome };
    if (result.outcome === 'failure') status.failed = true;
  }
  return { failed: status.failed, steps };
}

/**
 * Run every job of `doc` (a caller workflow or, recursively, one of our reusable workflows) in `needs` order.
 * Returns each job's result and outputs (for `needs.<job>.outputs` and a reusable workflow's outputs).
 */
export async function runWorkflow(
  file: string,
  doc: Workflow,
  tables: Tables,
  runStep: RunStep,
  inputs: Record<string, Value> = {},
  prefix = '',
): Promise<Record<string, JobRecord>> {
  const records: Record<string, JobRecord> = {};
  const pending = Object.entries(doc.jobs);
  while (pending.length) {
    const index = pending.findIndex(([, job]) => needsOf(job).every((n) => n in records));
    if (index < 0) throw new Error(`${file}: a job needs a job that does not exist (or a cycle)`);
    const [id, job] = pending.splice(index, 1)[0]!;
    const name = `${prefix}${id}`;
    const needs: Record<string, Value> = {};
    for (const n of needsOf(job)) needs[n] = { result: records[n]!.result, outputs: records[n]!.outputs };
    const neededFailed = needsOf(job).some((n) => records[n]!.result === 'failure');
    const neededSucceeded = needsOf(job).every((n) => records[n]!.result === 'success');
    const base: Contexts = { ...tables, inputs, needs, env: {}, runner: { os: 'Linux', temp: '/tmp' } };
    // A failed or skipped needed job skips this one unless its condition says otherwise (a status function).
    if (!condition(job.if, base, { failed: neededFailed, cancelled: false, succeeded: neededSucceeded })) {
      records[id] = { job: name, result: 'skipped', outputs: {} };
      continue;
    }
    if (job.uses !== undefined) {
      const called = OUR_WORKFLOW.exec(job.uses);
      if (!called)
        throw new Error(`${file}: job ${id} calls '${job.uses}', not one of our reusable workflows`);
      const calledFile = `.github/workflows/${called[1]}`;
      const calledDoc = loadWorkflow(calledFile).doc;
      const given: Record<string, Value> = {};
      for (const [key, value] of Object.entries(job.with ?? {})) given[key] = interpolate(value, base);
      const calledInputs = typedInputs(calledDoc, given, calledFile);
      const inner = await runWorkflow(
        `${file} → ${calledFile}`,
        calledDoc,
        tables,
        runStep,
        calledInputs,
        `${name}/`,
      );
      const failed = Object.values(inner).some((r) => r.result === 'failure');
      const outputs: Record<string, string> = {};
      const jobsContext: Record<string, Value> = {};
      for (const [innerId, record] of Object.entries(inner))
        jobsContext[innerId] = { result: record.result, outputs: record.outputs };
      for (const [key, spec] of Object.entries(calledDoc.on.workflow_call?.outputs ?? {}))
        outputs[key] = toText(interpolate(spec.value, { jobs: jobsContext }));
      records[id] = { job: name, result: failed ? 'failure' : 'success', outputs };
      continue;
    }
    let failed = false;
    let outputs: Record<string, string> = {};
    for (const leg of matrixLegs(job, base)) {
      const contexts = {
        ...base,
        matrix: leg,
        strategy: { 'fail-fast': job.strategy?.['fail-fast'] ?? true },
      };
      const run = await runSteps(file, `${name}${legName(leg)}`, job, contexts, runStep);
      for (const [key, value] of Object.entries(job.outputs ?? {}))
        outputs = { ...outputs, [key]: toText(interpolate(value, { ...contexts, steps: run.steps })) };
      if (run.failed) {
        failed = true;
        if (job.strategy?.['fail-fast'] !== false) break;
      }
    }
    records[id] = { job: name, result: failed ? 'failure' : 'success', outputs };
  }
  return records;
}
