import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('M4: actions never export secrets (or anything) to the job environment', () => {
  const files = [
    ...sources('src'),
    ...fs.readdirSync('actions').flatMap((a) => sources(path.join('actions', a, 'src'))),
  ];

  it('covers every action source file', () => {
    expect(files.length).toBeGreaterThan(30);
    for (const a of fs.readdirSync('actions'))
      expect(files.some((f) => f.startsWith(path.join('actions', a)))).toBe(true);
  });

  it.each(files)('M4: %s neither calls core.exportVariable nor writes GITHUB_ENV / GITHUB_PATH', (file) => {
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toMatch(/exportVariable|addPath\(|GITHUB_ENV|GITHUB_PATH/);
  });
});
