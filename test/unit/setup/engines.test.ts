// package.json says Node >= 20 for development (the actions themselves run on node24). One production
// dependency declares a newer Node: content-type 3.x (engines node >=22, so every `npm ci` on Node 20 warns
// EBADENGINE). It is plain ESM that @octokit/request imports with `import`, and ncc bundles it into dist/, so it
// runs on Node 20; these tests prove that on the Node running them, and that no other production dependency
// raises the floor without being listed here (and in CONTRIBUTING.md) on purpose.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'content-type';

const ROOT = process.cwd();

interface LockEntry {
  dev?: boolean;
  engines?: { node?: string };
}

/** The lowest Node major a simple engines range admits (">=22", ">= 20.0.0", "^18 || >=20" → 18, "*" → 0). */
function lowestMajor(range: string): number {
  const majors = range
    .split('||')
    .map((part) => /(\d+)/.exec(part)?.[1])
    .map((major) => (major === undefined ? 0 : Number(major)));
  return Math.min(...majors);
}

/** Production dependencies known to declare a newer Node than package.json, and why that is fine. */
const NEWER_NODE_ALLOWED: Record<string, string> = {
  'node_modules/content-type':
    'ESM-only (engines >=22 is for require(esm)); imported from ESM by @octokit/request and bundled by ncc',
};

describe('Node versions (engines)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const floor = lowestMajor(pkg.engines.node);

  it('package.json supports Node 20 for development, and this Node satisfies it', () => {
    expect(pkg.engines.node).toBe('>=20');
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(floor);
  });

  it('content-type (engines node >=22) parses headers on this Node, as @octokit/request uses it', () => {
    const parsed = parse('application/json; charset=utf-8');
    expect(parsed.type).toBe('application/json');
    expect(parsed.parameters).toEqual({ charset: 'utf-8' });
  });

  it('no production dependency asks for a newer Node than package.json unless listed on purpose', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const newer = Object.entries(lock.packages)
      .filter(([name, entry]) => name !== '' && !entry.dev && entry.engines?.node)
      .filter(([, entry]) => lowestMajor(entry.engines?.node ?? '') > floor)
      .map(([name]) => name);
    expect(newer.sort()).toEqual(Object.keys(NEWER_NODE_ALLOWED).sort());
  });

  it('the allowance is documented where a contributor looks (CONTRIBUTING.md and README.md)', () => {
    for (const doc of ['CONTRIBUTING.md', 'README.md']) {
      const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
      expect(text).toMatch(/content-type/);
      expect(text).toMatch(/EBADENGINE/);
    }
  });
});
