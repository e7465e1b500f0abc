import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import * as core from '@actions/core';
import { runnerProtocol } from '../../../src/runner';

/** Everything written to stdout while `fn` runs. */
function captureStdout(fn: () => void): string {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    fn();
  } finally {
    process.stdout.write = original;
  }
  return chunks.join('');
}

const HOSTILE = 'multi\nline\r\n100% ::add-mask::x, a:b';

describe('src/runner.ts speaks the runner protocol exactly as @actions/core does', () => {
  const ours = runnerProtocol({}, { write: (text) => process.stdout.write(text) });
  const cases: Array<[string, () => void, () => void]> = [
    ['info', () => core.info('plain line'), () => ours.line('plain line')],
    ['warning', () => core.warning(HOSTILE), () => ours.command('warning', HOSTILE)],
    ['error', () => core.error(HOSTILE), () => ours.command('error', HOSTILE)],
    ['debug', () => core.debug(HOSTILE), () => ours.command('debug', HOSTILE)],
    ['group', () => core.startGroup(HOSTILE), () => ours.command('group', HOSTILE)],
    ['endgroup', () => core.endGroup(), () => ours.command('endgroup', '')],
    ['add-mask', () => core.setSecret(HOSTILE), () => ours.command('add-mask', HOSTILE)],
  ];
  for (const [name, theirs, mine] of cases) {
    it(`${name}: byte for byte`, () => {
      expect(captureStdout(mine)).toBe(captureStdout(theirs));
    });
  }

  it('outputs: the same GITHUB_OUTPUT heredoc (delimiters are random: compared with them normalised)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-runner-'));
    const theirsFile = path.join(dir, 'theirs');
    const oursFile = path.join(dir, 'ours');
    fs.writeFileSync(theirsFile, '');
    fs.writeFileSync(oursFile, '');
    const saved = process.env.GITHUB_OUTPUT;
    process.env.GITHUB_OUTPUT = theirsFile;
    try {
      core.setOutput('plan-markdown', HOSTILE);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_OUTPUT;
      else process.env.GITHUB_OUTPUT = saved;
    }
    runnerProtocol({ GITHUB_OUTPUT: oursFile }).output('plan-markdown', HOSTILE);
    const norm = (f: string) => fs.readFileSync(f, 'utf8').replace(/ghadelimiter_[0-9a-f-]{36}/g, 'DELIM');
    expect(norm(oursFile)).toBe(norm(theirsFile));
    expect(norm(oursFile)).toBe(`plan-markdown<<DELIM${os.EOL}${HOSTILE}${os.EOL}DELIM${os.EOL}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
