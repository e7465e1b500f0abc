// `npm run demo`: start moto, run the bundled deploy-stack exactly as the runner would on
// examples/templates/demo.yaml — create, re-run with no changes, update — and print the log and the
// job summary a user would see. Stops moto at the end.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMoto } from './moto.mjs';

const bundle = path.resolve('dist/deploy-stack/index.js');
if (!fs.existsSync(bundle)) {
  console.error('dist/deploy-stack/index.js is missing: run `npm run package` first.');
  process.exit(1);
}

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const SDK_WARNING =
  /NodeVersionSupportWarning|versions published after|will require node|To continue receiving|security updates please|More information can be found|node --trace-warnings|^\s*$/;

async function step(title, inputs, env) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-demo-'));
  const out = path.join(tmp, 'output');
  const summary = path.join(tmp, 'summary');
  fs.writeFileSync(out, '');
  fs.writeFileSync(summary, '');
  const childEnv = {
    ...process.env,
    ...env,
    GITHUB_OUTPUT: out,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_WORKSPACE: process.cwd(),
  };
  for (const [k, v] of Object.entries(inputs)) childEnv[`INPUT_${k.toUpperCase()}`] = v;
  console.log(`\n${bold(`━━ ${title}`)}`);
  console.log(
    `   with: ${Object.entries(inputs)
      .map(
        ([k, v]) =>
          `${k}=${k === 'parameter-overrides' ? v.replace(/ApiToken=[^,]*/, 'ApiToken=${{ secrets.API_TOKEN }}') : v}`,
      )
      .join('  ')}\n`,
  );
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (stream) => (d) => {
      for (const line of String(d).split('\n')) {
        if (SDK_WARNING.test(line)) continue;
        if (line.startsWith('::add-mask::')) continue; // the runner consumes these
        stream.write(`   │ ${line}\n`);
      }
    };
    child.stdout.on('data', relay(process.stdout));
    child.stderr.on('data', relay(process.stderr));
    child.on('close', resolve);
  });
  const outputs =
    fs
      .readFileSync(out, 'utf8')
      .match(/^([\w-]+)<</gm)
      ?.map((m) => m.slice(0, -2)) ?? [];
  const text = fs.readFileSync(out, 'utf8');
  const get = (k) => new RegExp(`^${k}<<(.+)\\n([\\s\\S]*?)\\n\\1$`, 'm').exec(text)?.[2];
  console.log(
    `\n   exit code ${code}; outputs: has-changes=${get('has-changes')} stack-status=${get('stack-status')} changes-count=${get('changes-count')} (${outputs.length} outputs)`,
  );
  console.log(`\n   ${bold('Job summary:')}`);
  for (const line of fs.readFileSync(summary, 'utf8').split('\n')) console.log(`   ┃ ${line}`);
  return code;
}

const moto = await startMoto();
console.log(`moto server (local AWS emulator) at ${moto.endpoint}`);
const env = {
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'demo',
  AWS_SECRET_ACCESS_KEY: 'demo',
  GITHUB_RUN_ID: '1001',
  GITHUB_RUN_ATTEMPT: '1',
};
const base = { name: 'guarded-demo', template: 'examples/templates/demo.yaml', environment: 'demo' };
const secret = 'demo-secret-never-printed';
const steps = [
  ['1. First deploy: the stack does not exist → CREATE change set, executed', 'v1', '1001'],
  ['2. Re-run with no changes → success, has-changes=false (M1)', 'v1', '1002'],
  ['3. Update: Release v1 → v2', 'v2', '1003'],
];
let failed = 0;
try {
  for (const [title, release, runId] of steps) {
    const inputs = { ...base, 'parameter-overrides': `ApiToken=${secret},Release=${release}` };
    if ((await step(title, inputs, { ...env, GITHUB_RUN_ID: runId })) !== 0) failed += 1;
  }
} finally {
  await moto.stop();
}
console.log(
  failed
    ? `\n${failed} step(s) failed.`
    : '\nDemo finished: all three runs succeeded. The secret was masked (::add-mask::) before anything was printed.',
);
process.exit(failed ? 1 : 0);
