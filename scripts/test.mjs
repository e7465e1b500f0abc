// `npm test`: unit tests, then integration, dist and adversarial tests against a moto server started here
// on a free loopback port and always stopped. moto is found or set up first (scripts/moto.mjs); when that
// is impossible the unit tests still run and the reason is printed just above the closing line.
// Always ends with one plain line "N passed, N failed"; exits non-zero when anything failed or could not run.
//
// Every temporary file the tests make goes into one run-scoped folder (TMPDIR for the jest processes and
// everything they start), removed at the end — also on failure and on Ctrl-C.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmulatorSetupError, ensureMoto, startMoto } from './moto.mjs';

const KINDS = ['all', 'unit', 'integration', 'dist', 'adversarial'];
const which = process.argv[2] ?? 'all';
if (!KINDS.includes(which)) {
  console.error(`usage: node scripts/test.mjs [${KINDS.join('|')}] [path patterns...]`);
  process.exit(2);
}
// Optional path patterns after the kind narrow the run (e.g. `node scripts/test.mjs unit test/unit/helm-guard`).
const only = process.argv.slice(3);
const jestBin = path.resolve('node_modules/jest/bin/jest.js');
// jest's default cache lives in os.tmpdir(); keep it where it was so the run-scoped TMPDIR does not make
// every run recompile every file.
const jestCache = path.join(os.tmpdir(), `jest_${(process.getuid?.() ?? 0).toString(36)}`);
const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-test-run-'));
const resultsDir = path.join(runTmp, 'results');
const childTmp = path.join(runTmp, 'tmp');
fs.mkdirSync(resultsDir);
fs.mkdirSync(childTmp);

function removeRunTmp() {
  fs.rmSync(runTmp, { recursive: true, force: true, maxRetries: 3 });
}

let currentJest; // the jest process running now, so Ctrl-C can wait for it before removing the run folder

function runJest(label, roots, env) {
  const out = path.join(resultsDir, `${label}.json`);
  return new Promise((resolve) => {
    const child = (currentJest = spawn(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--no-warnings',
        jestBin,
        '--json',
        `--outputFile=${out}`,
        `--cacheDirectory=${jestCache}`,
        ...(only.length ? only : roots),
      ],
      {
        stdio: 'inherit',
        env: { ...process.env, TMPDIR: childTmp, TMP: childTmp, TEMP: childTmp, ...env },
      },
    ));
    child.on('exit', (code) => {
      currentJest = undefined;
      let passed = 0;
      let failed = 0;
      try {
        const results = JSON.parse(fs.readFileSync(out, 'utf8'));
        passed = results.numPassedTests;
        failed = results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
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
let notRun; // why integration/dist/adversarial tests could not run
const stop = async () => {
  if (moto) await moto.stop();
  moto = undefined;
};
let interrupted; // the signal that stopped the run
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    interrupted = signal;
    if (currentJest) {
      // Jest got the same Ctrl-C (or gets it now); the main flow ends the run when it exits, so its folder
      // is removed only after it stopped writing there.
      currentJest.kill(signal);
      return;
    }
    await stop();
    removeRunTmp();
    process.exit(130);
  });
}

const needsMoto = which !== 'unit';
const motoKinds = which === 'all' ? 'integration, dist and adversarial' : which;
try {
  let python;
  if (needsMoto) {
    try {
      python = ensureMoto().python;
    } catch (error) {
      if (!(error instanceof EmulatorSetupError)) throw error;
      notRun = `${motoKinds} tests did not run. ${error.message}`;
    }
  }
  if (which === 'all' || which === 'unit') {
    const result = await runJest('unit', ['test/unit'], { NODE_OPTIONS: '' });
    passed += result.passed;
    failed += result.failed;
    if (result.code !== 0) code = result.code;
  }
  if (needsMoto && python && !interrupted) {
    moto = await startMoto({ python });
    console.log(`moto server started at ${moto.endpoint}`);
    const roots = which === 'all' ? ['test/integration', 'test/dist', 'test/adversarial'] : [`test/${which}`];
    const result = await runJest('integration', roots, { GD_MOTO_ENDPOINT: moto.endpoint });
    passed += result.passed;
    failed += result.failed;
    if (result.code !== 0) code = result.code;
  }
} catch (error) {
  notRun ??= `${needsMoto ? motoKinds : 'unit'} tests did not complete: ${String(error?.message ?? error)}`;
  code = 1;
} finally {
  await stop();
  removeRunTmp();
}
console.log('');
if (interrupted) {
  console.log(`Interrupted (${interrupted}): the run did not complete.`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(130);
}
if (notRun) {
  console.log(notRun);
  code ||= 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(code !== 0 || failed > 0 ? code || 1 : 0);
