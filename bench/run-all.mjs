// `npm run bench`: every benchmark, one after the other; figures go to docs/benchmarks.md by hand.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const steps = [
  ['node', ['bench/bundles.mjs']],
  ['node', ['bench/deploy-noop.mjs']],
  ['npx', ['tsx', 'bench/render-plan.ts']],
  ['npx', ['tsx', 'bench/drift-check.ts']],
];
let failed = 0;
for (const [cmd, args] of steps) {
  if (!fs.existsSync(args[args.length - 1])) continue;
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
