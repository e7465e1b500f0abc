// Every actions/<name>/action.yml (whatever exist: this runs over the folder) is complete and agrees with the
// code that reads it: the INPUTS/OUTPUTS lists in actions/<name>/src/inputs.ts, and the parser's defaults.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { mapInputs, type InputGetter } from '../../../src/inputs';
import * as amplifyRelease from '../../../actions/amplify-release/src/inputs';
import * as deployStack from '../../../actions/deploy-stack/src/inputs';
import * as driftCheck from '../../../actions/drift-check/src/inputs';
import * as helmGuard from '../../../actions/helm-guard/src/inputs';
import * as deployStackSet from '../../../actions/deploy-stackset/src/inputs';
import { actionNames, loadAction, ROOT } from './load';

function workspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-wf-'));
  fs.writeFileSync(
    path.join(dir, 'template.yaml'),
    "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n",
  );
  return dir;
}

interface ActionCode {
  INPUTS: readonly string[];
  OUTPUTS: readonly string[];
  /** The smallest set of inputs the action accepts. */
  minimal: Record<string, string>;
  /** One input set to a value other than its default (shows the comparison is not vacuous). */
  nonDefault: Record<string, string>;
  /** parseInputs with everything else (env, clock, workspace) fixed, so two calls are comparable. */
  parse: (get: InputGetter) => unknown;
}

const ws = workspace();
const env: NodeJS.ProcessEnv = {
  GITHUB_WORKSPACE: ws,
  AWS_REGION: 'us-east-1',
  GITHUB_RUN_ID: '42',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'o/r',
};

/** Each action's code, keyed by folder name. A new action must be added here (a test below insists). */
const CODE: Record<string, ActionCode> = {
  'deploy-stack': {
    INPUTS: deployStack.INPUTS,
    OUTPUTS: deployStack.OUTPUTS,
    minimal: { name: 'app', template: 'template.yaml' },
    nonDefault: { 'wait-timeout-minutes': '61' },
    parse: (get) => deployStack.parseInputs(get, env, 0),
  },
  'drift-check': {
    INPUTS: driftCheck.INPUTS,
    OUTPUTS: driftCheck.OUTPUTS,
    minimal: { stacks: 'app' },
    nonDefault: { concurrency: '6' },
    parse: (get) => driftCheck.parseInputs(get, env, 0),
  },
  'helm-guard': {
    INPUTS: helmGuard.INPUTS,
    OUTPUTS: helmGuard.OUTPUTS,
    minimal: { release: 'web', namespace: 'web', version: '1.2.3' },
    nonDefault: { 'on-downgrade': 'skip' },
    parse: (get) => helmGuard.parseInputs(get, { workspace: ws }),
  },
  'deploy-stackset': {
    INPUTS: deployStackSet.INPUTS,
    OUTPUTS: deployStackSet.OUTPUTS,
    minimal: { name: 'app', template: 'template.yaml' },
    nonDefault: { 'wait-timeout-minutes': '61' },
    parse: (get) => deployStackSet.parseInputs(get, env),
  },
  'amplify-release': {
    INPUTS: amplifyRelease.INPUTS,
    OUTPUTS: amplifyRelease.OUTPUTS,
    minimal: { 'app-id': 'd1a2b3c4', branch: 'release/demo' },
    nonDefault: { 'env-scope': 'app' },
    parse: (get) => amplifyRelease.parseInputs(get, env),
  },
};

const names = actionNames();
const isExpression = (v: string) => v.includes('${{');

describe('actions/*/action.yml', () => {
  it('finds the actions (one folder each under actions/)', () => {
    expect(names).toEqual(expect.arrayContaining(['amplify-release', 'deploy-stack', 'helm-guard']));
  });

  it.each(names)('%s: the test knows its code (add it to CODE when a new action appears)', (name) => {
    expect(Object.keys(CODE)).toContain(name);
  });

  it.each(names)('%s: name, description, author and branding', (name) => {
    const meta = loadAction(name)!;
    expect(meta.name).toEqual(expect.any(String));
    expect((meta.description ?? '').length).toBeGreaterThan(20);
    expect(meta.author).toEqual(expect.any(String));
    expect(meta.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
  });

  it.each(names)(
    '%s: runs on node24 from the committed bundle ../../dist/<name>/index.js, which exists',
    (name) => {
      const meta = loadAction(name)!;
      expect(meta.runs).toEqual({ using: 'node24', main: `../../dist/${name}/index.js` });
      const bundle = path.resolve(ROOT, 'actions', name, meta.runs!.main!);
      expect(bundle).toBe(path.join(ROOT, 'dist', name, 'index.js'));
      expect(fs.existsSync(bundle)).toBe(true);
    },
  );

  it.each(names)('%s: every input and output is described', (name) => {
    const meta = loadAction(name)!;
    expect(Object.keys(meta.inputs ?? {}).length).toBeGreaterThan(0);
    expect(Object.keys(meta.outputs ?? {}).length).toBeGreaterThan(0);
    for (const [k, i] of Object.entries(meta.inputs ?? {})) {
      expect({ input: k, described: (i.description ?? '').trim().length > 10 }).toEqual({
        input: k,
        described: true,
      });
      // Defaults are strings, as the runner passes them (a YAML boolean would be a surprise to a reader).
      if (i.default !== undefined)
        expect({ input: k, type: typeof i.default }).toEqual({ input: k, type: 'string' });
    }
    for (const [k, o] of Object.entries(meta.outputs ?? {})) {
      expect({ output: k, described: (o.description ?? '').trim().length > 5 }).toEqual({
        output: k,
        described: true,
      });
    }
  });

  it.each(names)('%s: inputs and outputs equal INPUTS and OUTPUTS in src/inputs.ts', (name) => {
    const meta = loadAction(name)!;
    const code = CODE[name]!;
    expect(Object.keys(meta.inputs ?? {}).sort()).toEqual([...code.INPUTS].sort());
    expect(Object.keys(meta.outputs ?? {}).sort()).toEqual([...code.OUTPUTS].sort());
  });

  it.each(names)('%s: defaults in action.yml equal the parser defaults', (name) => {
    const meta = loadAction(name)!;
    const code = CODE[name]!;
    const defaults = Object.fromEntries(
      Object.entries(meta.inputs ?? {})
        .filter(([, i]) => i.default !== undefined && !isExpression(String(i.default)))
        .map(([k, i]) => [k, String(i.default)]),
    );
    const implicit = code.parse(mapInputs(code.minimal));
    const explicit = code.parse(mapInputs({ ...code.minimal, ...defaults }));
    expect(explicit).toEqual(implicit);
  });

  it.each(names)('%s: the defaults comparison can fail (a non-default value parses differently)', (name) => {
    const code = CODE[name]!;
    const [input, value] = Object.entries(code.nonDefault)[0]!;
    expect(loadAction(name)!.inputs?.[input]?.default).not.toBe(value);
    expect(code.parse(mapInputs({ ...code.minimal, [input]: value }))).not.toEqual(
      code.parse(mapInputs(code.minimal)),
    );
  });
});
