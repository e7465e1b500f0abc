/**
 * C3/W1 leak hunt: a random secret (with <>&|"'\ and a multi-line variant) goes into every input that can
 * carry one, the services echo it back (the fault proxy rewrites it into error messages, status reasons,
 * event reasons and drift values; the stubs answer with it; the fake helm prints it), and every channel the
 * runner shows or keeps — stdout (without the ::add-mask:: commands the runner consumes), stderr,
 * GITHUB_OUTPUT, the job summary, the PR comment the GitHub stub received, report files — is read with
 * findLeak, with and without RUNNER_DEBUG=1. W1: no stdout line is a workflow command the action did not
 * issue itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from '@jest/globals';
import {
  forgedCommands,
  hostileSecrets,
  hostileWorkspace,
  probe,
  runnerLines,
  W1_PAYLOADS,
  xmlText,
  type ActionName,
} from '../helpers/adversarial';
import { runProxied } from '../helpers/adversarial-aws';
import { startAmplifyStub } from '../helpers/amplify-stub';
import { startCfnStub } from '../helpers/cfn-query-stub';
import { runDist, type DistRun } from '../helpers/dist';
import type { FaultProxy } from '../helpers/fault-proxy';
import { start as startGitHub, type GitHubStub } from '../helpers/github-stub';
import { findLeak } from '../helpers/leaks';
import { uniqueName } from '../helpers/moto';
import { d1WithSecret, NOECHO_SECRET } from '../fixtures/drift';
import { base, FAKE_HELM_DIR, fakeHelm, nginx } from '../unit/helm-guard/fake';

const ws = hostileWorkspace();
const PAYLOAD_TEXT = W1_PAYLOADS.join('\n');

/** Every channel of a run, as a reader would get it. */
function channels(run: DistRun, github?: GitHubStub): Record<string, string> {
  const all: Record<string, string> = {
    stdout: runnerLines(run.stdout)
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: run.stderr,
    GITHUB_OUTPUT: fs.readFileSync(path.join(run.tmp, 'output'), 'utf8'),
    GITHUB_STEP_SUMMARY: run.summary,
  };
  if (github) all['PR comment'] = github.comments.map((comment) => comment.body).join('\n');
  const report = run.outputs['report-path'];
  if (report && fs.existsSync(report)) all['report file'] = fs.readFileSync(report, 'utf8');
  return all;
}

/** Where any of `secrets` can be read, and any forged workflow command (W1). */
function leakProblems(run: DistRun, secrets: string[], github?: GitHubStub): string[] {
  const problems: string[] = [];
  for (const [channel, text] of Object.entries(channels(run, github)))
    for (const secret of secrets) {
      const leak = findLeak(text, secret);
      if (leak) problems.push(`C3: the secret is readable in ${channel} ${leak}`);
    }
  const forged = forgedCommands(run.stdout);
  if (forged.length)
    problems.push(`W1: forged workflow command(s) on stdout: ${JSON.stringify(forged.slice(0, 3))}`);
  return problems;
}

/** A pull_request event for the PR comment, and a random GitHub token that must not leak either. */
async function pullRequest(): Promise<{ github: GitHubStub; env: Record<string, string>; token: string }> {
  const github = await startGitHub();
  const repo = { full_name: 'acme/infra' };
  const eventPath = path.join(fs.mkdtempSync(path.join(ws.root, 'event-')), 'event.json');
  fs.writeFileSync(
    eventPath,
    JSON.stringify({ repository: repo, pull_request: { base: { repo }, head: { repo }, number: 7 } }),
  );
  const token = `ghs_${Math.random().toString(36).slice(2)}Adv`;
  return {
    github,
    token,
    env: {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: 'acme/infra',
      GITHUB_API_URL: github.url,
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    },
  };
}

/** `Key="value"` with the value quoted as parameter-overrides reads it (a quote doubled). */
const quoted = (key: string, value: string) => `${key}="${value.replace(/"/g, '""')}"`;
/** A message a service might send back: the secret, then the payloads that try to issue commands. */
const echo = (secret: string) => `Parameter value ${secret} is invalid\n${PAYLOAD_TEXT}`;

interface LeakScenario {
  title: string;
  action: ActionName;
  /** Only the single-line secret fits this input (the multi-line one cannot be written there). */
  singleLine?: boolean;
  /** Only the multi-line secret shows this problem. */
  multiLineOnly?: boolean;
  run: (
    secret: string,
    env: Record<string, string>,
  ) => Promise<{ run: DistRun; secrets: string[]; github?: GitHubStub }>;
}

/** deploy-stack in a PR, with the secret as the NoEcho ApiToken (or as given), and `arrange` on the proxy. */
async function deployInPr(
  secret: string,
  env: Record<string, string>,
  inputs: Record<string, string>,
  arrange: (proxy: FaultProxy) => void,
) {
  const pr = await pullRequest();
  try {
    const { run } = await runProxied(
      'deploy-stack',
      {
        name: uniqueName('adv-c3'),
        template: 'demo.yaml',
        'parameter-overrides': quoted('ApiToken', secret),
        'github-token': pr.token,
        'wait-timeout-minutes': '1',
        ...inputs,
      },
      { cwd: ws.root, arrange, env: { ...pr.env, ...env }, timeoutMs: 90_000 },
    );
    return { run, secrets: [secret, pr.token], github: pr.github };
  } finally {
    await pr.github.stop();
  }
}

/** A parameters file in the workspace holding `body`; its file:// reference. */
function parametersFile(body: string): string {
  const dir = fs.mkdtempSync(path.join(ws.root, 'params-'));
  fs.writeFileSync(path.join(dir, 'params.json'), body);
  return `file://${path.relative(ws.root, dir)}/params.json`;
}

/** drift-check in a PR against the NoEcho scenario, the fixture's secret replaced by ours in every answer. */
async function driftInPr(
  secret: string,
  env: Record<string, string>,
  inputs: Record<string, string>,
  arrange?: (proxy: FaultProxy) => void,
) {
  const stub = await startCfnStub([d1WithSecret()]);
  const pr = await pullRequest();
  try {
    const { run } = await runProxied(
      'drift-check',
      {
        stacks: 'orders-prod',
        'parameter-overrides': quoted('DbPassword', secret),
        'fail-on': 'never',
        'github-token': pr.token,
        'wait-timeout-minutes': '1',
        ...inputs,
      },
      {
        cwd: ws.root,
        upstream: stub.endpoint,
        env: { ...pr.env, ...env },
        timeoutMs: 90_000,
        arrange: (proxy) => {
          arrange?.(proxy);
          proxy.add({
            match: /^(DescribeChangeSet|DescribeStackResourceDrifts)$/,
            fault: {
              kind: 'rewrite',
              body: (answer) =>
                answer
                  .split(NOECHO_SECRET)
                  .join(xmlText(secret))
                  .replace(
                    /<ActualValue>[^<]*<\/ActualValue>/g,
                    `<ActualValue>${xmlText(secret)}</ActualValue>`,
                  ),
            },
          });
        },
      },
    );
    return { run, secrets: [secret, pr.token], github: pr.github };
  } finally {
    await pr.github.stop();
    await stub.close();
  }
}

/** amplify-release through the proxy to the Amplify stub; a stored secret-looking value must be hidden too. */
async function amplifyRun(
  secret: string,
  env: Record<string, string>,
  arrange?: (proxy: FaultProxy) => void,
) {
  const stub = await startAmplifyStub({ pollsToFinish: 1, finalStatus: 'FAILED' });
  const stored = `stored-${secret}`;
  try {
    stub.addApp('d2advapp01', null);
    stub.addBranch('d2advapp01', 'release/demo', { STORED_TOKEN: stored });
    const { run } = await runProxied(
      'amplify-release',
      {
        'app-id': 'd2advapp01',
        branch: 'release/demo',
        release: 'always',
        'environment-variables': JSON.stringify({ DB_PASSWORD: secret, API_URL: `https://x/${secret}` }),
        'secret-keys': 'API_URL',
        'wait-timeout-minutes': '1',
      },
      { upstream: stub.endpoint, arrange, env, timeoutMs: 90_000 },
    );
    return { run, secrets: [secret, stored] };
  } finally {
    await stub.close();
  }
}

/** helm-guard upgrading with the secret in set-secret; the fake helm prints `notes` after the upgrade. */
async function helmRun(
  secret: string,
  env: Record<string, string>,
  upgrade: Record<string, unknown>,
  inputs: Record<string, string> = {},
) {
  const helm = fakeHelm({ releases: [nginx('4.12.0')], upgrade });
  const run = await runDist(
    'helm-guard',
    { ...base, upgrade: 'true', 'set-secret': `controller.token=${secret}`, ...inputs },
    {
      cwd: ws.root,
      timeoutMs: 60_000,
      env: { ...helm.env, PATH: `${FAKE_HELM_DIR}${path.delimiter}${process.env.PATH}`, ...env },
    },
  );
  return { run, secrets: [secret] };
}

const SCENARIOS: LeakScenario[] = [
  {
    title: 'C3: a NoEcho override echoed in the CreateChangeSet error',
    action: 'deploy-stack',
    run: (secret, env) =>
      deployInPr(secret, env, {}, (proxy) =>
        proxy.add({
          match: 'CreateChangeSet',
          fault: { kind: 'status', status: 400, message: xmlText(echo(secret)) },
        }),
      ),
  },
  {
    title: "C3: a NoEcho override echoed in the change set's status reason (create-only plan)",
    action: 'deploy-stack',
    run: (secret, env) =>
      deployInPr(secret, env, { mode: 'create-only' }, (proxy) =>
        proxy.add({
          match: 'DescribeChangeSet',
          fault: {
            kind: 'rewrite',
            body: (answer) =>
              answer.replace(
                /<Status>CREATE_COMPLETE<\/Status>/,
                `<Status>FAILED</Status><StatusReason>${xmlText(echo(secret))}</StatusReason>`,
              ),
          },
        }),
      ),
  },
  {
    title: 'C3: a NoEcho override echoed in stack event reasons during execution',
    action: 'deploy-stack',
    run: (secret, env) =>
      deployInPr(secret, env, {}, (proxy) =>
        proxy.add({
          match: 'DescribeStackEvents',
          fault: {
            kind: 'rewrite',
            body: (answer) =>
              answer.replace(
                /(<ResourceStatus>[A-Z_]+<\/ResourceStatus>)/g,
                `$1<ResourceStatusReason>${xmlText(echo(secret))}</ResourceStatusReason>`,
              ),
          },
        }),
      ),
  },
  {
    title: 'C3: a NoEcho value from a file:// parameters file echoed in the CreateChangeSet error',
    action: 'deploy-stack',
    run: (secret, env) =>
      deployInPr(
        secret,
        env,
        { 'parameter-overrides': parametersFile(JSON.stringify({ ApiToken: secret })) },
        (proxy) =>
          proxy.add({
            match: 'CreateChangeSet',
            fault: { kind: 'status', status: 400, message: xmlText(echo(secret)) },
          }),
      ),
  },
  {
    title: 'C3: a file:// parameters file that does not parse is not quoted in the error',
    action: 'deploy-stack',
    run: (secret, env) =>
      deployInPr(
        secret,
        env,
        { 'parameter-overrides': parametersFile(`{"ApiToken": ${JSON.stringify(secret)} "Release": "v1"}`) },
        () => undefined,
      ),
  },
  {
    title: 'C3: an unquoted multi-line (PEM) value in parameter-overrides is not quoted in the error',
    action: 'deploy-stack',
    multiLineOnly: true,
    run: (secret, env) =>
      deployInPr(secret, env, { 'parameter-overrides': `ApiToken=${secret}` }, () => undefined),
  },
  {
    title: 'C3: NoEcho values in live and proposed drift values (mode both)',
    action: 'drift-check',
    run: (secret, env) => driftInPr(secret, env, { mode: 'both' }),
  },
  {
    title: 'C3: NoEcho values in live drift values (mode detect)',
    action: 'drift-check',
    run: (secret, env) => driftInPr(secret, env, { mode: 'detect' }),
  },
  {
    title: 'C3: a NoEcho override echoed in the CreateChangeSet error',
    action: 'drift-check',
    run: (secret, env) =>
      driftInPr(secret, env, { mode: 'change-set' }, (proxy) =>
        proxy.add({
          match: 'CreateChangeSet',
          fault: { kind: 'status', status: 400, message: xmlText(echo(secret)) },
        }),
      ),
  },
  {
    title: 'C3: a NoEcho value from a file:// parameters file (mode both)',
    action: 'drift-check',
    run: (secret, env) =>
      driftInPr(secret, env, {
        'parameter-overrides': parametersFile(JSON.stringify({ DbPassword: secret })),
      }),
  },
  {
    title: 'C3: secret environment variables and a stored secret-looking value, the job failing',
    action: 'amplify-release',
    run: (secret, env) => amplifyRun(secret, env),
  },
  {
    title: 'C3: secret environment variables echoed in the StartJob error',
    action: 'amplify-release',
    run: (secret, env) =>
      amplifyRun(secret, env, (proxy) =>
        proxy.add({
          match: /^POST .*\/jobs$/,
          fault: { kind: 'status', status: 400, code: 'BadRequestException', message: echo(secret) },
        }),
      ),
  },
  {
    title: 'C3: set-secret echoed by the chart NOTES (plain, base64 and YAML-quoted)',
    action: 'helm-guard',
    singleLine: true,
    run: (secret, env) =>
      helmRun(secret, env, {
        notesEchoValues: true,
        notes: [Buffer.from(secret).toString('base64'), `token: ${JSON.stringify(secret)}`, ...W1_PAYLOADS],
        warnings: W1_PAYLOADS,
      }),
  },
  {
    title: 'C3: set-secret echoed in a failed upgrade',
    action: 'helm-guard',
    singleLine: true,
    run: (secret, env) =>
      helmRun(secret, env, {
        exitCode: 1,
        stdout: `NOTES:\n${PAYLOAD_TEXT}\n`,
        stderr: `Error: UPGRADE FAILED: template: values.token "${secret}" invalid\n${PAYLOAD_TEXT}`,
      }),
  },
];

const CASES = SCENARIOS.flatMap((scenario) =>
  (['plain', 'multiline'] as const)
    .filter((variant) => !(scenario.singleLine && variant === 'multiline'))
    .filter((variant) => !(scenario.multiLineOnly && variant === 'plain'))
    .flatMap((variant) =>
      [false, true].map((debug) => ({
        ...scenario,
        variant,
        debug,
        name: `${scenario.title} [${variant} secret${debug ? ', RUNNER_DEBUG=1' : ''}]`,
      })),
    ),
);

describe('C3/W1: leak hunt across every channel', () => {
  it.concurrent.each(CASES)('$action $name', ({ action, name, variant, debug, run }) =>
    probe('leak', action, name, async () => {
      const secret = hostileSecrets()[variant];
      const result = await run(secret, debug ? { RUNNER_DEBUG: '1' } : {});
      const problems = leakProblems(result.run, result.secrets, result.github);
      if (result.run.killedBy) problems.push(`killed by ${result.run.killedBy} (test time limit)`);
      return problems;
    }),
  );

  it('C3: helm-guard warns about (or refuses) --debug in extra-args with set-secret', () =>
    probe(
      'leak',
      'helm-guard',
      'C3: --debug in extra-args with set-secret is warned about or refused',
      async () => {
        const secret = hostileSecrets().plain;
        const { run } = await helmRun(secret, {}, {}, { 'extra-args': '--debug' });
        const warned = runnerLines(run.stdout).some((line) => /^::(warning|error)::.*--debug/.test(line));
        return warned ? [] : ['neither a warning nor an error names --debug'];
      },
    ));
});
