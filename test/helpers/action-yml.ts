/**
 * The action.yml contract every action's unit tests check: it declares exactly the parser's INPUTS and
 * OUTPUTS (each described), the parser's DEFAULTS (as the strings the runner passes), and runs the action's
 * own bundle on node24.
 */
import fs from 'node:fs';
import { expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';

export interface ActionYml {
  name: string;
  description: string;
  author: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

export function readActionYml(action: string): ActionYml {
  return parseYaml(fs.readFileSync(`actions/${action}/action.yml`, 'utf8')) as ActionYml;
}

/** Exactly these inputs and outputs, each with a description; our author and branding; our bundle on node24. */
export function expectDeclares(
  action: string,
  yml: ActionYml,
  inputs: readonly string[],
  outputs: readonly string[],
): void {
  expect(Object.keys(yml.inputs).sort()).toEqual([...inputs].sort());
  expect(Object.keys(yml.outputs).sort()).toEqual([...outputs].sort());
  for (const entry of [...Object.values(yml.inputs), ...Object.values(yml.outputs)])
    expect(entry.description.length).toBeGreaterThan(10);
  expect(yml.author).toBe('Guarded Deploy');
  expect(yml.branding.icon).toBeTruthy();
  expect(yml.runs).toEqual({ using: 'node24', main: `../../dist/${action}/index.js` });
}

/** The inputs that have a default in action.yml: input name → default. */
export function declaredDefaults(yml: ActionYml): Record<string, string> {
  return Object.fromEntries(
    Object.entries(yml.inputs)
      .filter(([, input]) => input.default !== undefined)
      .map(([name, input]) => [name, input.default as string]),
  );
}

/** The inputs that have a default in action.yml are exactly the parser's DEFAULTS, as the strings the runner passes. */
export function expectDefaults(yml: ActionYml, defaults: Record<string, unknown>): void {
  expect(declaredDefaults(yml)).toEqual(
    Object.fromEntries(Object.entries(defaults).map(([name, value]) => [name, String(value)])),
  );
}

/**
 * Register the two contract tests (declarations, defaults) for an action's action.yml and return it, for the
 * action's own checks (required inputs, the parser really using the defaults).
 */
export function actionYmlContract(
  action: string,
  contract: { INPUTS: readonly string[]; OUTPUTS: readonly string[]; DEFAULTS: Record<string, unknown> },
): ActionYml {
  const yml = readActionYml(action);
  it('declares exactly INPUTS and OUTPUTS, each described; our author, branding and bundle on node24', () => {
    expectDeclares(action, yml, contract.INPUTS, contract.OUTPUTS);
  });
  it('its defaults are exactly the parser defaults, as strings', () => {
    expectDefaults(yml, contract.DEFAULTS);
  });
  return yml;
}
