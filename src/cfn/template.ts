import fs from 'node:fs';
import { GetTemplateSummaryCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { parse as parseYaml, type ScalarTag, type CollectionTag } from 'yaml';
import { InputError } from '../errors';
import { printable, resolveInWorkspace } from '../inputs';

/** CloudFormation accepts template bodies up to 51,200 bytes; larger ones must be passed by S3 URL. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

export interface TemplateParameter {
  name: string;
  noEcho: boolean;
  hasDefault: boolean;
}

export type TemplateSource = { kind: 'file'; path: string; body: string } | { kind: 'url'; url: string };

const FN_TAGS = [
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
  'Length',
  'ToJsonString',
  'ForEach',
];

function shortFormTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [];
  const make = (tag: string, key: string, transform: (value: unknown) => unknown = (value) => value) => {
    tags.push({ tag: `!${tag}`, resolve: (value: unknown) => ({ [key]: transform(value) }) } as ScalarTag);
    tags.push({
      tag: `!${tag}`,
      collection: 'seq',
      resolve: (node: unknown) => ({ [key]: transform(toJs(node)) }),
    } as CollectionTag);
    tags.push({
      tag: `!${tag}`,
      collection: 'map',
      resolve: (node: unknown) => ({ [key]: transform(toJs(node)) }),
    } as CollectionTag);
  };
  make('Ref', 'Ref');
  make('Condition', 'Condition');
  for (const fn of FN_TAGS) {
    make(
      fn,
      `Fn::${fn}`,
      fn === 'GetAtt' ? (value) => (typeof value === 'string' ? splitGetAtt(value) : value) : undefined,
    );
  }
  return tags;
}

/** `!GetAtt Resource.Attribute` → `[Resource, Attribute]`. */
function splitGetAtt(reference: string): string[] {
  const dot = reference.indexOf('.');
  return dot < 0 ? [reference] : [reference.slice(0, dot), reference.slice(dot + 1)];
}

/** A YAML node as plain JavaScript. */
function toJs(value: unknown): unknown {
  const node = value as { toJSON?: () => unknown };
  return node && typeof node.toJSON === 'function' ? node.toJSON() : value;
}

/** Parse a JSON or YAML template, including CloudFormation short-form tags (!Ref, !Sub, !GetAtt, ...). */
export function parseTemplate(body: string): Record<string, unknown> {
  const trimmed = body.trimStart();
  let doc: unknown;
  try {
    doc = trimmed.startsWith('{')
      ? JSON.parse(body)
      : parseYaml(body, { customTags: shortFormTags(), uniqueKeys: false, maxAliasCount: 100 });
  } catch (e) {
    throw new InputError(`The template is not valid JSON or YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new InputError('The template must be a JSON or YAML object.');
  return doc as Record<string, unknown>;
}

export function templateParameters(template: Record<string, unknown>): TemplateParameter[] {
  const params = (template.Parameters ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(params).map(([name, declaration]) => ({
    name,
    noEcho: declaration?.NoEcho === true || String(declaration?.NoEcho).toLowerCase() === 'true',
    hasDefault: declaration !== null && typeof declaration === 'object' && 'Default' in declaration,
  }));
}

/** Resolve the `template` input: an https:// URL (S3) or a file inside the workspace. Validated before any AWS call. */
export function readTemplateInput(value: string, root?: string): TemplateSource {
  if (/^https:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InputError(`Input 'template' is not a valid URL: '${printable(value)}'.`);
    }
    if (!/(^|\.)amazonaws\.com(\.cn)?$/i.test(url.hostname) && !/^s3[.-]/.test(url.hostname)) {
      throw new InputError(
        `Input 'template' URL must point to Amazon S3 (…amazonaws.com), got host '${printable(url.hostname)}'.`,
      );
    }
    return { kind: 'url', url: value };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new InputError(
      `Input 'template' must be a workspace path or an https:// S3 URL, got '${printable(value)}'.`,
    );
  }
  const abs = resolveInWorkspace(value, 'template', root);
  let body: string;
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) throw new Error('not a file');
    body = fs.readFileSync(abs, 'utf8');
  } catch {
    throw new InputError(`Template file not found: '${printable(value)}' (resolved to ${abs}).`);
  }
  return { kind: 'file', path: abs, body };
}

/** A template by URL: its parameters from GetTemplateSummary (a read; run it before any mutating call). */
export async function templateSummaryParameters(
  cfn: CloudFormationClient,
  url: string,
): Promise<TemplateParameter[]> {
  const summary = await cfn.send(new GetTemplateSummaryCommand({ TemplateURL: url }));
  return (summary.Parameters ?? []).map((param) => ({
    name: param.ParameterKey as string,
    noEcho: param.NoEcho === true,
    hasDefault: param.DefaultValue !== undefined,
  }));
}

/**
 * L1: a local template body over CloudFormation's inline limit needs an S3 bucket to be uploaded to.
 * Returns whether the body is sent inline or uploaded.
 */
export function inlineOrUpload(body: string, s3Bucket: string | undefined): 'inline' | 'upload' {
  const size = Buffer.byteLength(body);
  if (size <= MAX_TEMPLATE_BODY_BYTES) return 'inline';
  if (!s3Bucket) {
    throw new InputError(
      `The template is ${size} bytes, over CloudFormation's ${MAX_TEMPLATE_BODY_BYTES}-byte limit for inline templates: set s3-bucket (and optionally s3-prefix) so it can be uploaded.`,
    );
  }
  return 'upload';
}
