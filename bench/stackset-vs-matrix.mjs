// One StackSet rollout (deploy-stackset) vs a 6-job matrix of deploy-stack, for 2 accounts × 3 regions, with
// simulated instance durations: wall time and AWS API calls, for a first rollout and a no-op re-run.
//
//   npx tsx bench/stackset-vs-matrix.mjs                 # instance 2 s change set + 6 s execution (about 2 min)
//   npx tsx bench/stackset-vs-matrix.mjs --change-set-seconds 3 --execution-seconds 15 --runs 3
//
// StackSet side: dist/deploy-stackset/index.js, run as the runner runs it, against the loopback StackSet
// stand-in (test/helpers/stackset-standin.ts) whose instances take change set + execution time each (times
// a per-account/region factor), max-concurrent 2 (both accounts at once in a region), regions PARALLEL and
// SEQUENTIAL. Matrix side: six dist/deploy-stack/index.js processes at the same time (a matrix with no
// max-parallel), each against moto behind its own latency proxy (bench/latency-proxy.mjs) with the same
// change set and execution times as the instance it stands for. Runner start-up (queueing for six runners,
// checkout, credentials) is not in the matrix figures: real matrices add it per job.
//
// Needs python3 with moto[server] (the emulator). Everything started is stopped at the end, on a crash and on
// SIGINT/SIGTERM.
import path from 'node:path';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import { startMoto } from '../scripts/moto.mjs';
import { countByAction, startLatencyProxy } from './latency-proxy.mjs';
import {
  fixed,
  guarded,
  machine,
  markdownTable,
  median,
  onCleanup,
  runnerEnv,
  tempDir,
  timedRun,
} from './lib.mjs';
import { startStackSetStandIn } from '../test/helpers/stackset-standin.ts';

const { values: options } = parseArgs({
  options: {
    'change-set-seconds': { type: 'string', default: '2' },
    'execution-seconds': { type: 'string', default: '6' },
    runs: { type: 'string', default: '2' },
  },
});
const changeSetMs = Number(options['change-set-seconds']) * 1000;
const executionMs = Number(options['execution-seconds']) * 1000;
const runs = Number(options.runs);

const ACCOUNTS = ['111111111111', '222222222222'];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const REGION_FACTOR = { 'us-east-1': 1, 'eu-west-1': 1.2, 'ap-southeast-2': 1.5 };
const ACCOUNT_FACTOR = { 111111111111: 1, 222222222222: 1.1 };
/** One instance's simulated time: its change set and execution, scaled for its account and region. */
const factor = (account, region) => REGION_FACTOR[region] * ACCOUNT_FACTOR[account];

const TEMPLATE = fs.readFileSync('bench/templates/two-resources.yaml', 'utf8');
const credentials = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_EC2_METADATA_DISABLED: 'true',
};

function total(counts) {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** One deploy-stackset run (create or no-op) against `standIn`. */
async function stackSetRun(standIn, workspace, name, concurrency, runId) {
  const dir = tempDir('gd-bench-ss-');
  const env = runnerEnv({
    actionYml: 'actions/deploy-stackset/action.yml',
    inputs: {
      name,
      template: 'template.yaml',
      accounts: ACCOUNTS.join(','),
      regions: REGIONS.join(','),
      'max-concurrent': '2',
      'failure-tolerance': '1',
      'region-concurrency': concurrency,
      'comment-on-pr': 'never',
    },
    dir,
    workspace,
    extra: {
      ...credentials,
      AWS_ENDPOINT_URL: standIn.endpoint,
      AWS_REGION: 'us-east-1',
      GITHUB_RUN_ID: runId,
    },
  });
  const before = standIn.calls.length;
  const result = await timedRun(process.execPath, [path.resolve('dist/deploy-stackset/index.js')], {
    env,
    cwd: workspace,
    rss: false,
  });
  if (result.code !== 0) throw new Error(`deploy-stackset exited ${result.code}:\n${result.output}`);
  return { ms: result.ms, calls: countByAction(standIn.calls.slice(before)) };
}

/** Six deploy-stack processes at once, each behind its own latency proxy in front of moto. */
async function matrixRun(moto, workspace, prefix) {
  const legs = ACCOUNTS.flatMap((account) => REGIONS.map((region) => ({ account, region })));
  const started = performance.now();
  const results = await Promise.all(
    legs.map(async ({ account, region }) => {
      const scale = factor(account, region);
      const proxy = await startLatencyProxy(moto, {
        changeSetMs: changeSetMs * scale,
        executionMs: executionMs * scale,
      });
      try {
        const env = runnerEnv({
          actionYml: 'actions/deploy-stack/action.yml',
          inputs: {
            name: `${prefix}-${account.slice(0, 3)}-${region}`,
            template: 'template.yaml',
            'aws-region': region,
            'comment-on-pr': 'never',
          },
          dir: tempDir('gd-bench-mx-'),
          workspace,
          extra: { ...credentials, AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: region },
        });
        const result = await timedRun(process.execPath, [path.resolve('dist/deploy-stack/index.js')], {
          env,
          cwd: workspace,
          rss: false,
        });
        if (result.code !== 0) throw new Error(`deploy-stack exited ${result.code}:\n${result.output}`);
        return { ms: result.ms, calls: countByAction(proxy.take()) };
      } finally {
        await proxy.close();
      }
    }),
  );
  const calls = {};
  for (const leg of results)
    for (const [action, count] of Object.entries(leg.calls)) calls[action] = (calls[action] ?? 0) + count;
  return { ms: performance.now() - started, slowestLegMs: Math.max(...results.map((leg) => leg.ms)), calls };
}

await guarded(async () => {
  const workspace = tempDir('gd-bench-ws-');
  fs.writeFileSync(path.join(workspace, 'template.yaml'), TEMPLATE);
  const moto = await startMoto();
  onCleanup(() => moto.stop());
  const rows = { parallel: [], sequential: [], matrix: [] };
  for (let run = 1; run <= runs; run++) {
    for (const concurrency of ['PARALLEL', 'SEQUENTIAL']) {
      const standIn = await startStackSetStandIn({
        durationMs: (account, region) => (changeSetMs + executionMs) * factor(account, region),
      });
      onCleanup(() => standIn.close());
      const create = await stackSetRun(standIn, workspace, `bench-${run}`, concurrency, `${run}1`);
      const noop = await stackSetRun(standIn, workspace, `bench-${run}`, concurrency, `${run}2`);
      rows[concurrency.toLowerCase()].push({ create, noop });
      await standIn.close();
    }
    const prefix = `bench-mx-${process.pid}-${run}`;
    const create = await matrixRun(moto.endpoint, workspace, prefix);
    const noop = await matrixRun(moto.endpoint, workspace, prefix);
    rows.matrix.push({ create, noop });
  }
  const line = (label, list) => {
    const create = median(list.map((entry) => entry.create.ms)) / 1000;
    const noop = median(list.map((entry) => entry.noop.ms)) / 1000;
    const last = list[list.length - 1];
    const mutating = (calls) =>
      Object.entries(calls)
        .filter(([action]) => /^(Create|Update|Delete|Execute)/.test(action))
        .reduce((sum, [, count]) => sum + count, 0);
    return [
      label,
      fixed(create, 1),
      String(total(last.create.calls)),
      String(mutating(last.create.calls)),
      fixed(noop, 1),
      String(total(last.noop.calls)),
      String(mutating(last.noop.calls)),
    ];
  };
  console.log(
    `\nStackSet rollout vs 6-job matrix — 2 accounts × 3 regions; each instance ${changeSetMs / 1000} s change set + ${executionMs / 1000} s execution × (region 1 / 1.2 / 1.5) × (account 1 / 1.1); median of ${runs} run(s); API calls of the last run.\n`,
  );
  console.log(
    markdownTable(
      [
        'Rollout',
        'Create wall (s)',
        'Create API calls',
        'of which mutating',
        'No-op wall (s)',
        'No-op API calls',
        'of which mutating',
      ],
      [
        line('deploy-stackset, regions PARALLEL, max-concurrent 2', rows.parallel),
        line('deploy-stackset, regions SEQUENTIAL, max-concurrent 2', rows.sequential),
        line('6 × deploy-stack (matrix, all legs at once; runner start-up not included)', rows.matrix),
      ],
    ),
  );
  const last = rows.matrix[rows.matrix.length - 1];
  console.log(`\nMatrix calls by action (create, all legs): ${JSON.stringify(last.create.calls)}`);
  console.log(
    `StackSet calls by action (create, PARALLEL): ${JSON.stringify(rows.parallel[rows.parallel.length - 1].create.calls)}`,
  );
  console.log(`\n${machine()}`);
});
