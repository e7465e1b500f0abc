// `npm run demo`: start moto (set up first when needed, see scripts/moto.mjs), run the bundled deploy-stack
// exactly as the runner would on examples/templates/demo.yaml — create, re-run with no changes, update after a
// template edit — and show each step as a person reads it on GitHub: the log rendered (groups as headings,
// debug hidden unless `--debug`, every ::add-mask:: value shown as ***), the job summary as text, and what the
// step proved (each claim checked here; a false claim fails the demo). Stops moto at the end.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { markdownToText, RunnerLog } from './demo-render.mjs';
import { EmulatorSetupError, ensureMoto, startMoto } from './moto.mjs';

const debug = process.argv.includes('--debug');
const bundle = path.resolve('dist/deploy-stack/index.js');
const TEMPLATE = 'examples/templates/demo.yaml';
if (!fs.existsSync(bundle)) {
  console.error('dist/deploy-stack/index.js is missing: run `npm run package` first.');
  process.exit(1);
}

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);
// The AWS SDK's own notice on Node < 22 (the runner uses node24), not part of what the action prints.
const SDK_WARNING =
  /NodeVersionSupportWarning|versions published after|will require node|To continue receiving|security updates please|More information can be found|node --trace-warnings/;
const SECRET = 'demo-secret-never-printed';

/** The pull request's template edit in step 3: a property of an existing resource changes (a Modify row). */
const EDIT = {
  anchor: '  ReleaseParameter:\n    Type: AWS::SSM::Parameter\n    Properties:\n',
  added: '      Description: Release of this stack, deployed by Guarded Deploy\n',
};

function readOutputs(file) {
  const text = fs.readFileSync(file, 'utf8');
  const outputs = {};
  for (const match of text.matchAll(/^([\w-]+)<<(.+)\n([\s\S]*?)\n\2$/gm)) outputs[match[1]] = match[3];
  return outputs;
}

/** Runs the bundle as the runner does; returns what a person sees and the raw bytes for the secret check. */
async function runStep(workspace, inputs, env) {
  const tmp = fs.mkdtempSync(path.join(workspace, '.runner-'));
  const outputFile = path.join(tmp, 'output');
  const summaryFile = path.join(tmp, 'summary');
  fs.writeFileSync(outputFile, '');
  fs.writeFileSync(summaryFile, '');
  const childEnv = { ...process.env, ...env, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile };
  childEnv.GITHUB_WORKSPACE = workspace;
  if (debug) childEnv.RUNNER_DEBUG = '1';
  for (const [name, value] of Object.entries(inputs)) childEnv[`INPUT_${name.toUpperCase()}`] = value;
  const log = new RunnerLog({ debug });
  const shown = [];
  const raw = [];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (stream) => {
      let pending = '';
      stream.on('data', (chunk) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop();
        for (const line of lines) {
          if (SDK_WARNING.test(line) || line.trim() === '') continue;
          raw.push(line);
          shown.push(...log.line(line));
        }
      });
    };
    relay(child.stdout);
    relay(child.stderr);
    child.on('close', resolve);
  });
  const outputs = readOutputs(outputFile);
  const summary = fs.readFileSync(summaryFile, 'utf8');
  const maskLines = raw.filter((line) => line.startsWith('::add-mask::'));
  const firstOther = raw.findIndex((line) => !line.startsWith('::add-mask::'));
  const secret = {
    registeredFirst: raw.findIndex((line) => line === `::add-mask::${SECRET}`) < firstOther,
    forms: maskLines.length,
    rawLines: raw.filter((line) => !line.startsWith('::add-mask::') && line.includes(SECRET)).length,
    outputs: Object.values(outputs).filter((value) => value.includes(SECRET)).length,
    summary: summary.includes(SECRET),
  };
  return {
    code,
    shown,
    outputs: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, log.mask(value)])),
    summary: markdownToText(log.mask(summary)),
    secret,
  };
}

function secretClaim(secret) {
  return [
    secret.registeredFirst && secret.rawLines === 0 && secret.outputs === 0 && !secret.summary,
    `the secret was registered with ::add-mask:: (${secret.forms} forms) before the first other line, and is in none of the raw log lines, outputs or summary — nothing relied on the runner's masking (C3)`,
  ];
}

/** The log says how many changes the change set has before it says it executes it. */
function describedBeforeExecuted(shown) {
  const described = shown.findIndex((line) => /Change set \S+ has [1-9]\d* change/.test(line));
  const executed = shown.findIndex((line) => /Executing change set/.test(line));
  return described >= 0 && executed > described;
}

const STEPS = [
  {
    title: '1. First deploy: the stack does not exist → a CREATE change set, reviewed, executed',
    release: 'v1',
    proves: ({ code, outputs, shown, summary }) => [
      [
        code === 0 && outputs['stack-status'] === 'CREATE_COMPLETE',
        'exit 0 and the stack is CREATE_COMPLETE',
      ],
      [
        outputs['has-changes'] === 'true' &&
          Number(outputs['changes-count']) === 2 &&
          summary.some((line) => /^» Add \(2\)/.test(line)) &&
          describedBeforeExecuted(shown),
        `the change set was described before it ran: "has 2 change(s)" is logged before "Executing", has-changes=true, changes-count=${outputs['changes-count']}, an Add row per SSM parameter`,
      ],
    ],
  },
  {
    title: '2. Re-run with nothing changed → success, nothing executed (M1)',
    release: 'v1',
    proves: ({ code, outputs, summary }) => [
      [
        code === 0 && outputs['has-changes'] === 'false',
        'an empty change set is not an error: exit 0, has-changes=false (M1)',
      ],
      [
        outputs['stack-status'] === 'CREATE_COMPLETE' && summary.some((line) => /No changes/.test(line)),
        'nothing was executed: the stack is still CREATE_COMPLETE and the summary says "No changes"',
      ],
    ],
  },
  {
    title:
      '3. Update: a pull request edits the template (ReleaseParameter gets a Description) and sets Release v1 → v2',
    release: 'v2',
    edit: true,
    proves: ({ code, outputs, shown, summary }) => [
      [
        code === 0 && outputs['stack-status'] === 'UPDATE_COMPLETE',
        'exit 0 and the stack is UPDATE_COMPLETE',
      ],
      [
        outputs['has-changes'] === 'true' &&
          Number(outputs['changes-count']) >= 1 &&
          summary.some((line) => /^» Modify \(\d+\)/.test(line)) &&
          summary.some((line) => /^ReleaseParameter\s/.test(line)) &&
          describedBeforeExecuted(shown),
        `the plan shown before executing names the change: has-changes=true, changes-count=${outputs['changes-count']}, a Modify row for ReleaseParameter`,
      ],
    ],
  },
];

function show(result, step) {
  console.log(
    `   ${bold('Log')} ${dim(`(as GitHub shows it${debug ? ', debug on' : '; debug lines hidden, `npm run demo -- --debug` shows them'})`)}`,
  );
  for (const line of result.shown) console.log(`   │ ${line}`);
  const names = Object.keys(result.outputs);
  const keyOutputs = ['has-changes', 'changes-count', 'stack-status'].map(
    (name) => `${name}=${result.outputs[name]}`,
  );
  console.log(`\n   ${bold('Outputs')} ${keyOutputs.join('  ')}  ${dim(`(${names.length} outputs)`)}`);
  console.log(`\n   ${bold('Job summary')} ${dim('(rendered)')}`);
  for (const line of result.summary) console.log(`   ┃ ${line}`);
  console.log(`\n   ${bold('What this step proved')}`);
  let failed = 0;
  for (const [held, claim] of [...step.proves(result), secretClaim(result.secret)]) {
    console.log(`   ${held ? '✓' : '✗ NOT SO:'} ${claim}`);
    if (!held) failed += 1;
  }
  return failed;
}

let python;
try {
  python = ensureMoto().python;
} catch (error) {
  if (!(error instanceof EmulatorSetupError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const moto = await startMoto({ python });
console.log(`moto server (local AWS emulator) at ${moto.endpoint}`);
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-demo-'));
fs.mkdirSync(path.join(workspace, path.dirname(TEMPLATE)), { recursive: true });
const original = fs.readFileSync(TEMPLATE, 'utf8');
if (!original.includes(EDIT.anchor)) {
  console.error(`${TEMPLATE} no longer has ReleaseParameter as scripts/demo.mjs expects: update EDIT there.`);
  process.exit(1);
}
const env = {
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'demo',
  AWS_SECRET_ACCESS_KEY: 'demo',
  GITHUB_RUN_ATTEMPT: '1',
};
let failed = 0;
try {
  for (const [index, step] of STEPS.entries()) {
    const template = step.edit ? original.replace(EDIT.anchor, EDIT.anchor + EDIT.added) : original;
    fs.writeFileSync(path.join(workspace, TEMPLATE), template);
    const inputs = {
      name: 'guarded-demo',
      template: TEMPLATE,
      environment: 'demo',
      'parameter-overrides': `ApiToken=${SECRET},Release=${step.release}`,
    };
    console.log(`\n${bold(`━━ ${step.title}`)}`);
    console.log(`   uses: ./actions/deploy-stack`);
    console.log(
      `   with: ${Object.entries(inputs)
        .map(([name, value]) => `${name}=${value.replace(SECRET, '${{ secrets.API_TOKEN }}')}`)
        .join('  ')}`,
    );
    if (step.edit)
      console.log(
        `   template edit in the pull request (${TEMPLATE}, under ReleaseParameter.Properties):\n   + ${EDIT.added.trim()}`,
      );
    console.log('');
    const result = await runStep(workspace, inputs, { ...env, GITHUB_RUN_ID: String(1001 + index) });
    failed += show(result, step);
  }
} finally {
  await moto.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
}
console.log(
  failed
    ? `\n${failed} claim(s) did not hold: see ✗ above.`
    : `\nDemo finished: all three runs did what is claimed above (each claim checked by this script); moto is stopped.\nThe demo's secret is "${SECRET}": search this output, it appears only here. Each run registered it with ::add-mask::\nbefore printing anything, and its raw output never contained it (the log above is shown with the runner's masking applied).`,
);
process.exit(failed ? 1 : 0);
