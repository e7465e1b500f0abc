/**
 * T1 × the committed bundles: throttling, a 5xx, a connection reset, a slow answer, a lost answer (the
 * service did the work, the answer never came) and a black hole, injected at each AWS call of a deploy-stack
 * create, update and no-op (moto behind the fault proxy) and at drift-check's detection (the loopback stub).
 * Each run either succeeds or fails with exactly one clear error line; a lost CreateChangeSet answer leaves no
 * change set behind; a wait never outlives wait-timeout-minutes whatever the network does. The long cases (black
 * holes, deadlines) are declared first so they run beside the short ones.
 */
import { describe, it } from '@jest/globals';
import {
  firstError,
  hostileWorkspace,
  leftoverChangeSets,
  outcomeProblems,
  probe,
} from '../helpers/adversarial';
import { runProxied } from '../helpers/adversarial-aws';
import { startCfnStub } from '../helpers/cfn-query-stub';
import type { Fault, FaultProxy } from '../helpers/fault-proxy';
import { uniqueName } from '../helpers/moto';
import { d1 } from '../fixtures/drift';

const ws = hostileWorkspace();

type Flow = 'create' | 'update' | 'no-op';

/** One minute of wait-timeout-minutes, and the slack allowed to report and exit. */
const DEADLINE_MS = 60_000;
const SLACK_MS = 10_000;
/** A run still going this long after its start is killed (and reported as having outlived its deadline). */
const KILL_AFTER_MS = DEADLINE_MS + SLACK_MS + 5_000;

/** The calls each flow makes today, in order (a case whose call never comes says so and fails). */
const FLOW_CALLS: Record<Flow, string[]> = {
  create: [
    'DescribeStacks',
    'CreateChangeSet',
    'DescribeChangeSet',
    'DescribeStackEvents',
    'ExecuteChangeSet',
    'DescribeStacks',
    'DescribeStackEvents',
  ],
  update: [
    'DescribeStacks',
    'CreateChangeSet',
    'DescribeChangeSet',
    'GetTemplate',
    'DescribeStackEvents',
    'ExecuteChangeSet',
    'DescribeStacks',
    'DescribeStackEvents',
  ],
  'no-op': ['DescribeStacks', 'CreateChangeSet'],
};

interface FaultKind {
  label: string;
  fault: Fault;
  times: number;
}

const FAULTS: FaultKind[] = [
  { label: 'throttled', fault: { kind: 'throttle' }, times: 1 },
  { label: 'a 503', fault: { kind: 'status', status: 503, code: 'ServiceUnavailable' }, times: 1 },
  { label: 'a connection reset', fault: { kind: 'reset' }, times: 1 },
  { label: 'a 2 s delay', fault: { kind: 'delay', ms: 2_000 }, times: 1 },
  { label: 'a lost answer', fault: { kind: 'lost' }, times: 1 },
];

/** Each call of each flow (with its occurrence), crossed with each fault. */
const CASES = (Object.keys(FLOW_CALLS) as Flow[]).flatMap((flow) =>
  FLOW_CALLS[flow].flatMap((action, index) => {
    const occurrence = FLOW_CALLS[flow].slice(0, index).filter((earlier) => earlier === action).length;
    return FAULTS.map((kind) => ({
      flow,
      action,
      occurrence,
      kind,
      title: `T1: deploy-stack ${flow}, ${kind.label} at ${action}${occurrence ? ` (call ${occurrence + 1})` : ''}`,
    }));
  }),
);

/** A stack to update (Release v1 deployed); for a create, a fresh name. */
async function prepare(flow: Flow): Promise<string> {
  const name = uniqueName(`adv-t1-${flow}`);
  if (flow === 'create') return name;
  const { run } = await runProxied(
    'deploy-stack',
    {
      name,
      template: 'demo.yaml',
      'parameter-overrides': 'ApiToken=t1,Release=v1',
      'change-set-name': 'first',
    },
    { cwd: ws.root },
  );
  if (run.code !== 0) throw new Error(`could not create the stack to ${flow}: ${firstError(run)}`);
  return name;
}

/** Deploy `name` (Release v2 for an update, v1 otherwise) with the faults `arrange` sets up. */
function deploy(name: string, flow: Flow, arrange: (proxy: FaultProxy) => void, minutes = '1') {
  return runProxied(
    'deploy-stack',
    {
      name,
      template: 'demo.yaml',
      'parameter-overrides': `ApiToken=t1,Release=${flow === 'update' ? 'v2' : 'v1'}`,
      'change-set-name': 'faulted',
      'wait-timeout-minutes': minutes,
    },
    { cwd: ws.root, arrange, timeoutMs: KILL_AFTER_MS },
  );
}

function appliedProblems(proxy: FaultProxy, kind: Fault['kind'], where: string): string[] {
  return proxy.calls.some((call) => call.fault === kind)
    ? []
    : [`the fault was never applied: no ${where} call came (the flow changed? update FLOW_CALLS)`];
}

/** Black holes (accepted, never answered): each ends at the SDK's request timeout and the run goes on. */
const BLACK_HOLES: { flow: Flow; action: string }[] = [
  { flow: 'create', action: 'CreateChangeSet' },
  { flow: 'update', action: 'ExecuteChangeSet' },
];

/** Waits that must end at wait-timeout-minutes (1) whatever the network does. */
const DEADLINES: { title: string; flow: Flow; arrange: (proxy: FaultProxy) => void }[] = [
  {
    title: 'T1: deploy-stack create, every DescribeChangeSet a black hole: ends at wait-timeout-minutes',
    flow: 'create',
    arrange: (proxy) => proxy.add({ match: 'DescribeChangeSet', fault: { kind: 'blackhole' } }),
  },
  {
    title:
      'T1: deploy-stack update, the execution never finishes (UPDATE_IN_PROGRESS forever): ends at wait-timeout-minutes',
    flow: 'update',
    arrange: (proxy) =>
      proxy.add({
        match: (req) => req.action === 'DescribeStacks' && proxy.ops('ExecuteChangeSet').length > 0,
        fault: {
          kind: 'rewrite',
          body: (answer) =>
            answer.replace(
              /<StackStatus>[A-Z_]+<\/StackStatus>/,
              '<StackStatus>UPDATE_IN_PROGRESS</StackStatus>',
            ),
        },
      }),
  },
];

describe('T1: black holes and deadlines', () => {
  it.concurrent.each(BLACK_HOLES)(
    'T1: deploy-stack $flow, a black hole at $action (once)',
    ({ flow, action }) =>
      probe(
        'fault',
        'deploy-stack',
        `T1: deploy-stack ${flow}, a black hole at ${action} (once)`,
        async () => {
          const name = await prepare(flow);
          const started = Date.now();
          const { run, proxy } = await deploy(name, flow, (faulty) =>
            faulty.add({ match: action, fault: { kind: 'blackhole' }, times: 1 }),
          );
          const took = Date.now() - started;
          const problems = [...outcomeProblems(run), ...appliedProblems(proxy, 'blackhole', action)];
          if (took > DEADLINE_MS + SLACK_MS) problems.push(`took ${took} ms, past wait-timeout-minutes: 1`);
          return problems;
        },
      ),
    120_000,
  );

  it.concurrent.each(DEADLINES)(
    '$title',
    ({ title, flow, arrange }) =>
      probe('fault', 'deploy-stack', title, async () => {
        const name = await prepare(flow);
        const started = Date.now();
        const { run } = await deploy(name, flow, arrange);
        const took = Date.now() - started;
        const problems = outcomeProblems(run);
        if (run.code !== 1) problems.push(`exit ${run.code}: the wait did not fail at its deadline`);
        if (took > DEADLINE_MS + SLACK_MS)
          problems.push(`took ${took} ms: outlived wait-timeout-minutes: 1 by more than ${SLACK_MS} ms`);
        return problems;
      }),
    160_000,
  );

  it.concurrent(
    'T1: drift-check, every DescribeStackDriftDetectionStatus a black hole: ends at wait-timeout-minutes',
    () =>
      probe(
        'fault',
        'drift-check',
        'T1: drift-check, every DescribeStackDriftDetectionStatus a black hole: ends at wait-timeout-minutes',
        async () => {
          const stub = await startCfnStub([d1()]);
          try {
            const started = Date.now();
            const { run } = await runProxied(
              'drift-check',
              { stacks: 'orders-prod', mode: 'detect', 'fail-on': 'never', 'wait-timeout-minutes': '1' },
              {
                cwd: ws.root,
                upstream: stub.endpoint,
                timeoutMs: KILL_AFTER_MS,
                arrange: (proxy) =>
                  proxy.add({ match: 'DescribeStackDriftDetectionStatus', fault: { kind: 'blackhole' } }),
              },
            );
            const took = Date.now() - started;
            const problems = outcomeProblems(run);
            if (run.code !== 1)
              problems.push(`exit ${run.code}: the detection wait did not fail at its deadline`);
            if (took > DEADLINE_MS + SLACK_MS)
              problems.push(`took ${took} ms: outlived wait-timeout-minutes: 1 by more than ${SLACK_MS} ms`);
            return problems;
          } finally {
            await stub.close();
          }
        },
      ),
    160_000,
  );
});

describe('T1: faults at each AWS call of deploy-stack', () => {
  it.concurrent.each(CASES)('$title', ({ flow, action, occurrence, kind, title }) =>
    probe('fault', 'deploy-stack', title, async () => {
      const name = await prepare(flow);
      const { run, proxy } = await deploy(name, flow, (faulty) =>
        faulty.add({ match: action, fault: kind.fault, times: kind.times, after: occurrence }),
      );
      const problems = [...outcomeProblems(run), ...appliedProblems(proxy, kind.fault.kind, action)];
      if (kind.fault.kind === 'lost' && action === 'CreateChangeSet') {
        const left = await leftoverChangeSets(name);
        if (left.length)
          problems.push(`orphan change set(s) after a lost CreateChangeSet answer: ${left.join(', ')}`);
      }
      return problems;
    }),
  );
});

const DETECTION_CALLS = [
  'DetectStackDrift',
  'DescribeStackDriftDetectionStatus',
  'DescribeStackResourceDrifts',
];

describe("T1: faults at drift-check's detection", () => {
  it.concurrent.each(
    DETECTION_CALLS.flatMap((action) =>
      FAULTS.map((kind) => ({ action, kind, title: `T1: drift-check detect, ${kind.label} at ${action}` })),
    ),
  )('$title', ({ action, kind, title }) =>
    probe('fault', 'drift-check', title, async () => {
      const stub = await startCfnStub([d1()]);
      try {
        const { run, proxy } = await runProxied(
          'drift-check',
          { stacks: 'orders-prod', mode: 'detect', 'fail-on': 'drift', 'wait-timeout-minutes': '1' },
          {
            cwd: ws.root,
            upstream: stub.endpoint,
            timeoutMs: 90_000,
            arrange: (faulty) => faulty.add({ match: action, fault: kind.fault, times: kind.times }),
          },
        );
        const problems = [...outcomeProblems(run), ...appliedProblems(proxy, kind.fault.kind, action)];
        // D1 has drifted: with fail-on: drift the honest outcome is a failure that says so, never a pass.
        if (run.code === 0) problems.push('exit 0: the drift (D1) was not reported under fail-on: drift');
        return problems;
      } finally {
        await stub.close();
      }
    }),
  );
});
