// deploy-stack side by side against moto: ours (dist/deploy-stack/index.js, run as the runner runs it) vs
// `aws cloudformation deploy` (AWS CLI v1) vs aws-cloudformation-github-deploy (when GD_PEER_BUNDLE points at
// its bundle). Scenarios create → no-op → update on a 2- and a 30-resource template (bench/templates/), without
// latency and with injected latency (bench/latency-proxy.mjs: change set N s, execution M s).
//
//   node bench/side-by-side.mjs                  # 5 runs each; latency 3 s / 15 s (about 6 minutes)
//   node bench/side-by-side.mjs --quick          # smoke run: 2 runs; latency 1 s / 3 s (about 2 minutes)
//   options: --runs N  --latency-runs N  --change-set-seconds S  --execution-seconds S  --lanes N
//            --node PATH (Node binary that runs the bundles)  --json FILE (raw results)
//
// Every sequence (one template, one iteration) deploys fresh stacks, one per tool, and runs the scenarios in
// order, the tools alternating: create ours, create CLI, [create peer,] no-op ours, no-op CLI, … Without latency
// the sequences run one after the other (CPU-bound: nothing else runs). With latency the runs mostly wait, so
// `--lanes` sequences run at the same time (each lane has its own proxy, so calls are counted per run; within a
// lane the tools still alternate); `--lanes 1` runs them strictly one after the other.
//
// Needs: python3 with moto[server] (the emulator), and AWS CLI v1 as `aws` for the CLI column (skipped with a
// note when absent). The emulator, the proxies and the temp folders are removed at the end, on a crash and
// on SIGINT/SIGTERM.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startMoto } from '../scripts/moto.mjs';
import { countByAction, startLatencyProxy } from './latency-proxy.mjs';
import {
  findAwsCli,
  findPeer,
  fixed,
  guarded,
  machine,
  markdownTable,
  median,
  onCleanup,
  ratio,
  rssMethod,
  runnerEnv,
  tempDir,
  timedRun,
} from './lib.mjs';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    'latency-runs': { type: 'string' },
    'change-set-seconds': { type: 'string' },
    'execution-seconds': { type: 'string' },
    lanes: { type: 'string' },
    node: { type: 'string' },
    json: { type: 'string' },
  },
});
const quick = flags.quick;
const RUNS = Number(flags.runs ?? (quick ? 2 : 5));
const LATENCY_RUNS = Number(flags['latency-runs'] ?? flags.runs ?? (quick ? 2 : 5));
const CHANGE_SET_MS = 1000 * Number(flags['change-set-seconds'] ?? (quick ? 1 : 3));
const EXECUTION_MS = 1000 * Number(flags['execution-seconds'] ?? (quick ? 3 : 15));
const LANES = Math.max(1, Number(flags.lanes ?? 5));
const LANE_STAGGER_MS = 6000;
const NODE = flags.node ?? process.execPath;

const TEMPLATES = [
  { key: '2 resources', short: 'r2', file: 'two-resources.yaml' },
  { key: '30 resources', short: 'r30', file: 'thirty-resources.yaml' },
];
/** Each scenario: the template variant and parameter it deploys on the stack the create made. */
const SCENARIOS = [
  { name: 'create', variant: '', release: 'v1' },
  // Same resources and parameters, different template text: CloudFormation's (and moto's) empty change set
  // FAILED "didn't contain changes" — the no-op shape of real deploys.
  { name: 'no-op', variant: '.reformatted', release: 'v1' },
  // The Release parameter changes: 1 (2-resource template) or 10 (30-resource) SSM parameters are modified.
  { name: 'update', variant: '', release: 'v2' },
];
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BUNDLE = path.join(REPO, 'dist/deploy-stack/index.js');

function awsEnv(endpoint, dir) {
  return {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
  };
}

/** The tools to compare, each `run({ stack, file, release, endpoint, dir })` → timedRun result. */
function tools(workspace) {
  const list = [
    {
      name: 'ours',
      run: ({ stack, file, release, endpoint, dir }) =>
        timedRun(NODE, [BUNDLE], {
          cwd: workspace,
          env: runnerEnv({
            actionYml: path.join(REPO, 'actions/deploy-stack/action.yml'),
            inputs: { name: stack, template: file, 'parameter-overrides': `Release=${release}` },
            dir,
            workspace,
            extra: awsEnv(endpoint, dir),
          }),
        }),
    },
  ];
  const notes = [];
  const cli = findAwsCli();
  if (cli.missing) notes.push(`CLI column skipped: ${cli.missing}.`);
  else {
    if (!cli.version.startsWith('aws-cli/1.')) notes.push(`note: the CLI is ${cli.version}, not v1.`);
    list.push({
      name: 'CLI',
      version: cli.version,
      run: ({ stack, file, release, endpoint, dir }) =>
        timedRun(
          cli.path,
          [
            'cloudformation',
            'deploy',
            '--stack-name',
            stack,
            '--template-file',
            file,
            '--parameter-overrides',
            `Release=${release}`,
            '--capabilities',
            'CAPABILITY_IAM',
            '--no-fail-on-empty-changeset',
            '--endpoint-url',
            endpoint,
          ],
          { cwd: workspace, env: { ...process.env, ...awsEnv(endpoint, dir) } },
        ),
    });
  }
  const peer = findPeer();
  if (peer.missing) notes.push(`peer column skipped: ${peer.missing}.`);
  else
    list.push({
      name: 'peer',
      run: ({ stack, file, release, endpoint, dir }) =>
        timedRun(NODE, [peer.bundle], {
          cwd: workspace,
          env: runnerEnv({
            actionYml: peer.actionYml,
            inputs: {
              name: stack,
              template: file,
              'parameter-overrides': `Release=${release}`,
              'no-fail-on-empty-changeset': '1',
            },
            dir,
            workspace,
            extra: awsEnv(endpoint, dir),
          }),
        }),
    });
  return { list, notes, cliVersion: cli.version };
}

/** One template, one iteration: fresh stacks, the scenarios in order, the tools alternating. */
async function sequence({ proxy, template, latency, iteration, toolList, results }) {
  for (const scenario of SCENARIOS) {
    for (const tool of toolList) {
      const stack = `sbs-${tool.name.toLowerCase()}-${template.short}-${latency ? 'l' : 'n'}${iteration}`;
      const dir = tempDir('gd-sbs-run-');
      const file = template.file.replace(/\.yaml$/, `${scenario.variant}.yaml`);
      proxy.take();
      const run = await tool.run({ stack, file, release: scenario.release, endpoint: proxy.endpoint, dir });
      const calls = proxy.take();
      fs.rmSync(dir, { recursive: true, force: true });
      results.push({
        template: template.key,
        latency,
        scenario: scenario.name,
        tool: tool.name,
        iteration,
        code: run.code,
        ms: run.ms,
        rssKiB: run.rssKiB,
        calls: countByAction(calls),
        // CloudFormation calls (the #12 floor is counted in them); other services' calls (deploy-stack's SSM
        // deploy record, issue #14 O1) are counted apart and listed by action.
        callCount: calls.filter((call) => !call.action.includes(':')).length,
        otherCalls: calls.filter((call) => call.action.includes(':')).length,
        pagedDescribes: calls.filter((call) => call.action === 'DescribeChangeSet' && call.paged).length,
        output: run.code === 0 ? undefined : run.output.slice(-2000),
      });
      process.stderr.write(
        `  ${latency ? 'latency' : 'no latency'} · ${template.key} · #${iteration} · ${scenario.name} · ${tool.name}: ${(run.ms / 1000).toFixed(2)} s, ${calls.length} calls, exit ${run.code}\n`,
      );
    }
  }
}

/** Run `jobs` (async functions) on `lanes` lanes, each lane taking the next job when it is free. */
async function onLanes(jobs, lanes, makeLane) {
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: Math.min(lanes, queue.length) }, async (_, index) => {
      // Staggered starts, so the lanes' process start-ups (the CPU-bound part) rarely coincide.
      await new Promise((resolve) => setTimeout(resolve, index * LANE_STAGGER_MS));
      const lane = await makeLane();
      for (let job = queue.shift(); job; job = queue.shift()) await job(lane);
    }),
  );
}

function floorCalls(scenario, pagedDescribes) {
  // CreateChangeSet, one DescribeChangeSet that sees it ready (+ its further pages), ExecuteChangeSet, one
  // DescribeStacks that sees the end. An empty change set: CreateChangeSet and the DescribeChangeSet that
  // sees it FAILED.
  return scenario === 'no-op' ? 2 : 4 + pagedDescribes;
}

function targetsOf(row) {
  const checks = [];
  const check = (label, value, limit) =>
    checks.push(`${label} ≤ ${limit}${Number.isFinite(value) ? (value <= limit ? ' ✓' : ' ✗') : ' (n/a)'}`);
  if (row.scenario === 'update' && !row.latency) check('×CLI', row.oursCli, 0.7);
  if (row.scenario === 'no-op' && !row.latency) check('×CLI', row.oursCli, 0.5);
  if (row.scenario === 'create' && row.latency) {
    check('×floor', row.oursFloor, 1.1);
    check('×CLI', row.oursCli, 0.6);
  }
  if (row.scenario === 'create')
    checks.push(
      `calls ≤ floor+3 = ${row.floorCalls + 3}${row.calls.ours <= row.floorCalls + 3 ? ' ✓' : ' ✗'}`,
    );
  return checks.join('; ') || '—';
}

function summarise(results, toolNames, latencyLabel) {
  const rows = [];
  for (const latency of [false, true])
    for (const template of TEMPLATES)
      for (const scenario of SCENARIOS) {
        const of = (tool) =>
          results.filter(
            (r) =>
              r.latency === latency &&
              r.template === template.key &&
              r.scenario === scenario.name &&
              r.tool === tool,
          );
        if (!of('ours').length) continue;
        const row = {
          template: template.key,
          latency,
          scenario: scenario.name,
          runs: of('ours').length,
          seconds: {},
          calls: {},
          otherCalls: {},
          byAction: {},
          rssMiB: {},
          failures: {},
        };
        for (const tool of toolNames) {
          const runs = of(tool);
          row.seconds[tool] = median(runs.map((r) => r.ms)) / 1000;
          row.calls[tool] = median(runs.map((r) => r.callCount));
          row.otherCalls[tool] = median(runs.map((r) => r.otherCalls));
          row.rssMiB[tool] = median(runs.map((r) => r.rssKiB)) / 1024;
          const actions = [...new Set(runs.flatMap((r) => Object.keys(r.calls)))];
          row.byAction[tool] = Object.fromEntries(
            actions.map((action) => [action, median(runs.map((r) => r.calls[action] ?? 0))]),
          );
          row.failures[tool] = runs.filter((r) => r.code !== 0).length;
        }
        const floorMs =
          latency && scenario.name !== 'no-op' ? CHANGE_SET_MS + EXECUTION_MS : latency ? CHANGE_SET_MS : 0;
        row.floorSeconds = floorMs / 1000;
        row.floorCalls = floorCalls(scenario.name, median(of('ours').map((r) => r.pagedDescribes)));
        row.oursCli = ratio(row.seconds.ours, row.seconds.CLI);
        row.oursPeer = ratio(row.seconds.ours, row.seconds.peer);
        row.oursFloor = ratio(row.seconds.ours, row.floorSeconds);
        row.target = targetsOf(row);
        rows.push(row);
      }
  const hasCli = toolNames.includes('CLI');
  const hasPeer = toolNames.includes('peer');
  const seconds = (row, tool) =>
    `${fixed(row.seconds[tool])}${row.failures[tool] ? ` (${row.failures[tool]} failed)` : ''}`;
  const header = [
    'template',
    'latency',
    'scenario',
    'floor s',
    'ours s',
    ...(hasCli ? ['CLI s'] : []),
    ...(hasPeer ? ['peer s'] : []),
    ...(hasCli ? ['ours/CLI'] : []),
    ...(hasPeer ? ['ours/peer'] : []),
    'ours/floor',
    `CloudFormation calls ours${hasCli ? ' / CLI' : ''} / floor`,
    'other calls ours (SSM deploy record)',
    `peak RSS MiB ours${hasCli ? ' / CLI' : ''}${hasPeer ? ' / peer' : ''}`,
    'targets (#12)',
  ];
  const table = markdownTable(
    header,
    rows.map((row) => [
      row.template,
      row.latency ? latencyLabel : 'none',
      row.scenario,
      row.latency ? fixed(row.floorSeconds, 1) : '—',
      seconds(row, 'ours'),
      ...(hasCli ? [seconds(row, 'CLI')] : []),
      ...(hasPeer ? [seconds(row, 'peer')] : []),
      ...(hasCli ? [`**${fixed(row.oursCli)}**`] : []),
      ...(hasPeer ? [`**${fixed(row.oursPeer)}**`] : []),
      row.latency ? `**${fixed(row.oursFloor)}**` : '—',
      [row.calls.ours, ...(hasCli ? [row.calls.CLI] : []), row.floorCalls].join(' / '),
      String(row.otherCalls.ours ?? 0),
      toolNames.map((tool) => fixed(row.rssMiB[tool], 0)).join(' / '),
      row.target,
    ]),
  );
  const byAction = markdownTable(
    ['template', 'latency', 'scenario', ...toolNames.map((tool) => `${tool}: calls by action (median)`)],
    rows.map((row) => [
      row.template,
      row.latency ? latencyLabel : 'none',
      row.scenario,
      ...toolNames.map((tool) =>
        Object.entries(row.byAction[tool])
          .map(([action, count]) => `${action} ${count}`)
          .join(', '),
      ),
    ]),
  );
  return { rows, table, byAction };
}

await guarded(async () => {
  const began = performance.now();
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run package deploy-stack`);
  const workspace = tempDir('gd-sbs-workspace-');
  for (const template of TEMPLATES) {
    const text = fs.readFileSync(path.join(REPO, 'bench/templates', template.file), 'utf8');
    fs.writeFileSync(path.join(workspace, template.file), text);
    fs.writeFileSync(
      path.join(workspace, template.file.replace(/\.yaml$/, '.reformatted.yaml')),
      `# The same template, reformatted: no change.\n${text.replace(/\n/g, '\n\n')}`,
    );
  }
  const { list: toolList, notes, cliVersion } = tools(workspace);
  const toolNames = toolList.map((tool) => tool.name);
  const nodeVersion = (await timedRun(NODE, ['--version'], { rss: false })).output.trim();
  const moto = await startMoto();
  onCleanup(() => moto.stop());
  const startProxy = async (latency) => {
    const proxy = await startLatencyProxy(moto.endpoint, latency);
    onCleanup(() => proxy.close());
    return proxy;
  };
  const results = [];
  const latencyLabel = `${CHANGE_SET_MS / 1000} s / ${EXECUTION_MS / 1000} s`;

  const plain = await startProxy({});
  // One untimed sequence per template first: moto loads its CloudFormation, SQS, SNS and SSM code on first use.
  process.stderr.write('Warm-up (not counted)\n');
  for (const template of TEMPLATES)
    await sequence({
      proxy: plain,
      template,
      latency: false,
      iteration: 0,
      toolList,
      workspace,
      results: [],
    });
  process.stderr.write(`No latency: ${RUNS} runs × ${TEMPLATES.length} templates, one after the other\n`);
  for (let iteration = 1; iteration <= RUNS; iteration++)
    for (const template of TEMPLATES)
      await sequence({ proxy: plain, template, latency: false, iteration, toolList, results });

  process.stderr.write(
    `Latency ${latencyLabel}: ${LATENCY_RUNS} runs × ${TEMPLATES.length} templates on ${LANES} lanes\n`,
  );
  const jobs = [];
  for (let iteration = 1; iteration <= LATENCY_RUNS; iteration++)
    for (const template of TEMPLATES)
      jobs.push((proxy) => sequence({ proxy, template, latency: true, iteration, toolList, results }));
  await onLanes(jobs, LANES, () => startProxy({ changeSetMs: CHANGE_SET_MS, executionMs: EXECUTION_MS }));

  const { rows, table, byAction } = summarise(results, toolNames, latencyLabel);
  const minutes = ((performance.now() - began) / 60_000).toFixed(1);
  console.log(`\n## deploy-stack side by side (\`node bench/side-by-side.mjs${quick ? ' --quick' : ''}\`)\n`);
  console.log(`Machine: ${machine(nodeVersion)}. Emulator: moto; ${rssMethod}.`);
  console.log(
    `Tools: ours = dist/deploy-stack/index.js on Node ${nodeVersion}${cliVersion ? `; CLI = \`aws cloudformation deploy\` (${cliVersion})` : ''}.`,
  );
  console.log(
    `Medians of ${RUNS} runs without latency and ${LATENCY_RUNS} with (${LANES} lanes); latency = change set ${CHANGE_SET_MS / 1000} s, execution ${EXECUTION_MS / 1000} s (floor = their sum; a no-op's floor is the change set alone). Run time ${minutes} min.`,
  );
  for (const note of notes) console.log(`- ${note}`);
  console.log(`\n${table}\n\n${byAction}\n`);
  const failed = results.filter((r) => r.code !== 0);
  for (const failure of failed.slice(0, 3))
    console.log(
      `\nFAILED: ${failure.tool} ${failure.scenario} (${failure.template}, ${failure.latency ? 'latency' : 'no latency'}) exit ${failure.code}:\n${failure.output}`,
    );
  if (flags.json)
    fs.writeFileSync(
      flags.json,
      JSON.stringify({ machine: machine(nodeVersion), latencyLabel, rows, results }, null, 2),
    );
  if (failed.length) process.exitCode = 1;
});
