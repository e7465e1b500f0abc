/**
 * L1/X1 × dist/drift-check: hostile and contradictory inputs against the loopback CloudFormation stub (moto
 * has no drift APIs) behind the fault proxy. Each must exit 1 with exactly one ::error:: line, send no
 * mutating call (no DetectStackDrift, CreateChangeSet, ExecuteChangeSet …) and export nothing.
 */
import { describe, it } from '@jest/globals';
import {
  filler as long,
  hostileWorkspace,
  parameterFileCases,
  probe,
  templatePathCases,
  type BadInput,
} from '../helpers/adversarial';
import { awsRefusalProblems } from '../helpers/adversarial-aws';
import { startCfnStub } from '../helpers/cfn-query-stub';
import { d1 } from '../fixtures/drift';

const ws = hostileWorkspace();

const CASES: BadInput[] = [
  ...templatePathCases(),
  ...parameterFileCases(),
  { title: 'L1: a stack name that is a path traversal', inputs: { stacks: '../../etc' } },
  { title: 'L1: no stacks', inputs: { stacks: '' } },
  { title: 'L1: a stack listed twice', inputs: { stacks: 'orders-prod\norders-prod' } },
  {
    title: 'L1: 201 stacks',
    inputs: { stacks: Array.from({ length: 201 }, (_, index) => `s${index}`).join('\n') },
  },
  { title: 'L1: a stack line that is a workflow command', inputs: { stacks: 'orders-prod\n::warning::x' } },
  { title: 'L1: a stack name of 129 characters', inputs: { stacks: `a${long(128)}` } },
  { title: 'L1: a stack name with a space', inputs: { stacks: 'orders prod' } },
  { title: 'L1: a stack name with a look-alike letter', inputs: { stacks: 'оrders-prod' } },
  { title: 'L1: a stack name with a control character', inputs: { stacks: 'orders\u0007prod' } },
  {
    title: 'L1: override of a parameter the given template does not declare',
    inputs: { template: 'demo.yaml', 'parameter-overrides': 'Nope=1' },
  },
  {
    title: "L1: override of a parameter the stack's previous template does not declare",
    inputs: { 'parameter-overrides': 'Nope=1' },
  },
  { title: 'L1: a parameter given twice', inputs: { 'parameter-overrides': 'Env=a,Env=b' } },
  { title: 'L1: a parameter name that is not one', inputs: { 'parameter-overrides': 'E-nv=x' } },
  { title: 'L1: an unterminated quote', inputs: { 'parameter-overrides': 'Env="abc' } },
  { title: 'L1: an unknown capability', inputs: { capabilities: 'CAPABILITY_ROOT' } },
  { title: 'L1: an unknown mode', inputs: { mode: 'repair' } },
  { title: 'L1: an unknown fail-on', inputs: { 'fail-on': 'sometimes' } },
  { title: 'L1: concurrency 0', inputs: { concurrency: '0' } },
  { title: 'L1: concurrency 21', inputs: { concurrency: '21' } },
  { title: 'L1: concurrency that is not a number', inputs: { concurrency: 'many' } },
  { title: 'L1: revert that is not a boolean', inputs: { revert: 'maybe' } },
  { title: 'L1: revert: true with mode: detect (contradictory)', inputs: { revert: 'true', mode: 'detect' } },
  {
    title: 'L1: revert: true with fail-on: drift (contradictory)',
    inputs: { revert: 'true', 'fail-on': 'drift' },
  },
  { title: 'L1: allow-destructive that is not a boolean', inputs: { 'allow-destructive': 'yes please' } },
  { title: 'L1: destructive-allow-list with a shell command', inputs: { 'destructive-allow-list': '$(id)' } },
  { title: 'L1: an unknown comment-on-pr', inputs: { 'comment-on-pr': 'loud' } },
  { title: 'L1: environment with a shell metacharacter', inputs: { environment: 'prod;rm' } },
  { title: 'L1: environment of 65 characters', inputs: { environment: long(65) } },
  { title: 'L1: wait-timeout-minutes 0', inputs: { 'wait-timeout-minutes': '0' } },
  { title: 'L1: wait-timeout-minutes 361', inputs: { 'wait-timeout-minutes': '361' } },
  { title: 'L1: aws-region that is not one', inputs: { 'aws-region': 'mars' } },
  {
    title: 'L1: no region at all',
    inputs: {},
    env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
  },
];

describe('L1/X1: dist/drift-check refuses bad input before any mutating call', () => {
  it.concurrent.each(CASES)('$title', ({ title, inputs, env, noCalls }) =>
    probe('bad-input', 'drift-check', title, async () => {
      const stub = await startCfnStub([d1()]);
      try {
        return await awsRefusalProblems(
          'drift-check',
          { stacks: 'orders-prod', ...inputs },
          { cwd: ws.root, upstream: stub.endpoint, env, noCalls },
        );
      } finally {
        await stub.close();
      }
    }),
  );
});
