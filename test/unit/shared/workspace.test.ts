import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors';
import { resolveInWorkspace } from '../../../src/inputs';

function layout(): { root: string; outside: string } {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gd-x1-')));
  const root = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'infra'), { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret.yaml'), 'Resources: {}\n');
  fs.writeFileSync(path.join(root, 'infra', 'app.yaml'), 'Resources: {}\n');
  return { root, outside };
}

describe('resolveInWorkspace', () => {
  it('L1: refuses ../ and absolute paths outside the workspace', () => {
    const { root } = layout();
    expect(() => resolveInWorkspace('../outside/secret.yaml', 'template', root)).toThrow(InputError);
    expect(() => resolveInWorkspace('/etc/passwd', 'template', root)).toThrow(/inside the workspace/);
    expect(() => resolveInWorkspace('a\0b', 'template', root)).toThrow(/NUL/);
  });

  it('X1: a symbolic link to a file outside the workspace is refused', () => {
    const { root, outside } = layout();
    fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'infra', 'link.yaml'));
    expect(() => resolveInWorkspace('infra/link.yaml', 'template', root)).toThrow(
      /symbolic link .* outside .*X1/,
    );
  });

  it('X1: a file under a symlinked directory that leads outside is refused', () => {
    const { root, outside } = layout();
    fs.symlinkSync(outside, path.join(root, 'shared'));
    expect(() => resolveInWorkspace('shared/secret.yaml', 'values', root)).toThrow(/X1/);
    // …also when the file does not exist (yet): the directory already leads outside.
    expect(() => resolveInWorkspace('shared/new.yaml', 'values', root)).toThrow(/X1/);
  });

  it('X1: a dangling symbolic link to an outside path is refused', () => {
    const { root, outside } = layout();
    fs.symlinkSync(path.join(outside, 'missing.yaml'), path.join(root, 'dangling.yaml'));
    expect(() => resolveInWorkspace('dangling.yaml', 'template', root)).toThrow(/X1/);
  });

  it('X1: a chain of links that ends outside is refused', () => {
    const { root, outside } = layout();
    fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'hop2.yaml'));
    fs.symlinkSync('hop2.yaml', path.join(root, 'hop1.yaml'));
    expect(() => resolveInWorkspace('hop1.yaml', 'template', root)).toThrow(/X1/);
  });

  it('X1: a loop of links is one clear input error', () => {
    const { root } = layout();
    fs.symlinkSync('b.yaml', path.join(root, 'a.yaml'));
    fs.symlinkSync('a.yaml', path.join(root, 'b.yaml'));
    expect(() => resolveInWorkspace('a.yaml', 'template', root)).toThrow(InputError);
  });

  it('X1: links that stay inside the workspace are fine, and the real path is returned', () => {
    const { root } = layout();
    fs.symlinkSync(path.join(root, 'infra', 'app.yaml'), path.join(root, 'current.yaml'));
    expect(resolveInWorkspace('current.yaml', 'template', root)).toBe(path.join(root, 'infra', 'app.yaml'));
    expect(resolveInWorkspace('infra/app.yaml', 'template', root)).toBe(path.join(root, 'infra', 'app.yaml'));
    expect(resolveInWorkspace('infra/not-yet.yaml', 'template', root)).toBe(
      path.join(root, 'infra', 'not-yet.yaml'),
    );
  });

  it('X1: a workspace that is itself reached through a symbolic link still works', () => {
    const { root } = layout();
    const alias = `${root}-alias`;
    fs.symlinkSync(root, alias);
    expect(resolveInWorkspace('infra/app.yaml', 'template', alias)).toBe(
      path.join(root, 'infra', 'app.yaml'),
    );
  });
});
