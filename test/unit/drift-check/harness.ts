// Mock wiring shared by the drift-check unit tests: one CloudFormation mock that answers every call the action
// makes from the scenarios in test/fixtures/drift.ts, keyed by stack name, and records the calls in order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  GetTemplateSummaryCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { Octokit } from '../../../src/pr-comment';
import { runWith, type DriftCheckFailed, type DriftOutcome } from '../../../actions/drift-check/src/run';
import { changeSetId, type DriftScenario } from '../../fixtures/drift';
import { deployedTemplate, pageOf, type DeployedScenario } from '../../helpers/drift-cfn';
import { start, type GitHubStub } from '../../helpers/github-stub';
import { fakeRuntime, type FakeRuntime, type MemorySink } from '../../helpers/runtime';

export const cfn = mockClient(CloudFormationClient);

export interface Call {
  op: string;
  stack?: string;
  input: Record<string, unknown>;
}

export interface FakeOptions {
  /** DescribeStackDriftDetectionStatus answers DETECTION_IN_PROGRESS this many times first. Default 2. */
  detectionPolls?: number;
  /** DescribeChangeSet answers CREATE_IN_PROGRESS this many times first. Default 1. */
  changeSetPolls?: number;
  /** Page size for DescribeStackResourceDrifts and DescribeChangeSet. Default 1 (pagination exercised). */
  pageSize?: number;
  /** DescribeStacks for these stacks throws ThrottlingException this many times first. */
  throttle?: Record<string, number>;
  /** Stacks in-progress or missing. */
  statuses?: Record<string, Stack['StackStatus'] | 'missing'>;
  /** CreateChangeSet for these stacks fails with this error. */
  createFails?: Record<string, { name: string; message: string }>;
  /** Status the stack reaches after ExecuteChangeSet. Default UPDATE_COMPLETE. */
  executeEndsIn?: Stack['StackStatus'];
  /** Called with every call as it arrives, before it is answered (e.g. to cancel the job at that moment). */
  onCall?: (op: string, input: Record<string, unknown>) => void | Promise<void>;
  /** DeleteChangeSet fails with this error (the change set stays). */
  deleteFails?: { name: string; message: string };
  /** CreateChangeSet for these stacks creates the change set, but the answer is lost (a network error). */
  createAnswerLost?: string[];
}

export interface Fake {
  calls: Call[];
  ops(op: string, stack?: string): Call[];
  deleted: string[];
  executed: string[];
  /** Change sets that exist now (created, not deleted or executed), by name. */
  existing: Set<string>;
}

const err = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

/** Install fakes for these scenarios on the shared mock (reset first). */
export function install(scenarios: DeployedScenario[], o: FakeOptions = {}): Fake {
  cfn.reset();
  // By name and by id: once the stack's id is known (CreateChangeSet answers it) it is polled by id.
  const by = new Map(
    scenarios.flatMap((s) => [
      [s.stack.StackName as string, s],
      [s.stack.StackId as string, s],
    ]),
  );
  const calls: Call[] = [];
  const deleted: string[] = [];
  const executed: string[] = [];
  const polls = new Map<string, number>();
  const throttled = new Map<string, number>();
  const executedStacks = new Map<string, number>();
  const existing = new Set<string>();
  const pageSize = o.pageSize ?? 1;
  const rec = (op: string, input: object, stack?: string) => {
    calls.push({ op, stack, input: input as Record<string, unknown> });
    return o.onCall?.(op, input as Record<string, unknown>);
  };
  const csName = (nameOrId: string) => (nameOrId.includes('/') ? (nameOrId.split('/')[1] ?? '') : nameOrId);
  const scenario = (name: string | undefined): DriftScenario => {
    const s = by.get(name ?? '');
    if (!s || o.statuses?.[name ?? ''] === 'missing')
      throw err('ValidationError', `Stack with id ${name} does not exist`);
    return s;
  };
  const stackOfCs = (id: string) => /changeSet\/drift-(.+)-\d+-\d+\//.exec(id)?.[1] ?? '';

  cfn.on(DescribeStacksCommand).callsFake((input) => {
    const name = (by.get(input.StackName as string)?.stack.StackName ?? input.StackName) as string;
    void rec('DescribeStacks', input, name);
    const n = throttled.get(name) ?? 0;
    if (n < (o.throttle?.[name] ?? 0)) {
      throttled.set(name, n + 1);
      throw err('ThrottlingException', 'Rate exceeded');
    }
    const s = scenario(name);
    const status = o.statuses?.[name];
    const ex = executedStacks.get(name);
    if (ex !== undefined) {
      executedStacks.set(name, ex + 1);
      return {
        Stacks: [
          {
            ...s.stack,
            StackStatus: ex === 0 ? 'UPDATE_IN_PROGRESS' : (o.executeEndsIn ?? 'UPDATE_COMPLETE'),
          },
        ],
      };
    }
    return { Stacks: [{ ...s.stack, ...(status ? { StackStatus: status } : {}) }] };
  });
  cfn.on(GetTemplateCommand).callsFake((input) => {
    void rec('GetTemplate', input, input.StackName);
    const body = deployedTemplate(scenario(input.StackName) as DeployedScenario);
    if (body === undefined) throw err('ValidationError', 'Template format error: unreadable template');
    return { TemplateBody: body };
  });
  cfn.on(GetTemplateSummaryCommand).callsFake((input) => {
    void rec('GetTemplateSummary', input, input.StackName);
    return { Parameters: scenario(input.StackName).parameters };
  });
  cfn.on(DetectStackDriftCommand).callsFake((input) => {
    void rec('DetectStackDrift', input, input.StackName);
    scenario(input.StackName);
    return { StackDriftDetectionId: `det-${input.StackName}` };
  });
  cfn.on(DescribeStackDriftDetectionStatusCommand).callsFake((input) => {
    const name = (input.StackDriftDetectionId as string).slice(4);
    void rec('DescribeStackDriftDetectionStatus', input, name);
    const s = scenario(name);
    const n = polls.get(input.StackDriftDetectionId as string) ?? 0;
    polls.set(input.StackDriftDetectionId as string, n + 1);
    const base = {
      StackId: s.stack.StackId,
      StackDriftDetectionId: input.StackDriftDetectionId,
      Timestamp: new Date(),
    };
    if (n < (o.detectionPolls ?? 2)) return { ...base, DetectionStatus: 'DETECTION_IN_PROGRESS' };
    return { ...base, ...s.detection };
  });
  cfn.on(DescribeStackResourceDriftsCommand).callsFake((input) => {
    void rec('DescribeStackResourceDrifts', input, input.StackName);
    const { page, nextToken } = pageOf(scenario(input.StackName).resourceDrifts, input.NextToken, pageSize);
    return { StackResourceDrifts: page, NextToken: nextToken };
  });
  cfn.on(CreateChangeSetCommand).callsFake(async (input) => {
    await rec('CreateChangeSet', input, input.StackName);
    const s = scenario(input.StackName);
    const fail = o.createFails?.[input.StackName as string] ?? s.createError;
    if (fail) throw err(fail.name, fail.message);
    existing.add(input.ChangeSetName as string);
    if (o.createAnswerLost?.includes(input.StackName as string))
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    return {
      Id: changeSetId(input.StackName as string, input.ChangeSetName as string),
      StackId: s.stack.StackId,
    };
  });
  cfn.on(DescribeChangeSetCommand).callsFake((input) => {
    const id = input.ChangeSetName as string;
    const name = stackOfCs(id) || (input.StackName as string);
    void rec('DescribeChangeSet', input, input.StackName);
    const s = scenario(input.StackName);
    if (!existing.has(csName(id)))
      throw err('ChangeSetNotFoundException', `ChangeSet [${csName(id)}] does not exist`);
    const n = polls.get(id) ?? 0;
    polls.set(id, n + 1);
    const base = {
      ChangeSetId: id,
      ChangeSetName: id.split('/')[1],
      StackId: s.stack.StackId,
      StackName: name,
    };
    if (n < (o.changeSetPolls ?? 1))
      return { ...base, Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE' };
    const { page, nextToken } = pageOf(s.changeSet.Changes ?? [], input.NextToken, pageSize);
    return { ...base, ...s.changeSet, Changes: page, NextToken: nextToken };
  });
  cfn.on(DeleteChangeSetCommand).callsFake(async (input) => {
    await rec('DeleteChangeSet', input, input.StackName);
    if (o.deleteFails) throw err(o.deleteFails.name, o.deleteFails.message);
    const name = csName(input.ChangeSetName as string);
    if (!existing.has(name)) throw err('ChangeSetNotFoundException', `ChangeSet [${name}] does not exist`);
    existing.delete(name);
    deleted.push(input.ChangeSetName as string);
    return {};
  });
  cfn.on(ExecuteChangeSetCommand).callsFake(async (input) => {
    await rec('ExecuteChangeSet', input, input.StackName);
    existing.delete(csName(input.ChangeSetName as string));
    executed.push(input.ChangeSetName as string);
    executedStacks.set(input.StackName as string, 0);
    return {};
  });
  return {
    calls,
    ops: (op, stack) => calls.filter((c) => c.op === op && (stack === undefined || c.stack === stack)),
    deleted,
    executed,
    existing,
  };
}

/** The recorded log, as the old memory logger showed it (`::group::title`, `::endgroup::`, plain lines). */
export interface HarnessLog {
  text(): string;
  readonly lines: string[];
}

export interface Harness {
  rt: FakeRuntime;
  sink: MemorySink;
  log: HarnessLog;
  /** Values registered with the runner (`::add-mask::`), every form of every secret. */
  masked: string[];
  outputs: Record<string, string>;
  summary: string[];
  runnerTemp: string;
}

export function workspace(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-drift-ws-'));
  for (const [f, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), body);
  return dir;
}

export interface HarnessOptions {
  octokit?: Octokit;
  debug?: boolean;
  failSummary?: boolean;
  failFiles?: boolean;
  /**
   * Every sleep of the fake clock first lets pending calls answer (one macrotask), as a call in flight would
   * answer within a real grace period (src/cfn/lifecycle.ts CREATE_IN_FLIGHT_GRACE_MS).
   */
  clockYields?: boolean;
}

/** A fake runtime for drift-check: inputs, the usual runner environment, every byte recorded in `sink`. */
export function harness(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): Harness {
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-drift-tmp-'));
  const rt = fakeRuntime({
    action: 'drift-check',
    inputs,
    env: {
      AWS_REGION: 'us-east-1',
      RUNNER_TEMP: runnerTemp,
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      ...env,
    },
    start: 1_700_000_000_000,
    cancelDeadlineMs: 5_000,
    ...options,
  });
  if (options.clockYields) {
    const virtualSleep = rt.clock.sleep;
    rt.clock.sleep = async (ms) => {
      await new Promise((resolve) => setImmediate(resolve));
      await virtualSleep(ms);
    };
  }
  const sink = rt.sink;
  return {
    rt,
    sink,
    log: {
      text: () => sink.text(),
      get lines() {
        return sink.text().split('\n');
      },
    },
    masked: sink.masks,
    outputs: sink.outputs,
    summary: sink.summaries,
    runnerTemp,
  };
}

/** Run the action; returns the outcome, or the thrown error with the published outcome. */
export async function runAction(
  h: Harness,
): Promise<{ result?: DriftOutcome; error?: Error & Partial<DriftCheckFailed> }> {
  try {
    return { result: await runWith(h.rt) };
  } catch (e) {
    return {
      error: e as Error & Partial<DriftCheckFailed>,
      result: (e as Partial<DriftCheckFailed>).outcome,
    };
  }
}

/** A loopback GitHub API for this describe block: started before each test, stopped after. */
export function gitHubStubPerTest(): () => GitHubStub {
  let gh: GitHubStub | undefined;
  beforeEach(async () => {
    gh = await start();
  });
  afterEach(async () => {
    await gh?.stop();
  });
  return () => {
    if (!gh) throw new Error('the GitHub stub runs only inside a test');
    return gh;
  };
}
