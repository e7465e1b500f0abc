import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

/**
 * The structural guarantees of the one-runtime design, checked on the source: one entry contract, one
 * outbound channel, nothing exported to the job environment, files small enough to read.
 */
const ACTIONS = fs
  .readdirSync('actions')
  .filter((a) => fs.existsSync(path.join('actions', a, 'src', 'main.ts')));

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

const PRODUCTION = [...sources('src'), ...ACTIONS.flatMap((a) => sources(path.join('actions', a, 'src')))];

/** main.ts with the action's name replaced: all of them must read the same. */
function mainShape(action: string): string {
  return fs
    .readFileSync(path.join('actions', action, 'src', 'main.ts'), 'utf8')
    .replaceAll(action, '<action>');
}

describe('one entry contract', () => {
  it('every action has a main.ts of the same shape: the real runtime, runWith, one error line', () => {
    expect(ACTIONS.length).toBeGreaterThanOrEqual(4);
    const first = mainShape(ACTIONS[0] as string);
    expect(first).toMatch(/runAction\(realRuntime\('<action>'\), runWith\)/);
    for (const a of ACTIONS) expect({ action: a, main: mainShape(a) }).toEqual({ action: a, main: first });
    expect(first.split('\n').length).toBeLessThanOrEqual(20);
  });

  it('every action exports runWith(rt: Runtime) from run.ts', () => {
    for (const a of ACTIONS) {
      const run = fs.readFileSync(path.join('actions', a, 'src', 'run.ts'), 'utf8');
      expect({ action: a, ok: /export async function runWith\(rt: Runtime\)/.test(run) }).toEqual({
        action: a,
        ok: true,
      });
    }
  });

  it('only src/runtime.ts and src/runner.ts talk to the runner: no @actions/core, process.exit, process.on or process.env elsewhere', () => {
    const offenders: string[] = [];
    for (const f of PRODUCTION) {
      if (f === path.join('src', 'runtime.ts') || f === path.join('src', 'runner.ts')) continue;
      const text = fs.readFileSync(f, 'utf8');
      if (/from '@actions\/(core|exec)'/.test(text)) offenders.push(`${f}: imports @actions/core`);
      if (/process\.(exit|on|once|stdout|stderr)\b/.test(text))
        offenders.push(`${f}: uses process signals/streams`);
      if (f.startsWith('actions') && /process\.env\b/.test(text))
        offenders.push(`${f}: reads process.env (use rt.env)`);
    }
    expect(offenders).toEqual([]);
  });

  it('realRuntime is built only in main.ts files', () => {
    const callers = PRODUCTION.filter(
      (f) => /realRuntime\(/.test(fs.readFileSync(f, 'utf8')) && !f.endsWith(path.join('src', 'runtime.ts')),
    );
    expect(callers.every((f) => f.endsWith(path.join('src', 'main.ts')))).toBe(true);
  });

  it('no production file is over 400 lines', () => {
    const long = PRODUCTION.map((f) => [f, fs.readFileSync(f, 'utf8').split('\n').length] as const).filter(
      ([, n]) => n > 400,
    );
    expect(long).toEqual([]);
  });
});
