// The emulator set-up a newcomer meets (issue #13): scripts/moto.mjs finds a moto in the tested range or sets
// one up in a project-local venv, one line per step, and otherwise says in one sentence what to install;
// scripts/test.mjs still runs the unit tests and always closes with "N passed, N failed". Every Python here is
// the fake from fake-python.ts (or none at all): no network, no real venv.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { fakePython } from './fake-python';

const ROOT = process.cwd();
const MOTO_SCRIPT = path.join(ROOT, 'scripts', 'moto.mjs');
const TEST_SCRIPT = path.join(ROOT, 'scripts', 'test.mjs');
const PIN = 'moto[server]==5.2.1';
/** A small, fast unit test file for the end-to-end runs of scripts/test.mjs. */
const SMALL_UNIT_TEST = 'test/unit/setup/engines.test.ts';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

/** The environment with every Python-related choice removed, then `extra`. */
function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('GD_') || key.startsWith('FAKE_')) delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv, timeout = 30_000): Run {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout,
  });
  const stdout = String(result.stdout);
  const stderr = String(result.stderr);
  const lines = `${stdout}\n${stderr}`.split('\n').filter((line) => line.trim() !== '');
  return { status: result.status, stdout, stderr, lines };
}

function setup(command: 'setup' | 'check', env: NodeJS.ProcessEnv): Run {
  return run(MOTO_SCRIPT, [command], env);
}

/** `node scripts/moto.mjs <command>` with a fresh fake python as GD_PYTHON, its own venv folder, and `fakeEnv`. */
function withFakePython(
  command: 'setup' | 'check',
  fakeEnv: Record<string, string> = {},
): { fake: ReturnType<typeof fakePython>; result: Run } {
  const fake = fakePython();
  const result = setup(command, cleanEnv({ GD_PYTHON: fake.python, GD_VENV: fake.venv, ...fakeEnv }));
  return { fake, result };
}

/** An empty folder as PATH: no python3, no python. */
function emptyPath(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gd-empty-path-'));
}

describe('emulator set-up (scripts/moto.mjs)', () => {
  it('uses a moto in the tested range as it is: one line, nothing installed', () => {
    const { fake, result } = withFakePython('setup', { FAKE_MOTO: '5.2.1' });
    expect(result.status).toBe(0);
    expect(result.lines).toEqual([`emulator: moto 5.2.1 (GD_PYTHON=${fake.python})`]);
    expect(fs.existsSync(fake.venv)).toBe(false);
  });

  it('finds python3 on PATH when GD_PYTHON is not set', () => {
    const fake = fakePython();
    const env = cleanEnv({ PATH: fake.bin, GD_VENV: fake.venv, FAKE_MOTO: '5.2.9' });
    const result = setup('check', env);
    expect(result.status).toBe(0);
    expect(result.lines).toEqual(['emulator: moto 5.2.9 (python3)']);
  });

  it.each(['4.2.14', '5.2.0', '5.3.0', '6.0.0'])(
    'refuses moto %s (outside >=5.2.1,<5.3) with one line, then installs the pinned version in the venv',
    (version) => {
      const { fake, result } = withFakePython('setup', { FAKE_MOTO: version });
      expect(result.status).toBe(0);
      expect(result.lines).toHaveLength(4);
      expect(result.lines[0]).toBe(
        `emulator: GD_PYTHON=${fake.python} has moto ${version}, outside the tested range >=5.2.1,<5.3 (scripts/moto_server.py patches moto internals): not using it.`,
      );
      expect(result.lines[1]).toBe(
        `emulator: creating a project-local Python environment: ${fake.python} -m venv ${fake.venv}`,
      );
      expect(result.lines[2]).toMatch(
        /^emulator: installing moto\[server\]==5\.2\.1 into .*venv \(once; about 30 s\)/,
      );
      expect(result.lines[3]).toBe(`emulator: moto 5.2.1 ready (${path.join(fake.venv, 'bin', 'python')})`);
      expect(fs.readFileSync(path.join(fake.venv, 'installed'), 'utf8')).toMatch(
        /^-m pip install .*moto\[server\]==5\.2\.1$/,
      );
    },
  );

  it('a venv that already has the pinned moto is used again without reinstalling', () => {
    const fake = fakePython();
    const env = cleanEnv({ PATH: fake.bin, GD_VENV: fake.venv });
    expect(setup('setup', env).status).toBe(0);
    const again = setup('setup', env);
    expect(again.status).toBe(0);
    expect(again.lines).toEqual([`emulator: moto 5.2.1 (${path.join(fake.venv, 'bin', 'python')})`]);
    expect(fs.readFileSync(path.join(fake.venv, 'pip-calls'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('pip cannot reach PyPI: the steps, then one sentence saying exactly what to install; exit 1', () => {
    const { result } = withFakePython('setup', { FAKE_PIP: 'fail' });
    expect(result.status).toBe(1);
    expect(result.lines).toHaveLength(3);
    expect(result.lines[0]).toMatch(/^emulator: creating a project-local Python environment/);
    expect(result.lines[1]).toMatch(/^emulator: installing moto\[server\]==5\.2\.1/);
    expect(result.stderr.trim()).toBe(result.lines[2]);
    expect(result.lines[2]).toMatch(
      /^Cannot set up the AWS emulator: installing `moto\[server\]==5\.2\.1` into .* failed \(ERROR: No matching distribution found for moto\[server\]==5\.2\.1\) — it needs network access to PyPI/,
    );
    expect(result.lines[2]).toContain(
      `install \`${PIN}\` into any Python 3.10+ yourself and set GD_PYTHON to it.`,
    );
  });

  it('no venv module (Debian without python3-venv): names the package to install', () => {
    const { result } = withFakePython('setup', { FAKE_VENV: 'fail' });
    expect(result.status).toBe(1);
    expect(result.lines).toHaveLength(2);
    expect(result.lines[1]).toMatch(
      /^Cannot set up the AWS emulator: `.*python3 -m venv` failed \(The virtual environment was not created successfully because ensurepip is not available\.\) — install Python's venv module \(Debian\/Ubuntu: `sudo apt-get install python3-venv`\)/,
    );
  });

  it.each([
    ['GD_PYTHON names no program', { GD_PYTHON: '/nonexistent/python3' }, 'GD_PYTHON=/nonexistent/python3'],
    ['PATH has no python3 and no python', { PATH: 'EMPTY' }, 'python3, python'],
  ])('no Python (%s): one sentence saying what to install; exit 1', (_case, extra, tried) => {
    const fake = fakePython();
    const env = cleanEnv({ ...extra, GD_VENV: fake.venv });
    if (env.PATH === 'EMPTY') env.PATH = emptyPath();
    const result = setup('setup', env);
    expect(result.status).toBe(1);
    expect(result.lines).toEqual([
      `Cannot set up the AWS emulator: no Python 3.10+ found (tried ${tried}) — install Python 3 with its venv module (Debian/Ubuntu: \`sudo apt-get install python3 python3-venv\`) and run again, or install \`${PIN}\` into any Python 3.10+ yourself and set GD_PYTHON to it.`,
    ]);
    expect(fs.existsSync(fake.venv)).toBe(false);
  });

  it('a Python older than moto 5.2.1 supports is not used for the venv', () => {
    const { fake, result } = withFakePython('setup', { FAKE_PYTHON_VERSION: '3.8.10' });
    expect(result.status).toBe(1);
    expect(result.lines[0]).toBe(
      `emulator: GD_PYTHON=${fake.python} is Python 3.8.10; moto 5.2.1 needs 3.10 or later.`,
    );
    expect(result.lines[1]).toMatch(/^Cannot set up the AWS emulator: no Python 3\.10\+ found/);
    expect(fs.existsSync(fake.venv)).toBe(false);
  });

  it('check (.ci/run) never installs: it names the set-up command and exits 1', () => {
    const { fake, result } = withFakePython('check');
    expect(result.status).toBe(1);
    expect(result.lines).toEqual([
      `Cannot use the AWS emulator: no usable moto >=5.2.1,<5.3 (GD_PYTHON=${fake.python}: Python 3.12.1, no moto); run \`node scripts/moto.mjs setup\` to install moto 5.2.1 into ${fake.venv}, or install \`${PIN}\` into any Python 3.10+ yourself and set GD_PYTHON to it.`,
    ]);
    expect(fs.existsSync(fake.venv)).toBe(false);
  });
});

describe('npm test without an emulator (scripts/test.mjs)', () => {
  it('unit tests still run; the reason is on its own line just above the closing line; exit 1', () => {
    const fake = fakePython();
    const env = cleanEnv({ GD_PYTHON: fake.python, GD_VENV: fake.venv, FAKE_PIP: 'fail' });
    const result = run(TEST_SCRIPT, ['all', SMALL_UNIT_TEST], env, 120_000);
    const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
    const closing = lines[lines.length - 1] ?? '';
    expect(closing).toMatch(/^[1-9]\d* passed, 0 failed$/);
    expect(lines[lines.length - 2]).toMatch(
      /^integration, dist and adversarial tests did not run\. Cannot set up the AWS emulator: installing `moto\[server\]==5\.2\.1` into .* failed/,
    );
    expect(result.stderr).toMatch(/PASS test\/unit\/setup\/engines\.test\.ts/);
    expect(result.status).toBe(1);
  });

  it('with no Python at all, an integration-only run still prints its closing line', () => {
    const env = cleanEnv({ PATH: emptyPath(), GD_VENV: path.join(emptyPath(), 'venv') });
    const result = run(TEST_SCRIPT, ['integration'], env);
    const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(lines.slice(-2)).toEqual([
      expect.stringMatching(
        /^integration tests did not run\. Cannot set up the AWS emulator: no Python 3\.10\+ found/,
      ),
      '0 passed, 0 failed',
    ]);
    expect(result.status).toBe(1);
  });
});
