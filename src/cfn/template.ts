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

/**
 * C3: is a `NoEcho` value true as CloudFormation reads it? CloudFormation parses YAML templates as YAML 1.1,
 * where `yes`, `on`, `y` and `True` are booleans, and takes the strings "true"/"True"/"TRUE" in JSON templates.
 * Our parser reads YAML 1.2 (where `yes` is a string), so every spelling is checked here. Erring towards NoEcho
 * only masks more.
 */
export function isNoEcho(value: unknown): boolean {
  if (value === true) return true;
  return typeof value === 'string' && /^(true|yes|on|y)$/i.test(value.trim());
}

export function templateParameters(template: Record<string, unknown>): TemplateParameter[] {
  const params = (template.Parameters ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(params).map(([name, declaration]) => ({
    name,
    noEcho: isNoEcho(declaration?.NoEcho),
    hasDefault: declaration !== null && typeof declaration === 'object' && 'Default' in declaration,
  }));
}

/**
 * Amazon S3 hosts: `s3.amazonaws.com`, `s3.<region>.amazonaws.com`, `s3-<region>.amazonaws.com`,
 * `s3.dualstack.<region>.amazonaws.com`, each also as `<bucket>.<host>`; `.amazonaws.com.cn` for China regions.
 */
const REGION_PART = '[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\\d{1,2}';
const S3_HOST = new RegExp(
  `^(?:[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\\.)?s3(?:\\.dualstack\\.(${REGION_PART})|[.-](${REGION_PART}))?\\.amazonaws\\.com(\\.cn)?$`,
);

/** Is `host` a real Amazon S3 endpoint (not merely a host starting with `s3.`)? */
export function isS3Host(host: string): boolean {
  const match = S3_HOST.exec(host.toLowerCase());
  if (!match) return false;
  const region = match[1] ?? match[2];
  // China regions live only under .amazonaws.com.cn, and only they do.
  return !!match[3] === !!region?.startsWith('cn-');
}

/**
 * Hosts an emulator endpoint adds (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL): the endpoint's own host, for
 * path-style URLs, and `<bucket>.<host>` for virtual-hosted ones.
 */
function endpointHost(env: NodeJS.ProcessEnv): string | undefined {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (!endpoint) return undefined;
  try {
    return new URL(endpoint).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Resolve the `template` input: an https:// Amazon S3 URL, or a file inside the workspace. Validated before any
 * AWS call. `env` may name an emulator endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) whose host is accepted too.
 */
export function readTemplateInput(value: string, root?: string, env: NodeJS.ProcessEnv = {}): TemplateSource {
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InputError(`Input 'template' is not a valid URL: '${printable(value)}'.`);
    }
    const host = url.hostname.toLowerCase();
    const emulator = endpointHost(env);
    const onEmulator = !!emulator && (host === emulator || host.endsWith(`.${emulator}`));
    if (url.protocol !== 'https:' && !onEmulator) {
      throw new InputError(`Input 'template' URL must use https, got '${printable(url.protocol)}'.`);
    }
    if (!isS3Host(host) && !onEmulator) {
      throw new InputError(
        `Input 'template' URL must point to Amazon S3 (s3.amazonaws.com, s3.<region>.amazonaws.com, <bucket>.s3.<region>.amazonaws.com, .amazonaws.com.cn in China), got host '${printable(url.hostname)}'.`,
      );
    }
    if (url.username || url.password) {
      throw new InputError("Input 'template' URL must not carry credentials.");
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

/** A template by URL or by body: its parameters from GetTemplateSummary (a read; run it before any mutating call). */
export async function templateSummaryParameters(
  cfn: CloudFormationClient,
  template: string | { url: string } | { body: string },
): Promise<TemplateParameter[]> {
  const source =
    typeof template === 'string'
      ? { TemplateURL: template }
      : 'url' in template
        ? { TemplateURL: template.url }
        : { TemplateBody: template.body };
  const summary = await cfn.send(new GetTemplateSummaryCommand(source));
  return (summary.Parameters ?? []).map((param) => ({
    name: param.ParameterKey as string,
    noEcho: isNoEcho(param.NoEcho),
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
