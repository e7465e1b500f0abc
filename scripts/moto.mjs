// The local AWS emulator (moto): find a usable one, or set one up in a project-local venv, then start and
// stop it on a free loopback port.
//
// `scripts/moto_server.py` patches moto internals (tested with 5.2.1), so only moto in MOTO_RANGE is used.
// Where a Python is looked for, in order: $GD_PYTHON (when set), the project venv ($GD_VENV, default .venv/),
// then python3 and python on PATH. Without a usable moto, `ensureMoto()` creates the venv with the first
// Python 3 found and installs `moto[server]==MOTO_PIN` there, one line per step; when that cannot work it
// throws an EmulatorSetupError whose message is one sentence saying what to install.
//
// CLI: `node scripts/moto.mjs check` (find only; exit 1 with the reason) and `node scripts/moto.mjs setup`
// (find, else install into the venv).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

/** The version installed into the venv, and the range accepted from any Python (inclusive min, exclusive max). */
export const MOTO_PIN = '5.2.1';
export const MOTO_RANGE = { min: [5, 2, 1], below: [5, 3, 0], text: '>=5.2.1,<5.3' };
/** moto 5.2.1 declares Requires-Python >=3.10. */
const MIN_PYTHON = [3, 10];
const INSTALL_SPEC = `moto[server]==${MOTO_PIN}`;
const PREFIX = 'emulator:';

/** Raised when no usable moto exists and none could be installed; the message is one sentence. */
export class EmulatorSetupError extends Error {}

// Prints the interpreter's version and moto's; never raises, so any Python 3 answers with one JSON line.
const PROBE = `
import json, sys
found = {"python": ".".join(str(part) for part in sys.version_info[:3])}
try:
    from importlib.metadata import version
    found["moto"] = version("moto")
except Exception:
    found["moto"] = None
if found["moto"]:
    try:
        import moto.server  # needs the [server] extra (flask, werkzeug, ...)
        found["server"] = True
    except Exception as error:
        found["server"] = False
        found["error"] = type(error).__name__ + ": " + str(error)
print(json.dumps(found))
`;

function versionParts(text) {
  return String(text)
    .split(/[^0-9]+/)
    .filter(Boolean)
    .slice(0, 3)
    .map(Number);
}

function compareVersions(left, right) {
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function motoVersionInRange(version) {
  const parts = versionParts(version);
  return compareVersions(parts, MOTO_RANGE.min) >= 0 && compareVersions(parts, MOTO_RANGE.below) < 0;
}

export function venvDir(env = process.env) {
  return path.resolve(env.GD_VENV || path.join(repoRoot, '.venv'));
}

function venvPython(env) {
  const dir = venvDir(env);
  return process.platform === 'win32'
    ? path.join(dir, 'Scripts', 'python.exe')
    : path.join(dir, 'bin', 'python');
}

/** Shown in messages: the venv relative to the repository when it lives there. */
function shown(file) {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** What one interpreter has: { runs: false, detail } or { runs: true, python, moto, server, error }. */
export function probePython(python, env = process.env) {
  const result = spawnSync(python, ['-c', PROBE], { env, encoding: 'utf8', timeout: 60_000 });
  if (result.error)
    return { runs: false, detail: result.error.code === 'ENOENT' ? 'not found' : result.error.message };
  const line = String(result.stdout).trim().split('\n').pop() ?? '';
  try {
    const found = JSON.parse(line);
    if (typeof found.python !== 'string') throw new Error('no version');
    return { runs: true, ...found };
  } catch {
    const detail = lastLine(result.stderr) || `exit code ${result.status}`;
    return { runs: false, detail: `not a working Python 3 (${detail})` };
  }
}

function lastLine(text) {
  return (
    String(text ?? '')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .pop() ?? ''
  );
}

function usable(found) {
  return found.runs && found.moto && found.server && motoVersionInRange(found.moto);
}

function pythonCandidates(env) {
  const candidates = [];
  if (env.GD_PYTHON) candidates.push({ python: env.GD_PYTHON, label: `GD_PYTHON=${env.GD_PYTHON}` });
  const inVenv = venvPython(env);
  if (fs.existsSync(inVenv)) candidates.push({ python: inVenv, label: shown(inVenv), venv: true });
  if (!env.GD_PYTHON)
    for (const name of ['python3', 'python']) candidates.push({ python: name, label: name });
  return candidates;
}

/**
 * Looks for a usable moto without installing anything. Returns { python, version, label } or
 * { reason, base } where base is the first Python 3 (new enough) that a venv can be made with.
 */
export function findMoto({ env = process.env, log = () => {} } = {}) {
  const tried = [];
  let base;
  for (const candidate of pythonCandidates(env)) {
    const found = probePython(candidate.python, env);
    if (!found.runs) {
      tried.push(`${candidate.label}: ${found.detail}`);
      continue;
    }
    if (usable(found)) return { python: candidate.python, version: found.moto, label: candidate.label };
    if (found.moto && !motoVersionInRange(found.moto)) {
      log(
        `${PREFIX} ${candidate.label} has moto ${found.moto}, outside the tested range ${MOTO_RANGE.text} (scripts/moto_server.py patches moto internals): not using it.`,
      );
    } else if (found.moto) {
      log(
        `${PREFIX} ${candidate.label} has moto ${found.moto} but not its server extra (${found.error}): not using it.`,
      );
    }
    tried.push(
      `${candidate.label}: Python ${found.python}, ${found.moto ? `moto ${found.moto}` : 'no moto'}`,
    );
    const newEnough = compareVersions(versionParts(found.python), MIN_PYTHON) >= 0;
    if (!candidate.venv && !base && newEnough) base = candidate;
    if (!candidate.venv && !newEnough)
      log(
        `${PREFIX} ${candidate.label} is Python ${found.python}; moto ${MOTO_PIN} needs ${MIN_PYTHON.join('.')} or later.`,
      );
  }
  return { reason: `no usable moto ${MOTO_RANGE.text} (${tried.join('; ') || 'no Python tried'})`, base };
}

function run(python, args, env) {
  const result = spawnSync(python, args, { env, encoding: 'utf8', timeout: 15 * 60_000 });
  if (result.error) return { ok: false, detail: result.error.message };
  if (result.status !== 0)
    return {
      ok: false,
      detail: lastLine(result.stderr) || lastLine(result.stdout) || `exit code ${result.status}`,
    };
  return { ok: true };
}

const DO_IT_YOURSELF = `or install \`${INSTALL_SPEC}\` into any Python ${MIN_PYTHON.join('.')}+ yourself and set GD_PYTHON to it`;

/**
 * A usable moto: found, else installed into the project venv (unless install is false). Logs one line per
 * step; throws EmulatorSetupError (one sentence) when neither works.
 */
export function ensureMoto({ env = process.env, log = console.log, install = true } = {}) {
  const found = findMoto({ env, log });
  if (found.python) {
    log(`${PREFIX} moto ${found.version} (${found.label})`);
    return found;
  }
  if (!install)
    throw new EmulatorSetupError(
      `Cannot use the AWS emulator: ${found.reason}; run \`node scripts/moto.mjs setup\` to install moto ${MOTO_PIN} into ${shown(venvDir(env))}, ${DO_IT_YOURSELF}.`,
    );
  if (!found.base) {
    const tried = env.GD_PYTHON ? `GD_PYTHON=${env.GD_PYTHON}` : 'python3, python';
    throw new EmulatorSetupError(
      `Cannot set up the AWS emulator: no Python ${MIN_PYTHON.join('.')}+ found (tried ${tried}) — install Python 3 with its venv module (Debian/Ubuntu: \`sudo apt-get install python3 python3-venv\`) and run again, ${DO_IT_YOURSELF}.`,
    );
  }
  const dir = venvDir(env);
  const inVenv = venvPython(env);
  if (!probePython(inVenv, env).runs) {
    const args = ['-m', 'venv', ...(fs.existsSync(dir) ? ['--clear'] : []), dir];
    log(
      `${PREFIX} creating a project-local Python environment: ${found.base.python} ${args.slice(0, -1).join(' ')} ${shown(dir)}`,
    );
    const made = run(found.base.python, args, env);
    if (!made.ok || !fs.existsSync(inVenv)) {
      throw new EmulatorSetupError(
        `Cannot set up the AWS emulator: \`${found.base.python} -m venv\` failed (${made.detail ?? `${shown(inVenv)} missing`}) — install Python's venv module (Debian/Ubuntu: \`sudo apt-get install python3-venv\`) and run again, ${DO_IT_YOURSELF}.`,
      );
    }
  }
  const pipArgs = [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--retries',
    '1',
    '--timeout',
    '20',
    INSTALL_SPEC,
  ];
  log(
    `${PREFIX} installing ${INSTALL_SPEC} into ${shown(dir)} (once; about 30 s): ${shown(inVenv)} -m pip install '${INSTALL_SPEC}'`,
  );
  const installed = run(inVenv, pipArgs, env);
  if (!installed.ok) {
    throw new EmulatorSetupError(
      `Cannot set up the AWS emulator: installing \`${INSTALL_SPEC}\` into ${shown(dir)} failed (${installed.detail}) — it needs network access to PyPI (behind a proxy set HTTPS_PROXY), ${DO_IT_YOURSELF}.`,
    );
  }
  const after = probePython(inVenv, env);
  if (!usable(after)) {
    throw new EmulatorSetupError(
      `Cannot set up the AWS emulator: pip reported success but ${shown(inVenv)} has ${after.moto ? `moto ${after.moto}` : 'no moto'}${after.error ? ` (${after.error})` : ''} — ${DO_IT_YOURSELF.replace(/^or /, '')}.`,
    );
  }
  log(`${PREFIX} moto ${after.moto} ready (${shown(inVenv)})`);
  return { python: inVenv, version: after.moto, label: shown(inVenv) };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts moto (with `python` from ensureMoto(); found or set up here when omitted); resolves with
 * { endpoint, port, stop, child }.
 */
export async function startMoto({ quiet = true, python, log = console.log } = {}) {
  const interpreter = python ?? ensureMoto({ log }).python;
  const port = await freePort();
  const child = spawn(
    interpreter,
    [path.join(here, 'moto_server.py'), '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: quiet ? 'ignore' : 'inherit',
      detached: false,
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  let lastErr;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  if (Date.now() >= deadline) {
    child.kill('SIGKILL');
    throw new Error(`moto server did not start on ${endpoint}: ${lastErr}`);
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return { endpoint, port, stop, child };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  if (command !== 'check' && command !== 'setup') {
    console.error('usage: node scripts/moto.mjs check|setup');
    process.exit(2);
  }
  try {
    ensureMoto({ install: command === 'setup' });
  } catch (error) {
    if (!(error instanceof EmulatorSetupError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
