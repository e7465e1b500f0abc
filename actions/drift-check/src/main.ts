import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import * as core from '@actions/core';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { clientConfig } from '../../../src/aws';
import { realClock, type Clock } from '../../../src/clock';
import { errorMessage, GuardError } from '../../../src/errors';
import { envInputs, type InputGetter } from '../../../src/inputs';
import { coreLogger, type Logger } from '../../../src/log';
import { coreMasker, maskSecret, redact, type Masker } from '../../../src/mask';
import { mapLimit } from '../../../src/poll';
import { runUrlFromEnv } from '../../../src/plan';
import { postPlanComment } from '../../../src/plan-report';
import type { Octokit } from '../../../src/pr-comment';
import { runAction, setOutputs } from '../../../src/run';
import { coreSummaryWriter, writeSummary, type SummaryWriter } from '../../../src/summary';
import { deleteChangeSet } from '../../../src/cfn/changeset';
import { checkStack, newStackReport, type StackReport } from './drift';
import { parseInputs, type DriftInputs } from './inputs';
import { allSecrets, jsonReport, overwriteLines, renderDriftPlan } from './report';

export interface Runtime {
  get: InputGetter;
  env: NodeJS.ProcessEnv;
  log: Logger;
  clock: Clock;
  mask: Masker;
  /** Builds the client once inputs are valid (so bad input makes zero AWS calls). */
  cfn: (region: string) => CloudFormationClient;
  summary: SummaryWriter;
  setOutputs: (o: Record<string, string | number | boolean | undefined>) => void;
  /** Tests inject an Octokit for the PR comment. */
  octokit?: Octokit;
}

export interface RunResult {
  inputs: DriftInputs;
  reports: StackReport[];
  outputs: Record<string, string>;
  summary: string;
  comment: string;
  /** Why the step fails (undefined: it passes). */
  failure?: string;
}

/**
 * A logger that holds one stack's lines and replays them inside one log group when the stack is done, so
 * concurrent stacks never interleave their groups (L4: each group names the action, stack and environment).
 */
export function bufferedLogger(): Logger & { flush(into: Logger, title: string): Promise<void> } {
  const lines: Array<[keyof Omit<Logger, 'group'>, string]> = [];
  const self = {
    info: (m: string) => void lines.push(['info', m]),
    warning: (m: string) => void lines.push(['warning', m]),
    error: (m: string) => void lines.push(['error', m]),
    debug: (m: string) => void lines.push(['debug', m]),
    group: <T>(_name: string, fn: () => Promise<T>) => fn(),
    flush: (into: Logger, title: string) =>
      into.group(title, async () => {
        for (const [level, m] of lines) into[level](m);
      }),
  };
  return self;
}

/** fail-on decision, naming stacks and properties. Errors always fail. */
export function failureOf(
  reports: readonly StackReport[],
  inp: Pick<DriftInputs, 'failOn'>,
): string | undefined {
  const parts: string[] = [];
  const errors = reports.filter((r) => r.error);
  if (errors.length)
    parts.push(
      `${errors.length} stack(s) could not be checked: ${errors.map((r) => `${r.stack}: ${r.error}`).join('; ')}`,
    );
  if (inp.failOn === 'overwrite') {
    const ow = overwriteLines(reports);
    if (ow.length) {
      parts.push(
        `${ow.length} drifted live value(s) would be overwritten by a deploy (fail-on: overwrite): ${ow.slice(0, 20).join('; ')}${ow.length > 20 ? '; …' : ''}. Put the live value into the template (or revert the drift on purpose), then run again`,
      );
    }
  }
  if (inp.failOn === 'drift') {
    const drifted = reports.filter((r) => r.drifted || r.verdict === 'detection-failed');
    if (drifted.length) {
      const what = (r: StackReport): string => {
        if (r.verdict === 'detection-failed' && !r.drifted)
          return `${r.stack} (detection failed: ${r.detection?.reason ?? 'no reason given'})`;
        const rows = (r.classification?.rows ?? []).filter((x) => x.verdict !== 'change');
        const named = new Set(rows.map((x) => x.logicalId));
        const props = [
          ...new Set([
            ...rows.map((x) =>
              x.verdict === 'recreate' ? `${x.logicalId} (recreate)` : `${x.logicalId}.${x.property}`,
            ),
            ...(r.detection?.resources ?? [])
              .filter((x) => (x.status === 'MODIFIED' || x.status === 'DELETED') && !named.has(x.logicalId))
              .flatMap((x) =>
                x.differences.length && x.status === 'MODIFIED'
                  ? x.differences.map((p) => `${x.logicalId}${p.path.replace(/\//g, '.')}`)
                  : [`${x.logicalId} (${x.status.toLowerCase()})`],
              ),
          ]),
        ];
        return `${r.stack} (${props.slice(0, 10).join(', ') || 'drifted'}${props.length > 10 ? ', …' : ''})`;
      };
      parts.push(
        `drift found (fail-on: drift) in ${drifted.length} stack(s): ${drifted.map(what).join('; ')}`,
      );
    }
  }
  return parts.length ? `drift-check: ${parts.join('. ')}.` : undefined;
}

function reportPath(env: NodeJS.ProcessEnv, now: number): string {
  const dir = env.RUNNER_TEMP || os.tmpdir();
  const id =
    env.GITHUB_RUN_ID && /^\d+$/.test(env.GITHUB_RUN_ID)
      ? `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`
      : `${now}`;
  const step = /^[\w-]{1,64}$/.test(env.GITHUB_ACTION ?? '') ? `-${env.GITHUB_ACTION}` : '';
  return path.join(dir, `drift-check-${id}${step}.json`);
}

/** Comment marker stack: the sorted stack list (one sticky comment per stack set and environment). */
export function commentStackKey(stacks: readonly string[]): string {
  const joined = [...stacks].sort().join('.');
  if (joined.length <= 200) return joined;
  return `${stacks.length}-stacks-${createHash('sha256').update(joined).digest('hex').slice(0, 16)}`;
}

/** The action with every dependency injected; throws when the step must fail. */
export async function runWith(rt: Runtime): Promise<RunResult> {
  const inputs = parseInputs(rt.get, rt.env, rt.clock.now());
  if (inputs.githubToken) maskSecret(inputs.githubToken, rt.mask);
  const cfn = rt.cfn(inputs.region);
  const pending = new Map<string, { id: string; stack: string }>();
  const onSignal = (sig: NodeJS.Signals) => {
    void Promise.all([...pending.values()].map((p) => deleteChangeSet(cfn, p.id, p.stack, rt.log))).finally(
      () => {
        core.setFailed(`drift-check: cancelled (${sig}); ${pending.size} change set(s) deleted.`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    rt.log.info(
      `drift-check: ${inputs.stacks.length} stack(s) in ${inputs.region}${inputs.environment ? ` (${inputs.environment})` : ''}, mode ${inputs.mode}, fail-on ${inputs.failOn}, concurrency ${inputs.concurrency}${inputs.revert ? ', revert: true' : ''}.`,
    );
    // Groups are replayed one at a time: a group opened by one stack is closed before the next one opens.
    let flushing: Promise<void> = Promise.resolve();
    const settled = await mapLimit(inputs.stacks, inputs.concurrency, async (stack) => {
      const log = bufferedLogger();
      try {
        return await checkStack({ cfn, log, clock: rt.clock, mask: rt.mask, pending }, inputs, stack);
      } finally {
        const title = `drift-check: ${stack}${inputs.environment ? ` (${inputs.environment})` : ''}`;
        flushing = flushing.then(() => log.flush(rt.log, title)).catch(() => undefined);
        await flushing;
      }
    });
    const reports = settled.map((s, i) => {
      if (s.status === 'fulfilled') return s.value;
      const r = newStackReport(inputs.stacks[i] as string);
      r.error = errorMessage(s.reason);
      r.verdict = 'error';
      return r;
    });
    return await publish(rt, inputs, reports);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

async function publish(rt: Runtime, inputs: DriftInputs, reports: StackReport[]): Promise<RunResult> {
  const secrets = allSecrets(reports);
  const safe = (s: string) =>
    redact(
      redact(s, secrets),
      secrets.map((x) => JSON.stringify(x).slice(1, -1)),
    );
  const file = reportPath(rt.env, rt.clock.now());
  const drifted = reports.filter((r) => r.drifted).map((r) => r.stack);
  const overwrites = reports.reduce((s, r) => s + (r.classification?.counts.overwrite ?? 0), 0);
  const outputs: Record<string, string> = {
    drifted: String(drifted.length > 0),
    'drifted-stacks': JSON.stringify(drifted),
    overwrites: String(overwrites),
    'report-path': '',
  };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, safe(JSON.stringify(jsonReport(reports, inputs), null, 2)) + '\n');
    outputs['report-path'] = file;
  } catch (e) {
    rt.log.warning(
      `Could not write the JSON report ${file}: ${errorMessage(e)}. The step result is unaffected.`,
    );
  }
  rt.setOutputs(outputs);

  const plan = renderDriftPlan(reports, inputs, runUrlFromEnv(rt.env));
  const failure = failureOf(reports, inputs);
  const summary = failure
    ? `${plan.markdown}\n> [!CAUTION]\n> ${safe(failure).replace(/\n/g, ' ')}\n`
    : plan.markdown;
  await writeSummary(summary, rt.log, rt.summary);
  await postPlanComment({
    mode: inputs.commentOnPr,
    token: inputs.githubToken,
    action: 'drift-check',
    stack: commentStackKey(inputs.stacks),
    environment: inputs.environment,
    body: plan.comment,
    log: rt.log,
    env: rt.env,
    octokit: rt.octokit,
  });
  const result: RunResult = {
    inputs,
    reports,
    outputs,
    summary,
    comment: plan.comment,
    failure: failure && safe(failure),
  };
  if (result.failure) throw Object.assign(new GuardError(result.failure), { result });
  return result;
}

export async function run(): Promise<void> {
  await runAction(async () => {
    await runWith({
      get: envInputs,
      env: process.env,
      log: coreLogger,
      clock: realClock,
      mask: coreMasker,
      cfn: (region) => new CloudFormationClient(clientConfig(region)),
      summary: coreSummaryWriter,
      setOutputs,
    });
  });
}
