import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { FAILURE_MODE_IDS } from '../../../src/failure-modes';

/**
 * docs/failure-modes.md is the source of truth users read. Every row it marks guaranteed or partial must
 * name test locations that really contain tests named after the ID (`it('M1: …')`, `describe('M1 …')`).
 */
const DOC = path.resolve('docs/failure-modes.md');

interface Row {
  id: string;
  status: string;
  proved: string[];
}

function rows(): Row[] {
  const out: Row[] = [];
  for (const line of fs.readFileSync(DOC, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const id = /<\/a>([A-Z]\d)$/.exec(cells[1] ?? '')?.[1];
    if (!id) continue;
    out.push({
      id,
      status: cells[5] ?? '',
      proved: [...(cells[6] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string),
    });
  }
  return out;
}

function filesUnder(p: string): string[] {
  const abs = path.resolve(p);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [abs];
  return fs
    .readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(abs, f))
    .filter((f) => f.endsWith('.test.ts'));
}

function namesTest(file: string, id: string): boolean {
  const text = fs.readFileSync(file, 'utf8');
  // `it('L1: …')`, `describe('L1 …')`, or a table row whose title becomes the test's name (`{ title: 'L1: …' }`, `bad('L1: …', …)`).
  return (
    new RegExp(`(?:it|test|describe)(?:\\.each\\([\\s\\S]*?\\))?\\(\\s*['"\`]${id}[:( ×]`).test(text) ||
    new RegExp(`(?:title:\\s*|bad\\()['"\`]${id}[:( ×]`).test(text)
  );
}

describe('docs/failure-modes.md', () => {
  const all = rows();

  it('lists every ID of the shared catalogue (../shared/failure-modes.md, when it is beside the repository) and every row has a known status', () => {
    const shared = path.resolve('..', 'shared', 'failure-modes.md');
    if (fs.existsSync(shared)) {
      const ids = [...fs.readFileSync(shared, 'utf8').matchAll(/^\| ([A-Z]\d) \|/gm)].map((m) => m[1]);
      expect(ids.length).toBeGreaterThan(20);
      for (const id of ids) expect(all.map((r) => r.id)).toContain(id);
    }
    for (const r of all) expect(['guaranteed', 'partial', 'planned']).toContain(r.status);
  });

  it('the IDs messages link to are exactly the rows of the page', () => {
    expect([...FAILURE_MODE_IDS].sort()).toEqual(all.map((r) => r.id).sort());
  });

  for (const r of rows().filter((x) => x.status !== 'planned')) {
    it(`${r.id}: every location it cites holds a test named after ${r.id}`, () => {
      expect(r.proved.length).toBeGreaterThan(0);
      for (const loc of r.proved) {
        const files = filesUnder(loc);
        expect({ loc, found: files.length > 0 }).toEqual({ loc, found: true });
        expect({ loc, named: files.some((f) => namesTest(f, r.id)) }).toEqual({ loc, named: true });
      }
    });
  }
});
