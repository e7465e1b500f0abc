// The expression evaluator the example tests use (test/unit/workflows/expressions.ts) and the walker over the
// examples (walk.ts): GitHub's semantics for the forms our workflows use, and every example's steps of ours
// reached with every `with:` value evaluated (no moto here: the dist test runs them).
import { describe, expect, it } from '@jest/globals';
import { condition, evaluate, interpolate } from './expressions';
import { exampleWorkflows } from './load';
import { runWorkflow, type StepCall } from './walk';

const contexts = {
  github: { event_name: 'pull_request', run_id: '42' },
  inputs: {
    template: 'infra/app.yaml',
    'working-directory': '.',
    stacks: '[{"name":"a"},{"name":"b"}]',
    n: 3,
  },
  matrix: { chart: { 'set-secret-from': 'HELM', release: 'web' } },
  secrets: { HELM: 'k=v' },
  steps: { plan: { outputs: { 'stack-status': 'REVIEW_IN_PROGRESS' } } },
};

describe('expressions: the forms our workflows use', () => {
  it.each([
    ["github.event_name == 'pull_request'", true],
    ["github.event_name == 'PULL_REQUEST'", true], // string comparison ignores case
    ["github.event_name != 'push'", true],
    [
      "startsWith(inputs.template, 'https://') && inputs.template || format('{0}/{1}', inputs.working-directory, inputs.template)",
      './infra/app.yaml',
    ],
    ["matrix.chart.set-secret-from && secrets[matrix.chart.set-secret-from] || ''", 'k=v'],
    ["matrix.chart.missing && secrets[matrix.chart.missing] || ''", ''],
    ["steps.plan.outputs.stack-status != 'REVIEW_IN_PROGRESS'", false],
    ["inputs.n > 0 && inputs.stacks != '[]'", true],
    ["format('{0}{1}{2}', 'a', fromJSON('\"\\n\"'), 'b')", 'a\nb'],
    ['fromJSON(inputs.stacks)[1].name', 'b'],
    ["!(github.event_name == 'push')", true],
    ["'it''s'", "it's"],
    ['github.nope', null],
  ])('%s', (expression, expected) => {
    expect(evaluate(expression, contexts)).toEqual(expected);
  });

  it('an unknown context or function throws instead of guessing', () => {
    expect(() => evaluate('vars.X', contexts)).toThrow(/Unknown context 'vars'/);
    expect(() => evaluate('hashFiles(1)', contexts)).toThrow(/Unknown function/);
  });

  it('a value that is one expression keeps its type; text around expressions makes a string', () => {
    expect(interpolate('${{ fromJSON(inputs.stacks) }}', contexts)).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(interpolate('run-${{ github.run_id }}-${{ inputs.n }}', contexts)).toBe('run-42-3');
  });

  it('conditions: success() is implied unless a status function is used', () => {
    const failed = { failed: true, cancelled: false };
    expect(condition("github.event_name == 'pull_request'", contexts, failed)).toBe(false);
    expect(condition("${{ always() && github.event_name == 'pull_request' }}", contexts, failed)).toBe(true);
    expect(condition('${{ !failure() && !cancelled() }}', contexts, failed)).toBe(false);
    expect(condition(undefined, contexts, { failed: false, cancelled: false, succeeded: false })).toBe(false);
    expect(
      condition('${{ !failure() }}', contexts, { failed: false, cancelled: false, succeeded: false }),
    ).toBe(true);
  });
});

describe('walk: every example reaches steps of ours, every with: evaluates', () => {
  const github = { run_id: '1', run_attempt: '1', token: '' };
  const secrets = new Proxy({}, { get: (_t, name) => `${String(name)}=x`, has: () => true });
  it.each(exampleWorkflows().map((w) => [w.file, w] as const))('%s', async (_file, w) => {
    const reached: string[] = [];
    for (const event of ['pull_request', 'push', 'schedule']) {
      const record = async (call: StepCall) => {
        if (call.action) reached.push(`${call.job}: ${call.action}`);
        for (const value of Object.values(call.inputs)) expect(value).not.toContain('${{');
        return { outcome: 'success' as const, outputs: { 'stack-status': 'CREATE_COMPLETE' } };
      };
      await runWorkflow(
        w.file,
        w.doc,
        { github: { ...github, event_name: event }, secrets, vars: {} },
        record,
      );
    }
    expect(reached.length).toBeGreaterThan(0);
  });
});
