// How tests are run (issue #13): plain `jest` without Node's VM-modules flag stops at once with one line
// pointing at the documented command, and `npm test` (scripts/test.mjs) leaves no temporary folders behind —
// after a normal run and after Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = process.cwd();
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const TEST_SCRIPT = path.join(ROOT, 'scripts', 'test.mjs');
/** A unit test file that makes temporary folders (gd-x1-*) and never removes them itself. */
const LEAVES_TEMP_FOLDERS = 'test/unit/shared/workspace.test.ts';

function freshTmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gd-fresh-tmp-'));
}

/** What is left in a TMPDIR, leaving out jest's transform cache (jest_*), which is meant to stay. */
function leftIn(tmp: string): string[] {
  return fs.readdirSync(tmp).filter((name) => !name.startsWith('jest_'));
}

function envWithTmp(tmp: string): NodeJS.ProcessEnv {
  return { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp, NODE_OPTIONS: '' };
}

describe('running jest', () => {
  it('plain jest without --experimental-vm-modules fails at once with one line naming the command to use', () => {
    const result = spawnSync(process.execPath, [JEST, 'test/unit/shared'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).not.toBe(0);
    const output = `${result.stdout}${result.stderr}`.trim();
    expect(output).toBe(
      "Jest here needs Node's --experimental-vm-modules: run tests with `npm test` or `node scripts/test.mjs unit <path>` (or `NODE_OPTIONS=--experimental-vm-modules npx jest <path>`).",
    );
    expect(output).not.toMatch(/Cannot find module/);
  });
});

describe('temporary folders', () => {
  it('jest run directly leaves the test files’ temporary folders behind (what scripts/test.mjs cleans up)', () => {
    const tmp = freshTmp();
    const result = spawnSync(
      process.execPath,
      ['--experimental-vm-modules', '--no-warnings', JEST, LEAVES_TEMP_FOLDERS],
      { cwd: ROOT, env: envWithTmp(tmp), encoding: 'utf8', timeout: 120_000 },
    );
    expect(result.status).toBe(0);
    expect(leftIn(tmp).filter((name) => name.startsWith('gd-x1-')).length).toBeGreaterThan(0);
  });

  it('npm test removes every temporary folder its tests made', () => {
    const tmp = freshTmp();
    const result = spawnSync(process.execPath, [TEST_SCRIPT, 'unit', LEAVES_TEMP_FOLDERS], {
      cwd: ROOT,
      env: envWithTmp(tmp),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.stdout).toMatch(/^[1-9]\d* passed, 0 failed$/m);
    expect(result.status).toBe(0);
    expect(leftIn(tmp)).toEqual([]);
  });

  it('Ctrl-C (SIGINT to the process group) while tests are making folders still removes them all; exit 130', async () => {
    const tmp = freshTmp();
    // A long folder whose harness makes a workspace folder (gd-ws-*) per test.
    const child = spawn(process.execPath, [TEST_SCRIPT, 'unit', 'test/unit/deploy-stack'], {
      cwd: ROOT,
      env: envWithTmp(tmp),
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const madeByTests = (): string[] => {
      const run = leftIn(tmp).find((name) => name.startsWith('gd-test-run-'));
      const dir = run && path.join(tmp, run, 'tmp');
      return dir && fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && madeByTests().length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(madeByTests().length).toBeGreaterThan(0);
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await exited).toBe(130);
    expect(leftIn(tmp)).toEqual([]);
  });
});
