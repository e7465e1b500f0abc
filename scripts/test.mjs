// `npm test`: unit tests, then integration and dist tests against a moto server started here
// on a free loopback port and always stopped. Ends with one plain line "N passed, N failed".
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { motoAvailable, startMoto } from './moto.mjs';

const which = process.argv[2] ?? 'all'; // all | unit | integration | dist | adversarial
// Optional path patterns after the kind narrow the run (e.g. `node scripts/test.mjs unit test/unit/helm-guard`).
const only = process.argv.slice(3);
const jestBin = path.resolve('node_modules/jest/bin/jest.js');
const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-jest-'));

function runJest(label, roots, env) {
  const out = path.join(resultsDir, `${label}.json`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--no-warnings',
        jestBin,
        '--json',
        `--outputFile=${out}`,
        ...(only.length ? only : roots),
      ],
      { stdio: 'inherit', env: { ...process.env, ...env } },
    );
    child.on('exit', (code) => {
      let passed = 0;
      let failed = 0;
      try {
        const r = JSON.parse(fs.readFileSync(out, 'utf8'));
        passed = r.numPassedTests;
        failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
      } catch {
        failed += 1;
      }
      resolve({ code: code ?? 1, passed, failed });
    });
  });
}

let moto;
let code = 0;
let passed = 0;
let failed = 0;
const stop = async () => {
  if (moto) await moto.stop();
  moto = undefined;
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await stop();
    process.exit(130);
  });
}

try {
  if (which === 'all' || which === 'unit') {
    const r = await runJest('unit', ['test/unit'], { NODE_OPTIONS: '' });
    passed += r.passed;
    failed += r.failed;
    if (r.code !== 0) code = r.code;
  }
  if (which === 'all' || which === 'integration' || which === 'dist' || which === 'adversarial') {
    if (!motoAvailable()) {
      console.error(
        'moto server not found: `python3 -m moto.server` is required for integration and dist tests.',
      );
      process.exit(1);
    }
    moto = await startMoto();
    console.log(`moto server started at ${moto.endpoint}`);
    const roots = which === 'all' ? ['test/integration', 'test/dist', 'test/adversarial'] : [`test/${which}`];
    const r = await runJest('integration', roots, { GD_MOTO_ENDPOINT: moto.endpoint });
    passed += r.passed;
    failed += r.failed;
    if (r.code !== 0) code = r.code;
  }
} catch (e) {
  console.error(String(e?.message ?? e));
  code = 1;
} finally {
  await stop();
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(code !== 0 || failed > 0 ? code || 1 : 0);
