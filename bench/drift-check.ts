// drift-check wall time for 100 stacks at concurrency 1, 5 and 10, with a simulated 2 s drift-detection latency.
// Run: npx tsx bench/drift-check.ts   (target: 100 stacks at concurrency 10 ≤ 11 × one stack)
//
// Honest but short: everything runs on real timers (real setTimeout, real promise scheduling, the real action
// code path from runWith down), with time scaled by SCALE — the action's clock sleeps ms/SCALE real
// milliseconds and reports SCALE× the real elapsed time. The fake CloudFormation client answers
// DescribeStackDriftDetectionStatus with DETECTION_IN_PROGRESS until 2 s of that (scaled) time have passed
// since DetectStackDrift, and every call costs API_LATENCY_MS of scaled time. Reported seconds are simulated
// seconds (= real seconds × SCALE).
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { Clock } from '../src/clock';
import type { AwsFactory, Runtime } from '../src/runtime';
import { runWith } from '../actions/drift-check/src/run';
import { changeSetId, d2, type DriftScenario } from '../test/fixtures/drift';
import { fakeRuntime } from '../test/helpers/runtime';

const SCALE = 20;
const DETECTION_MS = 2_000;
const API_LATENCY_MS = 60;
const STACKS = 100;

function scaledClock(): Clock {
  const t0 = Date.now();
  return {
    now: () => t0 + (Date.now() - t0) * SCALE,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms / SCALE)),
  };
}

function fakeCfn(clock: Clock, scenarios: Map<string, DriftScenario>) {
  const calls = new Map<string, number>();
  const detections = new Map<string, { stack: string; at: number }>();
  let n = 0;
  const client = {
    async send(cmd: { constructor: { name: string }; input: Record<string, string> }) {
      const op = cmd.constructor.name.replace(/Command$/, '');
      const i = cmd.input;
      await clock.sleep(API_LATENCY_MS);
      const stackName = i.StackName ?? detections.get(i.StackDriftDetectionId ?? '')?.stack ?? '';
      calls.set(op, (calls.get(op) ?? 0) + 1);
      const s = scenarios.get(stackName) as DriftScenario;
      switch (op) {
        case 'DescribeStacks':
          return { Stacks: [s.stack] };
        case 'GetTemplateSummary':
          return { Parameters: s.parameters };
        case 'DetectStackDrift': {
          const id = `det-${++n}`;
          detections.set(id, { stack: stackName, at: clock.now() });
          return { StackDriftDetectionId: id };
        }
        case 'DescribeStackDriftDetectionStatus': {
          const d = detections.get(i.StackDriftDetectionId as string)!;
          if (clock.now() - d.at < DETECTION_MS) return { DetectionStatus: 'DETECTION_IN_PROGRESS' };
          return {
            StackId: s.stack.StackId,
            StackDriftDetectionId: i.StackDriftDetectionId,
            Timestamp: new Date(),
            ...s.detection,
          };
        }
        case 'DescribeStackResourceDrifts':
          return { StackResourceDrifts: s.resourceDrifts };
        case 'CreateChangeSet':
          return { Id: changeSetId(stackName, i.ChangeSetName as string), StackId: s.stack.StackId };
        case 'DescribeChangeSet':
          return { ChangeSetId: i.ChangeSetName, StackName: stackName, ...s.changeSet };
        case 'DeleteChangeSet':
          return {};
        default:
          throw new Error(`unexpected ${op}`);
      }
    },
  };
  return { client: client as unknown as CloudFormationClient, calls };
}

async function once(stacks: number, concurrency: number) {
  const names = Array.from({ length: stacks }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  const clock = scaledClock();
  const { client, calls } = fakeCfn(clock, new Map(names.map((n) => [n, d2(n)])));
  const realStart = performance.now();
  const simStart = clock.now();
  // The fake runtime records every byte in memory (no files, no stdout); the clock and AWS client are ours.
  const rt: Runtime = {
    ...fakeRuntime({
      action: 'drift-check',
      inputs: { stacks: names.join('\n'), concurrency: String(concurrency), 'comment-on-pr': 'never' },
      env: { AWS_REGION: 'us-east-1', RUNNER_TEMP: '/tmp', GITHUB_RUN_ID: '1' },
    }),
    clock,
    aws: (() => client) as unknown as AwsFactory,
  };
  const outcome = await runWith(rt);
  if (outcome.results.some((result) => result.verdict !== 'drifted')) throw new Error('unexpected verdicts');
  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  return {
    sim: (clock.now() - simStart) / 1000,
    real: (performance.now() - realStart) / 1000,
    perStack: total / stacks,
    calls,
  };
}

const single = await once(1, 1);
const rows: string[][] = [
  ['1 (one stack)', '1', single.sim.toFixed(1), single.real.toFixed(2), '1.0', single.perStack.toFixed(1)],
];
let c10 = 0;
for (const c of [1, 5, 10]) {
  const r = await once(STACKS, c);
  if (c === 10) c10 = r.sim;
  rows.push([
    String(STACKS),
    String(c),
    r.sim.toFixed(1),
    r.real.toFixed(2),
    (r.sim / single.sim).toFixed(1),
    r.perStack.toFixed(1),
  ]);
}
const head = [
  'stacks',
  'concurrency',
  'wall (simulated s)',
  `wall (real s, ×${SCALE} scale)`,
  '× one stack',
  'API calls / stack',
];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => ' --- |').join('')}`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(
  `\ncalls per stack by operation: ${[...single.calls.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}`,
);
const ratio = c10 / single.sim;
console.log(
  `\ntarget: ${STACKS} stacks at concurrency 10 ≤ 11 × one stack → ${ratio.toFixed(1)}× ${ratio <= 11 ? 'OK' : 'MISSED'}`,
);
if (ratio > 11) process.exitCode = 1;
