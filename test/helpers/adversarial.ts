/**
 * The adversarial suite's shared parts: a case is a probe that returns the problems it found (none: the guard
 * held); every result is recorded for docs/reliability.md (scripts/reliability.mjs sets GD_RELIABILITY_OUT) and
 * a case that does not hold fails its test. Also the checks every category shares (one error line, no
 * mutating call, nothing exported, no forged workflow command), a hostile workspace (symbolic links out of
 * it, loops, oversize and broken files) and the orphan check against moto.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudFormationClient, ListChangeSetsCommand } from '@aws-sdk/client-cloudformation';
import type { DistRun } from './dist';
import { motoClientConfig } from './moto';

export type Category = 'bad-input' | 'leak' | 'fault' | 'cancel';
export type ActionName =
  'deploy-stack' | 'deploy-stackset' | 'drift-check' | 'amplify-release' | 'helm-guard';

export interface CaseResult {
  category: Category;
  action: ActionName;
  /** The failure-mode id the case probes (L1, X1, C3, W1, T1, K1, P1 …). */
  id: string;
  title: string;
  held: boolean;
  /** What did not hold (empty when it held). */
  detail: string;
  ms: number;
}

/** Append one result to the JSON-lines file named by GD_RELIABILITY_OUT (nothing when it is not set). */
export function recordResult(result: CaseResult): void {
  const out = process.env.GD_RELIABILITY_OUT;
  if (out) fs.appendFileSync(out, `${JSON.stringify(result)}\n`);
}

/**
 * Run one case: `body` returns the problems it found. The result is recorded either way; problems (or an
 * exception) fail the test with a one-line description of each.
 */
export async function probe(
  category: Category,
  action: ActionName,
  title: string,
  body: () => Promise<string[]>,
): Promise<void> {
  const started = Date.now();
  let problems: string[];
  try {
    problems = await body();
  } catch (e) {
    problems = [`the probe itself failed: ${(e as Error).stack ?? String(e)}`];
  }
  const id = /^([A-Z]\d+)/.exec(title)?.[1] ?? '?';
  const detail = problems.join('; ');
  recordResult({
    category,
    action,
    id,
    title,
    held: problems.length === 0,
    detail,
    ms: Date.now() - started,
  });
  if (problems.length) throw new Error(`${title}: did not hold — ${detail}`);
}

/** Lines as the runner reads them (it splits on \r and \n). */
export function runnerLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Whitespace .NET trims before it looks for `::` (more than JavaScript's \s). */
const DOTNET_SPACE = '[\\s\\u0085\\u180e\\u200b-\\u200d\\u2060\\ufeff]';
const ERROR_COMMAND = new RegExp(`^${DOTNET_SPACE}*::error( [^:]*)?::`);

/** The `::error::` commands among stdout and stderr (the runner reads commands from both). */
export function errorLines(run: DistRun): string[] {
  return [...runnerLines(run.stdout), ...runnerLines(run.stderr)].filter((line) => ERROR_COMMAND.test(line));
}

/** Every forged-command payload starts with this, so a forged command is told apart from the action's own. */
export const W1_MARK = 'W1PAYLOAD';
export const W1_PAYLOADS = [
  `::add-mask::${W1_MARK}`,
  `::stop-commands::${W1_MARK}`,
  ` ::set-output name=w1::${W1_MARK}`,
  `\u0085::warning::${W1_MARK}`,
  `##[set-output name=w1;]${W1_MARK}`,
];

const COMMAND_START = new RegExp(`^(${DOTNET_SPACE}*)::([A-Za-z-]+)([^:]*)::(.*)$`);
const OWN_COMMANDS = new Set(['add-mask', 'debug', 'notice', 'warning', 'error', 'group', 'endgroup']);

/**
 * W1: stdout lines the runner would run as a command that are not the action's own — a command with leading
 * whitespace, a command name we never issue, a command whose message is a planted payload — and any other
 * line holding `##[` (the runner looks for the v1 form anywhere in a line that is not a v2 command).
 */
export function forgedCommands(stdout: string): string[] {
  return runnerLines(stdout).filter((line) => {
    const command = COMMAND_START.exec(line);
    if (!command) return line.includes('##[');
    const [, space, name, , message] = command as unknown as [string, string, string, string, string];
    return space !== '' || !OWN_COMMANDS.has(name) || message.startsWith(W1_MARK);
  });
}

/** Calls that change nothing: query/JSON reads and REST reads. */
export const READ_ONLY = /^(Describe|List|Get|Head)|^(GET|HEAD) |^GetTemplateSummary$/;

/** The problems of a refused bad input: exit 1 by itself, one error line, no mutating call, nothing exported. */
export function refusalProblems(run: DistRun, mutatingCalls: string[]): string[] {
  const problems: string[] = [];
  if (run.killedBy) problems.push(`killed by ${run.killedBy} (the test's time limit)`);
  if (run.code !== 1) problems.push(`exit code ${run.code}, not 1`);
  const errors = errorLines(run);
  if (errors.length !== 1) problems.push(`${errors.length} ::error:: lines, not 1`);
  if (mutatingCalls.length) problems.push(`mutating calls were made: ${mutatingCalls.join(', ')}`);
  if (run.exportedEnv !== '') problems.push('GITHUB_ENV was written');
  if (fs.readFileSync(path.join(run.tmp, 'path'), 'utf8') !== '') problems.push('GITHUB_PATH was written');
  return problems;
}

/** Either a success (exit 0, no error line) or one clear failure (exit 1, exactly one error line). */
export function outcomeProblems(run: DistRun): string[] {
  const errors = errorLines(run);
  if (run.killedBy) return [`killed by ${run.killedBy} (it outlived the test's time limit)`];
  if (run.code === 0) return errors.length ? [`exit 0 with ${errors.length} ::error:: line(s)`] : [];
  if (run.code !== 1) return [`exit code ${run.code}`];
  return errors.length === 1 ? [] : [`exit 1 with ${errors.length} ::error:: lines, not 1`];
}

/** The first line of the first error, for a case's detail. */
export function firstError(run: DistRun): string {
  return (errorLines(run)[0] ?? '(no ::error:: line)').slice(0, 240);
}

let motoCfn: CloudFormationClient | undefined;

/** Change sets of `stack` on moto that are not executed (moto's ListChangeSets ignores StackName: filtered here). */
export async function leftoverChangeSets(stack: string): Promise<string[]> {
  motoCfn ??= new CloudFormationClient(motoClientConfig());
  const answer = await motoCfn.send(new ListChangeSetsCommand({ StackName: stack }));
  return (answer.Summaries ?? [])
    .filter((summary) => summary.StackName === stack && summary.ExecutionStatus !== 'EXECUTE_COMPLETE')
    .map((summary) => `${summary.ChangeSetName} (${summary.Status}/${summary.ExecutionStatus})`);
}

/** Run `work` over `items` with at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of a live process whose environment holds `NAME=value` (a case's own marker), or undefined. */
export function pidWithEnv(name: string, value: string): number | undefined {
  const wanted = `${name}=${value}`;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(wanted)) return Number(entry);
    } catch {
      // gone, or not ours
    }
  }
  return undefined;
}

/** A valid template with a NoEcho parameter; `extra` adds a resource (a change against `demo.yaml`). */
export const DEMO_TEMPLATE = fs.readFileSync('examples/templates/demo.yaml', 'utf8');
export const DEMO_TEMPLATE_V2 = `${DEMO_TEMPLATE.replace(
  /^Outputs:/m,
  `  ExtraParameter:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: extra\nOutputs:`,
)}`;

export interface HostileWorkspace {
  /** The workspace (GITHUB_WORKSPACE and cwd of the bundle). */
  root: string;
  /** A sibling directory outside the workspace, holding valid files a link may lead to. */
  outside: string;
}

/**
 * A workspace full of traps, next to an `outside` directory whose files are valid (so a path check that
 * lets a link through shows as a deploy of the outside file, not as a parse error):
 * demo.yaml, demo-v2.yaml, big.yaml (over 51,200 bytes), broken.yaml, a sub directory, link-file.yaml and
 * link-dir/ (to outside), dangling.yaml (to a missing outside file), loop-a.yaml ↔ loop-b.yaml,
 * link-params.json, link-tags.json, link-values.yaml, link-chart/ (to outside), bad-params.json (invalid
 * JSON), nul-params.json (a NUL in a key), values.yaml, chart-old/ (a local chart at version 1.0.0).
 */
export function hostileWorkspace(): HostileWorkspace {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-adv-'));
  const root = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(path.join(outside, 'chart'), { recursive: true });
  const write = (dir: string, file: string, body: string) => fs.writeFileSync(path.join(dir, file), body);
  write(outside, 'demo.yaml', DEMO_TEMPLATE);
  write(outside, 'params.json', JSON.stringify({ ApiToken: 'from-outside' }));
  write(outside, 'tags.json', JSON.stringify({ team: 'outside' }));
  write(outside, 'values.yaml', 'controller:\n  replicaCount: 9\n');
  write(path.join(outside, 'chart'), 'Chart.yaml', 'apiVersion: v2\nname: ingress-nginx\nversion: 4.13.0\n');
  write(root, 'demo.yaml', DEMO_TEMPLATE);
  write(root, 'demo-v2.yaml', DEMO_TEMPLATE_V2);
  write(root, 'big.yaml', `${DEMO_TEMPLATE}${'# padding to pass the inline limit\n'.repeat(1600)}`);
  write(root, 'broken.yaml', 'Resources: [\n  : : :\n\t-');
  write(root, 'bad-params.json', '{"ApiToken": "x",');
  write(root, 'nul-params.json', '{"Api\u0000Token": "x"}');
  write(root, 'values.yaml', 'controller:\n  replicaCount: 2\n');
  fs.mkdirSync(path.join(root, 'sub'));
  fs.mkdirSync(path.join(root, 'chart-old'));
  write(path.join(root, 'chart-old'), 'Chart.yaml', 'apiVersion: v2\nname: ingress-nginx\nversion: 1.0.0\n');
  const link = (target: string, name: string) => fs.symlinkSync(target, path.join(root, name));
  link(path.join(outside, 'demo.yaml'), 'link-file.yaml');
  link(outside, 'link-dir');
  link(path.join(outside, 'missing.yaml'), 'dangling.yaml');
  link(path.join(root, 'loop-b.yaml'), 'loop-a.yaml');
  link(path.join(root, 'loop-a.yaml'), 'loop-b.yaml');
  link(path.join(outside, 'params.json'), 'link-params.json');
  link(path.join(outside, 'tags.json'), 'link-tags.json');
  link(path.join(outside, 'values.yaml'), 'link-values.yaml');
  link(path.join(outside, 'chart'), 'link-chart');
  return { root, outside };
}

/** A random secret with every character that escaping can trip over, and its multi-line variant. */
export function hostileSecrets(): { plain: string; multiline: string } {
  const tag = Math.random().toString(36).slice(2, 10);
  return {
    plain: `Adv<S3c>&r|e"t'\\${tag}`,
    multiline: `-----BEGIN ADV KEY-----\nMIIAdv${tag}<&>|"'\\\nQmFzZTY0${tag}line\n-----END ADV KEY-----`,
  };
}

/** `text` escaped for an XML answer body (the query protocol). */
export function xmlText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;');
}

/** One bad-input case: the inputs over a valid base, and the environment over the runner's. */
export interface BadInput {
  title: string;
  inputs: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** The value must be refused before any AWS call at all (nothing needs reading first). */
  noCalls?: boolean;
}

/** Hostile workspace paths for a template input (see hostileWorkspace): traversal, links out, loops, non-files. */
export function templatePathCases(input = 'template'): BadInput[] {
  const cases: [string, string][] = [
    ['L1: template is a path traversal', '../outside/demo.yaml'],
    ['L1: template is an absolute path outside the workspace', '/etc/passwd'],
    ['X1: template is a symlink to a file outside the workspace', 'link-file.yaml'],
    ['X1: template lies under a symlinked directory outside', 'link-dir/demo.yaml'],
    ['X1: template is a dangling symlink to outside', 'dangling.yaml'],
    ['X1: template is a symlink loop', 'loop-a.yaml'],
    ['L1: template is a directory', 'sub'],
    ['L1: template does not exist', 'missing.yaml'],
    ['L1: template is a file:// URL', 'file:///etc/passwd'],
    ['L1: oversize template without s3-bucket', 'big.yaml'],
  ];
  const urls: [string, string][] = [
    ['L1: template URL on a host that is not S3', 'https://evil.example.com/t.yaml'],
    ['L1: template URL on a host that only starts with s3.', 'https://s3.attacker.example/t.yaml'],
  ];
  return [
    ...cases.map(([title, value]) => ({ title, inputs: { [input]: value } })),
    ...urls.map(([title, value]) => ({ title, inputs: { [input]: value }, noCalls: true })),
  ];
}

/** Hostile `file://` parameter files (see hostileWorkspace) and broken inline values for `input`. */
export function parameterFileCases(input = 'parameter-overrides'): BadInput[] {
  const cases: [string, string][] = [
    ['L1: parameters file:// path traversal', 'file://../outside/params.json'],
    ['X1: parameters file:// symlink to outside', 'file://link-params.json'],
    ['L1: parameters file does not exist', 'file://missing.json'],
    ['L1: parameters file is not JSON', 'file://bad-params.json'],
    ['L1: parameters file has a NUL in a key', 'file://nul-params.json'],
    ['L1: inline JSON that does not parse', '[{"ParameterKey":'],
  ];
  return cases.map(([title, value]) => ({ title, inputs: { [input]: value } }));
}

/** Inputs every AWS action validates alike (environment, comment mode, allow-list, wait, region): L1 rows. */
export function commonInputCases(): BadInput[] {
  return [
    { title: 'L1: environment with a shell metacharacter', inputs: { environment: 'prod;rm' } },
    { title: 'L1: an unknown comment-on-pr', inputs: { 'comment-on-pr': 'loud' } },
    {
      title: 'L1: destructive-allow-list with a shell command',
      inputs: { 'destructive-allow-list': '$(id)' },
    },
    { title: 'L1: wait-timeout-minutes 0', inputs: { 'wait-timeout-minutes': '0' } },
    { title: 'L1: an unknown capability', inputs: { capabilities: 'CAPABILITY_EVERYTHING' } },
  ];
}

/** `length` copies of `char`: over-long values. */
export const filler = (length: number, char = 'a') => char.repeat(length);
