/**
 * The template and the inputs that carry values: NoEcho as CloudFormation reads it (C3), error messages that
 * never quote a value (C3), tags and template URLs CloudFormation would refuse (L1), and templates
 * CloudFormation accepts but our YAML 1.2 parser does not (read with GetTemplateSummary instead).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  CreateChangeSetCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  GetTemplateSummaryCommand,
} from '@aws-sdk/client-cloudformation';
import { InputError } from '../../../src/errors';
import { mapInputs } from '../../../src/inputs';
import { parseParameterOverrides, parseTags } from '../../../src/cfn/parameters';
import { isS3Host, parseTemplate, readTemplateInput, templateParameters } from '../../../src/cfn/template';
import { parseInputs } from '../../../actions/deploy-stack/src/inputs';
import { findLeak } from '../../helpers/leaks';
import {
  cfnMock,
  changeSetMocks,
  entryErrors,
  freshMocksEachTest,
  notFound,
  setup,
  updateFlow,
  workspace,
} from './harness';
import { mutatingCalls } from './mutating';

/** AWS's sample FindInMap_Inside_Sub shape: a multi-line single-quoted scalar inside !Sub and !FindInMap. */
const YAML11_TEMPLATE = fs.readFileSync(
  path.join('test', 'unit', 'deploy-stack', 'fixtures', 'findinmap-inside-sub.template'),
  'utf8',
);

freshMocksEachTest();

describe('C3: NoEcho as CloudFormation reads it (YAML 1.1 booleans; strings in JSON)', () => {
  it.each([
    ['yes', 'NoEcho: yes'],
    ['Yes', 'NoEcho: Yes'],
    ['on', 'NoEcho: on'],
    ['true', 'NoEcho: true'],
    ['True', 'NoEcho: True'],
    ['TRUE', 'NoEcho: TRUE'],
    ['"true"', 'NoEcho: "true"'],
    ["'True'", "NoEcho: 'True'"],
  ])('C3: YAML %s is NoEcho', (_label, line) => {
    const template = parseTemplate(`Parameters:\n  Secret:\n    Type: String\n    ${line}\nResources: {}\n`);
    expect(templateParameters(template)).toEqual([{ name: 'Secret', noEcho: true, hasDefault: false }]);
  });

  it.each([true, 'true', 'True', 'TRUE'])('C3: JSON %j is NoEcho', (value) => {
    const template = parseTemplate(
      JSON.stringify({ Parameters: { Secret: { Type: 'String', NoEcho: value } }, Resources: {} }),
    );
    expect(templateParameters(template)[0]?.noEcho).toBe(true);
  });

  it.each(['false', 'no', 'off', '"false"'])('NoEcho: %s is not NoEcho', (value) => {
    const template = parseTemplate(
      `Parameters:\n  Plain:\n    Type: String\n    NoEcho: ${value}\nResources: {}\n`,
    );
    expect(templateParameters(template)[0]?.noEcho).toBe(false);
  });

  it('C3: a NoEcho: yes value is masked before the first log line and never printed', async () => {
    const template = 'Parameters:\n  Token:\n    Type: String\n    NoEcho: yes\nResources: {}\n';
    updateFlow();
    const s = setup(
      { mode: 'create-only', 'parameter-overrides': 'Token=yes-secret-4711' },
      { 'template.yaml': template },
    );
    await s.run();
    expect(s.masked).toContain('yes-secret-4711');
    expect(s.order.findIndex((line) => line === '::add-mask::yes-secret-4711')).toBe(0);
  });
});

describe('C3: our error messages never quote a value that could be secret', () => {
  const PEM = [
    '-----BEGIN PRIVATE KEY-----',
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
    'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
    'NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ==',
    '-----END PRIVATE KEY-----',
  ].join('\n');

  it('C3: an unquoted multi-line PEM in parameter-overrides: the error names the key and the problem, not the value', () => {
    let message = '';
    try {
      parseParameterOverrides(`Name=app\nTlsKey=${PEM}`);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /the value of 'TlsKey' is a PEM block split at its line breaks: put it in double quotes/,
    );
    for (const line of PEM.split('\n')) expect(findLeak(message, line)).toBeUndefined();
    // Quoted, the same value is accepted.
    expect(parseParameterOverrides(`Name=app\nTlsKey="${PEM}"`)).toEqual([
      { key: 'Name', value: 'app' },
      { key: 'TlsKey', value: PEM },
    ]);
  });

  it('C3: a PEM line with base64 padding (which has "=") is not quoted as a "parameter name"', () => {
    const message = (() => {
      try {
        parseParameterOverrides(
          `TlsKey=-----BEGIN PRIVATE KEY-----\nNMoSfm76oqFvAp8Gy0iz5sx==\n-----END PRIVATE KEY=x`,
        );
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(
      /the value of 'TlsKey' is a PEM block split at its line breaks: put it in double quotes/,
    );
    expect(message).not.toContain('NMoSfm76');
  });

  it('C3: a multi-line value without quotes: the entry by its position, never its text', () => {
    expect(() => parseParameterOverrides('Db=line-one\nsecret-line-two\nName=app')).toThrow(
      /entry 2 is not Key=Value .*double quotes/,
    );
    try {
      parseParameterOverrides('Db=line-one\nsecret-line-two\nName=app');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-line-two');
    }
  });

  it.each([
    ['a JSON list', '[{"ParameterKey":"Db","ParameterValue":"p@ss-7f3a9c" oops}]'],
    ['a JSON map', '{"Db": "p@ss-7f3a9c", }'],
    ['a YAML map', 'Db: "p@ss-7f3a9c\n  Other: [x'],
  ])(
    'C3: a file:// parameters file that does not parse (%s): where, never the text around it',
    (_label, body) => {
      const dir = workspace({ 'params.json': body });
      let message = '';
      try {
        parseParameterOverrides('file://params.json', 'parameter-overrides', dir);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(
        /'params.json' is not valid JSON or YAML \(error (at line \d+, column \d+|at character \d+|somewhere|at the end)/,
      );
      expect(findLeak(message, 'p@ss-7f3a9c')).toBeUndefined();
    },
  );

  it('C3: inline JSON that does not parse: where, never the text', () => {
    expect(() => parseParameterOverrides('{"Db": "p@ss-7f3a9c" x}')).toThrow(
      /looks like JSON but does not parse/,
    );
    try {
      parseParameterOverrides('{"Db": "p@ss-7f3a9c" x}');
    } catch (error) {
      expect((error as Error).message).not.toContain('p@ss');
    }
  });

  it('C3: an invalid parameter name in a JSON map is not quoted (it may be a value written as a key)', () => {
    expect(() => parseParameterOverrides('{"p@ss-7f3a9c": "x"}')).toThrow(
      /entry 1 does not have a valid parameter name/,
    );
    try {
      parseParameterOverrides('{"p@ss-7f3a9c": "x"}');
    } catch (error) {
      expect((error as Error).message).not.toContain('p@ss');
    }
  });

  it('C3: through the action: one error line, no secret, no AWS call', async () => {
    const s = setup({ 'parameter-overrides': `Name=app\nDbPassword=${PEM}` });
    const errors = await entryErrors(s);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/the value of 'DbPassword' is a PEM block split at its line breaks/);
    for (const line of PEM.split('\n')) expect(findLeak(s.rt.sink.all(), line)).toBeUndefined();
    expect(cfnMock.calls()).toHaveLength(0);
  });
});

describe('L1: tags CloudFormation would refuse are refused before any call', () => {
  const tags = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join(',');
  it.each([
    ['51 tags', tags(51), /has 51 tags; CloudFormation takes at most 50/],
    ['a duplicate key', 'team=a,team=b', /tag key 'team' is given twice/],
    ['a key of 129 characters', `${'k'.repeat(129)}=v`, /tag key .* is invalid \(1-128 characters/],
    ['a value of 257 characters', `team=${'v'.repeat(257)}`, /value of tag 'team' is longer than 256/],
    ['an aws: key', 'aws:cloudformation:x=1', /tag key 'aws:cloudformation:x' is invalid/],
    ['an AWS: key (any case)', 'AWS:x=1', /tag key 'AWS:x' is invalid/],
    ['a duplicate key in a JSON list', '[{"Key":"a","Value":"1"},{"Key":"a","Value":"2"}]', /given twice/],
  ])('L1: %s', async (_label, value, message) => {
    expect(() => parseTags(value)).toThrow(message);
    const s = setup({ tags: value });
    const errors = await entryErrors(s);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('L1: 50 tags with unique keys of 128 and values of 256 characters are fine', () => {
    expect(parseTags(tags(50))).toHaveLength(50);
    expect(parseTags(`${'k'.repeat(128)}=${'v'.repeat(256)}`)).toHaveLength(1);
  });

  it('L1: a tag value is never quoted in an error (it may be secret)', () => {
    try {
      parseTags(`team=${'s3cr3t'.repeat(50)}`);
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  });
});

describe('L1: template URLs only on real Amazon S3 hosts', () => {
  it.each<[string, boolean]>([
    ['s3.amazonaws.com', true],
    ['s3.us-east-1.amazonaws.com', true],
    ['s3-us-west-2.amazonaws.com', true],
    ['bucket.s3.amazonaws.com', true],
    ['my.bucket.s3.eu-west-1.amazonaws.com', true],
    ['bucket.s3-eu-west-1.amazonaws.com', true],
    ['s3.dualstack.us-east-1.amazonaws.com', true],
    ['bucket.s3.dualstack.ap-south-1.amazonaws.com', true],
    ['s3.cn-north-1.amazonaws.com.cn', true],
    ['bucket.s3.cn-northwest-1.amazonaws.com.cn', true],
    ['s3.us-gov-west-1.amazonaws.com', true],
    ['s3.evil.com', false],
    ['s3.amazonaws.com.evil.com', false],
    ['s3-evil.example.net', false],
    ['evil.amazonaws.com', false],
    ['ec2.us-east-1.amazonaws.com', false],
    ['s3.amazonaws.com.cn', false],
    ['s3.us-east-1.amazonaws.com.cn', false],
    ['s3.cn-north-1.amazonaws.com', false],
    ['bucket.s3x.amazonaws.com', false],
    ['xs3.amazonaws.com', false],
  ])('L1: %s is an S3 host: %s', (host, s3) => {
    expect(isS3Host(host)).toBe(s3);
    const read = () => readTemplateInput(`https://${host}/bucket/t.yaml`);
    if (s3) expect(read()).toMatchObject({ kind: 'url' });
    else expect(read).toThrow(/must point to Amazon S3/);
  });

  it('L1: http is refused, and credentials in the URL', () => {
    expect(() => readTemplateInput('http://s3.amazonaws.com/b/t.yaml')).toThrow(/must use https/);
    expect(() => readTemplateInput('https://user:pw@s3.amazonaws.com/b/t.yaml')).toThrow(/credentials/);
  });

  it('L1: an emulator endpoint (AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3) adds its own host, http included', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };
    expect(readTemplateInput('http://127.0.0.1:4566/bucket/t.yaml', undefined, env)).toMatchObject({
      kind: 'url',
    });
    expect(
      readTemplateInput('https://bucket.localstack.test/t.yaml', undefined, {
        AWS_ENDPOINT_URL_S3: 'https://localstack.test',
      }),
    ).toMatchObject({ kind: 'url' });
    expect(() => readTemplateInput('https://s3.evil.com/t.yaml', undefined, env)).toThrow(/Amazon S3/);
    const dir = workspace();
    expect(() =>
      parseInputs(
        mapInputs({ name: 'app', template: 'https://s3.evil.com/t.yaml' }),
        { GITHUB_WORKSPACE: dir, AWS_REGION: 'us-east-1' },
        0,
      ),
    ).toThrow(/must point to Amazon S3/);
  });
});

describe('templates CloudFormation accepts are not rejected locally (YAML 1.1)', () => {
  it('the fixture is what our YAML 1.2 parser rejects', () => {
    expect(() => parseTemplate(YAML11_TEMPLATE)).toThrow(InputError);
  });

  it('a local template that does not parse: parameters and NoEcho from GetTemplateSummary (TemplateBody) before any mutating call, then deployed', async () => {
    cfnMock.on(GetTemplateSummaryCommand).resolves({
      Parameters: [
        { ParameterKey: 'Env', DefaultValue: 'dev', NoEcho: false },
        { ParameterKey: 'ApiKey', NoEcho: true },
      ],
    });
    cfnMock.on(DescribeStacksCommand).rejects(notFound());
    changeSetMocks();
    const s = setup(
      { mode: 'create-only', 'parameter-overrides': 'ApiKey=summary-secret-1' },
      { 'template.yaml': YAML11_TEMPLATE },
    );
    await expect(s.run()).resolves.toMatchObject({ result: 'planned' });
    expect(cfnMock).toHaveReceivedCommandWith(GetTemplateSummaryCommand, { TemplateBody: YAML11_TEMPLATE });
    const order = cfnMock.calls().map((call) => call.args[0].constructor.name);
    expect(order.indexOf('GetTemplateSummaryCommand')).toBeLessThan(order.indexOf('CreateChangeSetCommand'));
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.TemplateBody).toBe(YAML11_TEMPLATE);
    expect(s.masked).toContain('summary-secret-1');
    expect(s.order[0]).toBe('::add-mask::summary-secret-1');
  });

  it('L1: the summary still catches an undeclared override, and a required parameter without a value', async () => {
    cfnMock
      .on(GetTemplateSummaryCommand)
      .resolves({ Parameters: [{ ParameterKey: 'ApiKey', NoEcho: true }] });
    cfnMock.on(DescribeStacksCommand).rejects(notFound());
    changeSetMocks();
    const undeclared = await entryErrors(
      setup({ 'parameter-overrides': 'ApiKey=x,Nope=1' }, { 'template.yaml': YAML11_TEMPLATE }),
    );
    expect(undeclared).toEqual(['parameter-overrides name parameters the template does not declare: Nope.']);
    const missing = await entryErrors(
      setup({ 'parameter-overrides': '' }, { 'template.yaml': YAML11_TEMPLATE }),
    );
    expect(missing[0]).toMatch(/no value: ApiKey/);
    expect(mutatingCalls()).toEqual([]);
  });

  it('a template CloudFormation refuses too is one clear error, before any mutating call', async () => {
    cfnMock
      .on(GetTemplateSummaryCommand)
      .rejects(
        Object.assign(new Error('Template format error: YAML not well-formed.'), { name: 'ValidationError' }),
      );
    const errors = await entryErrors(
      setup({ 'parameter-overrides': '' }, { 'template.yaml': YAML11_TEMPLATE }),
    );
    expect(errors).toEqual([
      'CloudFormation refused the template: Template format error: YAML not well-formed.',
    ]);
    expect(mutatingCalls()).toEqual([]);
  });

  it('R1: a deployed template our parser cannot read is "not checked" (a warning naming it), and the update goes on', async () => {
    updateFlow();
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: YAML11_TEMPLATE });
    const s = setup({ 'rollback-preflight': 'fail' });
    const outcome = await s.run();
    expect(outcome.result).toBe('updated');
    expect(outcome.preflight?.unparsed).toMatch(/not valid JSON or YAML/);
    expect(s.warnings().join('\n')).toMatch(
      /Rollback preflight \(R1\): not checked — the deployed template of stack app-stack could not be parsed/,
    );
  });
});
