import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface DistRun {
  /** The exit code; 1 when the process was killed by a signal (see `killedBy`). */
  code: number;
  /** The signal that killed the process (it did not exit by itself), or null. */
  killedBy: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Everything the action wrote anywhere: streams, output file, summary file, GITHUB_ENV and GITHUB_PATH. */
  all: string;
  /** What the action exported to later steps' environment (GITHUB_ENV) — should always be empty (M4). */
  exportedEnv: string;
  tmp: string;
  /** Milliseconds from the signal (killAfter / killWhen) to the process's exit; undefined when none was sent. */
  exitAfterSignalMs?: number;
}

export interface DistOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Send this signal to the process after the given ms. */
  killAfter?: { ms: number; signal: NodeJS.Signals };
  /** Send this signal to the process as soon as `when` resolves (e.g. the fault proxy saw a call). */
  killWhen?: { when: Promise<unknown>; signal: NodeJS.Signals };
}

/** The inputs the runner fills in from action.yml's `default:` values (it sets INPUT_* for each of them). */
export function actionDefaults(action: string): Record<string, string> {
  const file = path.resolve('actions', action, 'action.yml');
  const spec = parseYaml(fs.readFileSync(file, 'utf8')) as {
    inputs?: Record<string, { default?: unknown } | null>;
  };
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(spec.inputs ?? {}))
    if (input?.default !== undefined) defaults[name] = String(input.default);
  return defaults;
}

function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Parse the runner's GITHUB_OUTPUT file (`name<<delimiter` heredocs, or `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const m = /^([^=<]+)<<(.+)$/.exec(line);
    if (m) {
      const [, name, delim] = m as unknown as [string, string, string];
      const val: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delim) val.push(lines[i++] as string);
      out[name] = val.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

/**
 * Run dist/<action>/index.js exactly as the runner does: inputs as INPUT_* env (action.yml's defaults for
 * every input not given), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, a workspace directory.
 */
export function runDist(
  action: string,
  inputs: Record<string, string>,
  opts: DistOptions = {},
): Promise<DistRun> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `gd-dist-${action}-`));
  const outputFile = path.join(tmp, 'output');
  const summaryFile = path.join(tmp, 'summary');
  const envFile = path.join(tmp, 'env');
  const pathFile = path.join(tmp, 'path');
  const runnerTemp = path.join(tmp, 'runner-temp');
  fs.mkdirSync(runnerTemp);
  fs.writeFileSync(outputFile, '');
  fs.writeFileSync(summaryFile, '');
  fs.writeFileSync(envFile, '');
  fs.writeFileSync(pathFile, '');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      v !== undefined &&
      !k.startsWith('INPUT_') &&
      !k.startsWith('GITHUB_') &&
      !k.startsWith('AWS_') &&
      !k.startsWith('RUNNER_')
    )
      env[k] = v;
  }
  Object.assign(env, {
    GITHUB_OUTPUT: outputFile,
    GITHUB_ENV: envFile,
    GITHUB_PATH: pathFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: opts.cwd ?? process.cwd(),
    RUNNER_TEMP: runnerTemp,
    GITHUB_ACTIONS: 'true',
  });
  for (const [k, v] of Object.entries({ ...actionDefaults(action), ...inputs })) env[inputEnvName(k)] = v;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const script = path.resolve('dist', action, 'index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      cwd: opts.cwd ?? process.cwd(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    let signalledAt: number | undefined;
    const signal = (sig: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalledAt ??= Date.now();
      child.kill(sig);
    };
    const { killAfter, killWhen } = opts;
    const killTimer = killAfter ? setTimeout(() => signal(killAfter.signal), killAfter.ms) : undefined;
    if (killWhen) void killWhen.when.then(() => signal(killWhen.signal));
    child.on('error', reject);
    child.on('close', (code, killedBy) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      const outputText = fs.readFileSync(outputFile, 'utf8');
      const summary = fs.readFileSync(summaryFile, 'utf8');
      const exportedEnv = fs.readFileSync(envFile, 'utf8');
      const exportedPath = fs.readFileSync(pathFile, 'utf8');
      resolve({
        code: code ?? 1,
        killedBy,
        stdout,
        stderr,
        outputs: parseOutputFile(outputText),
        summary,
        all: [stdout, stderr, outputText, summary, exportedEnv, exportedPath].join('\n'),
        exportedEnv,
        tmp,
        exitAfterSignalMs: signalledAt === undefined ? undefined : Date.now() - signalledAt,
      });
    });
  });
}
