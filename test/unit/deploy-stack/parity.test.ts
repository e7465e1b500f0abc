// Drop-in parity with aws-cloudformation-github-deploy (issue #13, items 12-14): the changes-summary and
// changes-markdown outputs, parameters-file, and the http-proxy input reaching the AWS client configuration.
import type { Change } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from '@jest/globals';
import { clientConfig } from '../../../src/aws';
import { mapInputs } from '../../../src/inputs';
import { ForwardingAgent, TunnelingAgent } from '../../../src/proxy';
import { parseInputs } from '../../../actions/deploy-stack/src/inputs';
import type { DeployOutcome } from '../../../actions/deploy-stack/src/outcome';
import {
  CHANGES_SUMMARY_MAX_CHARS,
  changesSummary,
  stepOutputs,
} from '../../../actions/deploy-stack/src/publish';
import { findLeak } from '../../helpers/leaks';
import { fakeRuntime } from '../../helpers/runtime';
import { workspace } from './harness';

const SECRET = 'Parity-S3cret-4b2a';

function change(action: 'Add' | 'Modify' | 'Remove', id: string, replacement?: 'True' | 'False'): Change {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: action,
      LogicalResourceId: id,
      PhysicalResourceId: action === 'Add' ? undefined : `${id}-physical`,
      ResourceType: 'AWS::SSM::Parameter',
      Replacement: replacement,
      Scope: action === 'Modify' ? ['Properties'] : [],
      Details: [{ Target: { Attribute: 'Properties', Name: 'Value', RequiresRecreation: 'Never' } }],
    },
  };
}

function outcome(changes: Change[], extra: Partial<DeployOutcome> = {}): DeployOutcome {
  return {
    result: 'planned',
    stackName: 'app',
    hasChanges: changes.length > 0,
    changesCount: changes.length,
    changes,
    outputs: {},
    notes: [],
    changeSetId: 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/cs/1',
    planDigest: `sha256:${'a'.repeat(64)}`,
    ...extra,
  };
}

describe('changes-summary and changes-markdown (aws-cloudformation-github-deploy v2 outputs)', () => {
  it('changes-summary is their JSON shape (changes in CloudFormation Change form, totalChanges, truncated) plus ours', () => {
    const summary = JSON.parse(
      changesSummary(outcome([change('Add', 'Fresh'), change('Modify', 'Table', 'True')])),
    ) as Record<string, unknown>;
    expect(summary).toEqual({
      changes: [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Add',
            LogicalResourceId: 'Fresh',
            ResourceType: 'AWS::SSM::Parameter',
            Scope: [],
          },
        },
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Modify',
            LogicalResourceId: 'Table',
            PhysicalResourceId: 'Table-physical',
            ResourceType: 'AWS::SSM::Parameter',
            Replacement: 'True',
            Scope: ['Properties'],
          },
        },
      ],
      totalChanges: 2,
      truncated: false,
      hasChanges: true,
      destructiveChanges: 0,
      changeSetId: 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/cs/1',
      planDigest: `sha256:${'a'.repeat(64)}`,
    });
  });

  it('L2: a huge change set is cut to fit an output (truncated: true, totalChanges still exact)', () => {
    const many = Array.from({ length: 6000 }, (_, index) =>
      change('Add', `Resource${index}${'x'.repeat(60)}`),
    );
    const text = changesSummary(outcome(many));
    expect(text.length).toBeLessThanOrEqual(CHANGES_SUMMARY_MAX_CHARS);
    const summary = JSON.parse(text) as { changes: unknown[]; totalChanges: number; truncated: boolean };
    expect(summary.totalChanges).toBe(6000);
    expect(summary.truncated).toBe(true);
    expect(summary.changes.length).toBeGreaterThan(0);
    expect(summary.changes.length).toBeLessThan(6000);
  });

  it('an empty change set: changes [], hasChanges false', () => {
    expect(JSON.parse(changesSummary(outcome([], { result: 'no-changes' })))).toMatchObject({
      changes: [],
      totalChanges: 0,
      truncated: false,
      hasChanges: false,
    });
  });

  it('C3: both are written through rt.out, redacted like every output', () => {
    const rt = fakeRuntime({ action: 'deploy-stack' });
    rt.out.addSecret(SECRET);
    const secretChange = change('Modify', 'Token');
    (secretChange.ResourceChange as { PhysicalResourceId: string }).PhysicalResourceId = SECRET;
    const markdown = `### plan\n| Token | ${SECRET} |`;
    rt.out.setOutputs(stepOutputs(outcome([secretChange]), markdown));
    const written = rt.sink.outputs;
    expect(written['changes-summary']).toBeDefined();
    expect(written['changes-markdown']).toBe(written['plan-markdown']);
    expect(written['changes-markdown']).toContain('### plan');
    for (const name of ['changes-summary', 'changes-markdown'])
      expect(findLeak(written[name] as string, SECRET)).toBeUndefined();
    expect(
      JSON.parse(written['changes-summary'] as string).changes[0].ResourceChange.PhysicalResourceId,
    ).toBe('***');
  });
});

describe('parameters-file (aws-cloudformation-github-deploy v2)', () => {
  it('reads { "Parameters": {...} } from the workspace; parameter-overrides win key by key', () => {
    const dir = workspace({
      'template.yaml': 'Resources: {}\n',
      'params.json': JSON.stringify({ Parameters: { Release: 'v1', Stage: 'prod', Port: 8080 } }),
    });
    const inputs = parseInputs(
      mapInputs({
        name: 'app',
        template: 'template.yaml',
        'parameters-file': 'params.json',
        'parameter-overrides': 'Release=v2',
      }),
      { GITHUB_WORKSPACE: dir, AWS_REGION: 'us-east-1' },
      0,
    );
    expect(inputs.parameterOverrides).toEqual([
      { key: 'Stage', value: 'prod' },
      { key: 'Port', value: '8080' },
      { key: 'Release', value: 'v2' },
    ]);
  });

  it('C3: a bad parameter name in the file is refused without quoting what was written there', () => {
    const dir = workspace({
      'template.yaml': 'Resources: {}\n',
      'params.json': JSON.stringify({ Parameters: { [SECRET.replace(/-/g, ' ')]: 'x' } }),
    });
    const parse = () =>
      parseInputs(
        mapInputs({ name: 'app', template: 'template.yaml', 'parameters-file': 'params.json' }),
        { GITHUB_WORKSPACE: dir, AWS_REGION: 'us-east-1' },
        0,
      );
    expect(parse).toThrow(/Input 'parameters-file': entry 1 does not have a valid parameter name/);
    let message = '';
    try {
      parse();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('Parity');
  });
});

describe('http-proxy reaches the AWS client configuration', () => {
  it('the input (INPUT_HTTP-PROXY, as the runner sets it) gives the handler our proxy agents; none without', () => {
    const proxied = clientConfig('us-east-1', { 'INPUT_HTTP-PROXY': 'http://proxy.internal:3128' });
    expect(proxied.requestHandler.httpAgent).toBeInstanceOf(ForwardingAgent);
    expect(proxied.requestHandler.httpsAgent).toBeInstanceOf(TunnelingAgent);
    expect(proxied.requestHandler.throwOnRequestTimeout).toBe(true);
    const direct = clientConfig('us-east-1', {});
    expect(direct.requestHandler.httpAgent).toBeUndefined();
    expect(direct.requestHandler.httpsAgent).toBeUndefined();
    expect(
      clientConfig('us-east-1', { HTTPS_PROXY: 'proxy.internal:3128' }).requestHandler.httpsAgent,
    ).toBeInstanceOf(TunnelingAgent);
  });
});
