// Shared pieces of the bench scripts: cleanup that always runs (try/finally and signal handlers), temp
// folders, running a bundle as the runner does, timed child processes with peak RSS, medians, tables.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

// ---- cleanup ---------------------------------------------------------------------------------------------

const cleanups = [];
const children = new Set();
let cleaning;

/** Register `fn` to run once at the end (normal end, error, SIGINT/SIGTERM/SIGHUP); newest first. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Run every registered cleanup once (children killed first, then servers, emulator, temp folders). */
export function cleanup() {
  cleaning ??= (async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the children, the proxies and the emulator, removing temp folders…`);
    void cleanup().then(() => process.exit(code));
  });
}

/**
 * Run `main` and clean up whatever happens (a crash, a signal): the emulator and proxies are stopped and the
 * temp folders removed. Exits with 1 on an error.
 */
export async function guarded(main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

/** A temp folder removed at cleanup. */
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---- statistics and tables -------------------------------------------------------------------------------

export function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function markdownTable(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

export function ratio(numerator, denominator) {
  return Number.isFinite(numerator) && Number.isFinite(denominator) && denominator > 0
    ? numerator / denominator
    : NaN;
}

export const fixed = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

/** The machine line every figure carries: cores, memory, Node, date. */
export function machine(node = process.version) {
  const gib = (os.totalmem() / 1024 ** 3).toFixed(1);
  const load = os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
  return `${os.cpus().length} cores (nproc ${os.availableParallelism()}), ${gib} GiB memory, ${os.cpus()[0]?.model ?? 'cpu'}; Node ${node}; ${new Date().toISOString().slice(0, 10)}; load average at the end ${load}`;
}

// ---- the runner's way of running a bundle ----------------------------------------------------------------

/** action.yml's input defaults (the runner sets INPUT_* for each), or {} when there is no action.yml. */
export function actionDefaults(actionYml) {
  if (!fs.existsSync(actionYml)) return {};
  const spec = parseYaml(fs.readFileSync(actionYml, 'utf8'));
  const defaults = {};
  for (const [name, input] of Object.entries(spec?.inputs ?? {}))
    if (input?.default !== undefined) defaults[name] = String(input.default);
  return defaults;
}

/** The runner evaluates `${{ … }}` in defaults: github.token becomes a (here: fake) token, anything else ''. */
function substitute(value) {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression) =>
    expression === 'github.token' ? 'ghs_benchFakeToken0000000000000000000000' : '',
  );
}

/**
 * The environment the runner gives a JavaScript action: INPUT_* (action.yml's defaults, then `inputs`),
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_ENV / GITHUB_PATH files (fresh, in `dir`), RUNNER_TEMP,
 * GITHUB_WORKSPACE, plus `extra` (AWS endpoint, credentials).
 */
export function runnerEnv({ actionYml, inputs, dir, workspace, extra = {} }) {
  const env = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(INPUT_|GITHUB_|RUNNER_|AWS_)/.test(key)) env[key] = value;
  const files = {};
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_PATH']) {
    files[name] = path.join(dir, name.toLowerCase());
    fs.writeFileSync(files[name], '');
  }
  const runnerTemp = path.join(dir, 'runner-temp');
  fs.mkdirSync(runnerTemp, { recursive: true });
  Object.assign(env, files, {
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'bench/bench',
    GITHUB_RUN_ID: String(process.pid),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_EVENT_NAME: 'push',
    // The runner always sets it; deploy-stack's deploy record (O1) keys on it.
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  });
  for (const [name, value] of Object.entries({ ...actionDefaults(actionYml), ...inputs }))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = substitute(value);
  return { ...env, ...extra };
}

// ---- timed child processes -------------------------------------------------------------------------------

const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
// Without GNU time: a small wrapper that runs the command and writes getrusage(RUSAGE_CHILDREN).ru_maxrss.
const rssWrapper = [
  '-c',
  'import resource, subprocess, sys\n' +
    'code = subprocess.call(sys.argv[2:])\n' +
    'open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n' +
    'sys.exit(code)',
];

/** How peak RSS is measured: GNU time when present, else a wrapper reading the child's rusage. */
export const rssMethod = gnuTime
  ? '`/usr/bin/time -f %M` (peak RSS, KiB, of the largest process of the run)'
  : 'a python3 wrapper reading getrusage(RUSAGE_CHILDREN).ru_maxrss (no /usr/bin/time here)';

let rssDir;
let rssCount = 0;

/**
 * Run `command args` and measure wall time (spawn → exit, in this process) and peak RSS (KiB).
 * Resolves { code, ms, rssKiB, output }. `timeoutMs` kills it (SIGKILL) and reports code 'timeout'.
 */
export function timedRun(command, args, { env, cwd, timeoutMs = 300_000, rss = true } = {}) {
  return new Promise((resolve, reject) => {
    rssDir ??= rss ? tempDir('gd-bench-rss-') : undefined;
    const rssFile = rss ? path.join(rssDir, `${++rssCount}`) : undefined;
    const [cmd, argv] = !rss
      ? [command, args]
      : gnuTime
        ? [gnuTime, ['-f', '%M', '-o', rssFile, command, ...args]]
        : ['python3', [...rssWrapper, rssFile, command, ...args]];
    const started = performance.now();
    const child = spawn(cmd, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      children.delete(child);
      let rssKiB = NaN;
      if (rssFile) {
        try {
          const text = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
          rssKiB = Number(text[text.length - 1]);
        } catch {
          // no figure: the process was killed before it was written
        }
        fs.rmSync(rssFile, { force: true });
      }
      resolve({ code: timedOut ? 'timeout' : code, ms, rssKiB, output });
    });
  });
}

/** Spawn a child that the cleanup kills if we are interrupted; resolves nothing (the caller listens). */
export function trackedSpawn(command, args, options) {
  const child = spawn(command, args, options);
  children.add(child);
  child.on('close', () => children.delete(child));
  return child;
}

// ---- tools -----------------------------------------------------------------------------------------------

/**
 * The AWS CLI to compare with: { path, version } or { missing: why }. A pyenv shim is resolved to the real
 * script (the shim adds ~50–100 ms of bash to every call, which a runner's CLI does not pay).
 */
export function findAwsCli() {
  const which = spawnSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' });
  let cli = which.stdout.trim();
  if (!cli) return { missing: 'the AWS CLI (`aws`) is not installed (install AWS CLI v1 for this column)' };
  if (cli.includes('/shims/')) {
    const real = spawnSync('pyenv', ['which', 'aws'], { encoding: 'utf8' });
    if (real.status === 0 && real.stdout.trim()) cli = real.stdout.trim();
  }
  const version = spawnSync(cli, ['--version'], { encoding: 'utf8' });
  const text = `${version.stdout}${version.stderr}`.trim().split(/\s/)[0] ?? '';
  if (version.status !== 0) return { missing: `\`${cli} --version\` failed` };
  return { path: cli, version: text };
}

/**
 * The aws-cloudformation-github-deploy bundle to compare with, when present: GD_PEER_BUNDLE is its
 * dist/index.js (its action.yml is looked for next to dist/). Nothing is downloaded.
 */
export function findPeer() {
  const bundle = process.env.GD_PEER_BUNDLE;
  if (!bundle)
    return {
      missing:
        'aws-cloudformation-github-deploy: no bundle (set GD_PEER_BUNDLE to its dist/index.js to add the column)',
    };
  if (!fs.existsSync(bundle)) return { missing: `GD_PEER_BUNDLE=${bundle} does not exist` };
  const dir = path.dirname(path.resolve(bundle));
  const actionYml = [path.join(dir, '..', 'action.yml'), path.join(dir, 'action.yml')].find((file) =>
    fs.existsSync(file),
  );
  return { bundle: path.resolve(bundle), actionYml: actionYml ?? '' };
}
