// Bundle size of every dist/<action>/ and the time to load it (process start → exit on an input error,
// which happens before any network call): median of BENCH_RUNS runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const baseline = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  baseline.push(performance.now() - t0);
}
console.log(`\nBundles (node ${process.version}; empty node process: ${Math.round(median(baseline))} ms)\n`);
console.log('| action | index.js | all chunks | load + validate + exit (ms) |');
console.log('| --- | --- | --- | --- |');
for (const name of fs.readdirSync('dist').sort()) {
  const dir = path.join('dist', name);
  const main = path.join(dir, 'index.js');
  if (!fs.existsSync(main)) continue;
  const js = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
  const total = js.reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    // No INPUT_* at all: every action fails its first required-input check and exits 1.
    spawnSync(process.execPath, [main], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
    });
    times.push(performance.now() - t0);
  }
  const mib = (n) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
  console.log(
    `| ${name} | ${mib(fs.statSync(main).size)} | ${mib(total)} (${js.length} files) | ${Math.round(median(times))} |`,
  );
}
