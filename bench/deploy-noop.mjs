// No-op deploy benchmark against moto: ours (the committed bundle, run as the runner runs it) vs
// `aws cloudformation deploy --no-fail-on-empty-changeset` (AWS CLI v1), side by side in one run.
// CloudFormation API calls are counted by a counting loopback proxy in front of moto.
// Two no-op shapes: (a) the same template text — moto answers CreateChangeSet with the ValidationError
// "No updates are to be performed."; (b) the same template reformatted — moto creates a FAILED change set
// "didn't contain changes", the shape real CloudFormation uses.
// Also: bundle size and cold start (process start → first request) of dist/deploy-stack/index.js.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startMoto } from '../scripts/moto.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const bundle = path.resolve('dist/deploy-stack/index.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-bench-'));
const template = fs.readFileSync('examples/templates/demo.yaml', 'utf8');
fs.writeFileSync(path.join(tmp, 'same.yaml'), template);
// Two formattings of the same template, alternated so the deployed text always differs from the new one.
fs.writeFileSync(
  path.join(tmp, 'reformatted-0.yaml'),
  `# reformatted, same content\n${template.replace(/\n/g, '\n\n')}`,
);
fs.writeFileSync(path.join(tmp, 'reformatted-1.yaml'), `# reformatted again, same content\n${template}`);

const moto = await startMoto();
const upstream = new URL(moto.endpoint);
let calls = [];
let firstRequestAt = 0;
const proxy = http.createServer((req, res) => {
  if (!firstRequestAt) firstRequestAt = performance.now();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString())?.[1];
    const amzTarget = req.headers['x-amz-target'];
    calls.push(action ?? (amzTarget ? String(amzTarget).split('.').pop() : `${req.method} ${req.url}`));
    const up = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 500, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    up.end(body);
  });
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${proxy.address().port}`;
const env = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_ENDPOINT_URL: endpoint,
};

function run(cmd, args, extraEnv = {}) {
  return new Promise((resolve) => {
    calls = [];
    firstRequestAt = 0;
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      env: { ...env, ...extraEnv },
      cwd: tmp,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) =>
      resolve({
        code,
        ms: performance.now() - t0,
        coldMs: firstRequestAt ? firstRequestAt - t0 : NaN,
        calls: [...calls],
        out,
      }),
    );
  });
}

function ours(file, extra = {}) {
  const outFile = path.join(tmp, 'out');
  fs.writeFileSync(outFile, '');
  return run(process.execPath, [bundle], {
    GITHUB_WORKSPACE: tmp,
    GITHUB_OUTPUT: outFile,
    INPUT_NAME: 'bench-stack',
    INPUT_TEMPLATE: file,
    'INPUT_PARAMETER-OVERRIDES': 'ApiToken=bench-secret,Release=v1',
    'INPUT_ROLLBACK-PREFLIGHT': 'off',
    ...extra,
  });
}

function cli(file) {
  return run('aws', [
    'cloudformation',
    'deploy',
    '--stack-name',
    'bench-stack',
    '--template-file',
    file,
    '--parameter-overrides',
    'ApiToken=bench-secret',
    'Release=v1',
    '--no-fail-on-empty-changeset',
    '--endpoint-url',
    endpoint,
  ]);
}

// The (b) shape alternates formattings; what the other tool deployed last never matters: nothing executes.
const pick = (file, i) => (file === 'reformatted' ? `reformatted-${i % 2}.yaml` : file);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cfnCalls = (c) => c.filter((x) => /^[A-Z][A-Za-z]+$/.test(x) && !/^(GetCallerIdentity)$/.test(x));

try {
  const created = await ours('same.yaml');
  if (created.code !== 0) throw new Error(`initial create failed:\n${created.out}`);
  const rows = [];
  for (const [shape, file] of [
    ['(a) same text: ValidationError at CreateChangeSet', 'same.yaml'],
    ['(b) reformatted: FAILED "didn\'t contain changes"', 'reformatted'],
  ]) {
    for (const [who, fn] of [
      ['guarded-deploy (dist bundle)', (i) => ours(pick(file, i))],
      ['aws cloudformation deploy (CLI v1)', (i) => cli(pick(file, i + 1))],
    ]) {
      const rs = [];
      for (let i = 0; i < RUNS; i++) rs.push(await fn(i));
      const codes = [...new Set(rs.map((r) => r.code))].join('/');
      rows.push({
        shape,
        who,
        exit: codes,
        wallMs: Math.round(median(rs.map((r) => r.ms))),
        cfnCalls: median(rs.map((r) => cfnCalls(r.calls).length)),
        sequence: cfnCalls(rs[0].calls).join(' → '),
      });
    }
  }
  console.log(
    `\nNo-op deploy against moto (median of ${RUNS} runs; CloudFormation calls counted by a loopback proxy)\n`,
  );
  console.log('| no-op shape | tool | exit code | wall time (ms) | CloudFormation calls | calls |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(`| ${r.shape} | ${r.who} | ${r.exit} | ${r.wallMs} | ${r.cfnCalls} | ${r.sequence} |`);
  for (const shape of new Set(rows.map((r) => r.shape))) {
    const [a, b] = rows.filter((r) => r.shape === shape);
    console.log(`\n${shape}: wall-time ratio ours/CLI = ${(a.wallMs / b.wallMs).toFixed(2)}`);
  }

  // Cold start: process start → first HTTP request, for the bundle (median of RUNS).
  const colds = [];
  for (let i = 0; i < RUNS; i++) colds.push((await ours('same.yaml')).coldMs);
  const dist = path.dirname(bundle);
  const files = fs.readdirSync(dist).filter((f) => f.endsWith('.js'));
  const total = files.reduce((n, f) => n + fs.statSync(path.join(dist, f)).size, 0);
  console.log(
    `\nBundle: dist/deploy-stack/index.js ${(fs.statSync(bundle).size / 1024 / 1024).toFixed(2)} MiB (${fs.statSync(bundle).size} bytes); all chunks ${(total / 1024 / 1024).toFixed(2)} MiB (${files.join(', ')}; S3/STS load lazily)`,
  );
  console.log(
    `Cold start (process start → first request): median ${Math.round(median(colds))} ms over ${RUNS} runs (node ${process.version})`,
  );
  const node = spawnSync(process.execPath, ['-e', ''], { encoding: 'utf8' });
  void node;
} finally {
  proxy.close();
  await moto.stop();
}
