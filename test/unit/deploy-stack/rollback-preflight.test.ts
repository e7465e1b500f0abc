/**
 * R1: which S3 objects a deployed template needs for a rollback, resolved against the stack's parameters.
 * Every resource type the preflight reads, each property form, and what stays unresolved.
 */
import { describe, expect, it } from '@jest/globals';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { S3Ops } from '../../../src/aws-extra';
import {
  findArtifacts,
  rollbackPreflight,
  parseS3Url,
  resolveValue,
  type ResolveContext,
} from '../../../actions/deploy-stack/src/rollback-preflight';

const ctx: ResolveContext = {
  params: { Bucket: 'artifacts', Version: '1.2.3', Secret: '****' },
  region: 'eu-west-1',
  accountId: '111122223333',
  stackName: 'app',
};

const unresolved = (value: unknown) => typeof resolveValue(value, ctx) === 'symbol';

describe('R1: resolving intrinsic functions against the stack', () => {
  it.each([
    ['a plain string', 'x', 'x'],
    ['a number', 7, '7'],
    ['Ref to a parameter', { Ref: 'Bucket' }, 'artifacts'],
    ['Ref to a pseudo parameter', { Ref: 'AWS::Region' }, 'eu-west-1'],
    [
      'Fn::Sub over parameters and pseudo parameters',
      { 'Fn::Sub': 'fn/${Version}/${AWS::AccountId}.zip' },
      'fn/1.2.3/111122223333.zip',
    ],
    [
      'Fn::Sub with its own variables',
      { 'Fn::Sub': ['${Prefix}/${Version}', { Prefix: { Ref: 'Bucket' } }] },
      'artifacts/1.2.3',
    ],
    ['Fn::Sub keeps ${!Literal}', { 'Fn::Sub': '${!Literal}-${Version}' }, '${Literal}-1.2.3'],
    ['Fn::Join', { 'Fn::Join': ['/', ['a', { Ref: 'Version' }, 'b']] }, 'a/1.2.3/b'],
  ])('%s', (_what, value, expected) => {
    expect(resolveValue(value, ctx)).toBe(expected);
  });

  it.each([
    ['a NoEcho parameter (****)', { Ref: 'Secret' }],
    ['an unknown parameter', { Ref: 'Nope' }],
    ['a resource attribute in Fn::Sub', { 'Fn::Sub': '${Fn.Arn}' }],
    ['Fn::ImportValue', { 'Fn::ImportValue': 'bucket' }],
    ['an object with two keys', { Ref: 'Bucket', Other: 1 }],
    ['Fn::Join with an unresolvable part', { 'Fn::Join': ['/', ['a', { Ref: 'Nope' }]] }],
    ['a list', ['a']],
  ])('%s stays unresolved', (_what, value) => {
    expect(unresolved(value)).toBe(true);
  });
});

describe('R1: S3 locations', () => {
  it.each([
    ['s3://b/k/x.zip', { bucket: 'b', key: 'k/x.zip' }],
    ['https://b.s3.eu-west-1.amazonaws.com/k/x.zip', { bucket: 'b', key: 'k/x.zip' }],
    ['https://b.s3.amazonaws.com/k%20x.zip', { bucket: 'b', key: 'k x.zip' }],
    ['https://s3.eu-west-1.amazonaws.com/b/k/x.zip', { bucket: 'b', key: 'k/x.zip' }],
    ['https://example.com/b/k.zip', undefined],
    ['not a url', undefined],
  ])('%s', (url, expected) => {
    expect(parseS3Url(url)).toEqual(expected);
  });
});

describe('R1: the artifacts of each resource type', () => {
  const resources = {
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: { Code: { S3Bucket: { Ref: 'Bucket' }, S3Key: { 'Fn::Sub': 'fn/${Version}.zip' } } },
    },
    Inline: { Type: 'AWS::Lambda::Function', Properties: { Code: { ZipFile: 'exports.handler=1' } } },
    Layer: {
      Type: 'AWS::Lambda::LayerVersion',
      Properties: { Content: { S3Bucket: 'layers', S3Key: 'l.zip', S3ObjectVersion: 'v7' } },
    },
    SamObject: {
      Type: 'AWS::Serverless::Function',
      Properties: { CodeUri: { Bucket: 'sam', Key: 'code.zip', Version: 'v1' } },
    },
    SamUrl: { Type: 'AWS::Serverless::Function', Properties: { CodeUri: 's3://sam/url.zip' } },
    SamLocal: { Type: 'AWS::Serverless::Function', Properties: { CodeUri: './src' } },
    SamLayer: { Type: 'AWS::Serverless::LayerVersion', Properties: { ContentUri: 's3://sam/layer.zip' } },
    Nested: {
      Type: 'AWS::CloudFormation::Stack',
      Properties: { TemplateURL: 'https://tpl.s3.amazonaws.com/nested.yaml' },
    },
    NotS3: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://example.com/t.yaml' } },
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { DefinitionS3Location: { Bucket: 'sfn', Key: 'def.json' } },
    },
    Dynamic: {
      Type: 'AWS::Lambda::Function',
      Properties: { Code: { S3Bucket: { 'Fn::ImportValue': 'b' }, S3Key: 'k' } },
    },
    DynamicUrl: { Type: 'AWS::Serverless::Function', Properties: { CodeUri: { 'Fn::GetAtt': ['X', 'Y'] } } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    Odd: { Type: 'constructor', Properties: {} },
  };

  it('R1: each type and form is found, located and resolved; the rest is not checked, with the reason', () => {
    expect(findArtifacts({ Resources: resources }, ctx)).toEqual([
      {
        logicalId: 'Fn',
        type: 'AWS::Lambda::Function',
        property: 'Code',
        bucket: 'artifacts',
        key: 'fn/1.2.3.zip',
        version: undefined,
      },
      {
        logicalId: 'Layer',
        type: 'AWS::Lambda::LayerVersion',
        property: 'Content',
        bucket: 'layers',
        key: 'l.zip',
        version: 'v7',
      },
      {
        logicalId: 'SamObject',
        type: 'AWS::Serverless::Function',
        property: 'CodeUri',
        bucket: 'sam',
        key: 'code.zip',
        version: 'v1',
      },
      {
        logicalId: 'SamUrl',
        type: 'AWS::Serverless::Function',
        property: 'CodeUri',
        bucket: 'sam',
        key: 'url.zip',
      },
      {
        logicalId: 'SamLayer',
        type: 'AWS::Serverless::LayerVersion',
        property: 'ContentUri',
        bucket: 'sam',
        key: 'layer.zip',
      },
      {
        logicalId: 'Nested',
        type: 'AWS::CloudFormation::Stack',
        property: 'TemplateURL',
        bucket: 'tpl',
        key: 'nested.yaml',
      },
      {
        logicalId: 'NotS3',
        type: 'AWS::CloudFormation::Stack',
        property: 'TemplateURL',
        unresolved: 'TemplateURL is not an S3 URL',
      },
      {
        logicalId: 'Machine',
        type: 'AWS::StepFunctions::StateMachine',
        property: 'DefinitionS3Location',
        bucket: 'sfn',
        key: 'def.json',
        version: undefined,
      },
      {
        logicalId: 'Dynamic',
        type: 'AWS::Lambda::Function',
        property: 'Code',
        unresolved: 'Code uses an intrinsic function or parameter that cannot be resolved here',
      },
      {
        logicalId: 'DynamicUrl',
        type: 'AWS::Serverless::Function',
        property: 'CodeUri',
        unresolved: 'CodeUri uses an intrinsic function or parameter that cannot be resolved here',
      },
    ]);
  });
});

describe('R1: the S3 client is loaded only when there is an object to check (cold start)', () => {
  const cfnAnswering = (template: object) =>
    ({ send: async () => ({ TemplateBody: JSON.stringify(template) }) }) as unknown as CloudFormationClient;
  const lambda = (code: object) => ({ Type: 'AWS::Lambda::Function', Properties: { Code: code } });
  const run = async (resources: Record<string, object>) => {
    let loads = 0;
    const heads: string[] = [];
    const s3 = async (): Promise<S3Ops> => {
      loads++;
      return {
        headObject: async (bucket, key) => void heads.push(`${bucket}/${key}`),
        putObject: async () => undefined,
      };
    };
    const result = await rollbackPreflight({ cfn: cfnAnswering({ Resources: resources }), s3 }, 'app', [], {
      region: 'eu-west-1',
    });
    return { loads, heads, result };
  };

  it('R1: a template without S3 artifacts never loads the S3 client', async () => {
    const { loads, result } = await run({ Queue: { Type: 'AWS::SQS::Queue' }, Fn: lambda({ ZipFile: 'x' }) });
    expect(loads).toBe(0);
    expect(result).toEqual({ present: [], missing: [], notChecked: [] });
  });

  it('R1: only unresolvable artifacts: reported as not checked, the S3 client is not loaded', async () => {
    const { loads, result } = await run({ Fn: lambda({ S3Bucket: { Ref: 'Nope' }, S3Key: 'k' }) });
    expect(loads).toBe(0);
    expect(result.notChecked).toHaveLength(1);
  });

  it('R1: two artifacts: the S3 client is loaded once and both are checked', async () => {
    const { loads, heads, result } = await run({
      One: lambda({ S3Bucket: 'b', S3Key: 'one.zip' }),
      Two: lambda({ S3Bucket: 'b', S3Key: 'two.zip' }),
    });
    expect(loads).toBe(1);
    expect(heads).toEqual(['b/one.zip', 'b/two.zip']);
    expect(result.present).toHaveLength(2);
  });
});
