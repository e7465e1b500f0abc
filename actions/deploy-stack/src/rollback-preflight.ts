/**
 * R1: the rollback preflight. Before an update, find the S3 artifacts the deployed template references
 * (resolving Ref / Fn::Sub / Fn::Join against the stack's parameters) and HeadObject each one.
 */
import {
  GetTemplateCommand,
  type CloudFormationClient,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { S3Ops } from './aws-extra';
import { awsErrorName, GuardError } from '../../../src/errors';
import { parseTemplate } from '../../../src/cfn/template';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';

/** An S3 object a deployed resource needs if CloudFormation has to roll back to it (R1). */
export interface ArtifactRef {
  logicalId: string;
  type: string;
  property: string;
  bucket?: string;
  key?: string;
  version?: string;
  /** Why it could not be resolved to a bucket/key. */
  unresolved?: string;
}

export interface PreflightResult {
  present: ArtifactRef[];
  missing: ArtifactRef[];
  notChecked: ArtifactRef[];
}

export interface ResolveContext {
  params: Record<string, string | undefined>;
  region: string;
  accountId?: string;
  stackName: string;
  partition?: string;
}

const UNRESOLVED = Symbol('unresolved');
type Resolved = string | typeof UNRESOLVED;

/** Resolve Ref / Fn::Sub / Fn::Join over plain strings against the stack's current parameters; anything else is unresolvable. */
export function resolveValue(v: unknown, ctx: ResolveContext): Resolved {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (!v || typeof v !== 'object' || Array.isArray(v)) return UNRESOLVED;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 1) return UNRESOLVED;
  if ('Ref' in o) return resolveRef(String(o.Ref), ctx);
  if ('Fn::Sub' in o) {
    const arg = o['Fn::Sub'];
    let text: unknown = arg;
    let vars: Record<string, unknown> = {};
    if (Array.isArray(arg)) {
      text = arg[0];
      vars = (arg[1] as Record<string, unknown>) ?? {};
    }
    if (typeof text !== 'string') return UNRESOLVED;
    let failed = false;
    const out = text.replace(/\$\{(!?)([^}]+)\}/g, (_m, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      const r =
        name in vars
          ? resolveValue(vars[name], ctx)
          : name.includes('.')
            ? UNRESOLVED
            : resolveRef(name, ctx);
      if (r === UNRESOLVED) {
        failed = true;
        return '';
      }
      return r;
    });
    return failed ? UNRESOLVED : out;
  }
  if ('Fn::Join' in o) {
    const arg = o['Fn::Join'];
    if (!Array.isArray(arg) || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) return UNRESOLVED;
    const parts = (arg[1] as unknown[]).map((p) => resolveValue(p, ctx));
    return parts.includes(UNRESOLVED) ? UNRESOLVED : (parts as string[]).join(arg[0]);
  }
  return UNRESOLVED;
}

function resolveRef(name: string, ctx: ResolveContext): Resolved {
  switch (name) {
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId ?? UNRESOLVED;
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::Partition':
      return ctx.partition ?? 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
  }
  const v = ctx.params[name];
  // NoEcho parameters come back as '****': not usable.
  return v === undefined || v === '****' ? UNRESOLVED : v;
}

/** Parse an S3 https URL (virtual-hosted or path style) or s3:// URI into bucket/key. */
export function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  const s3uri = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (s3uri) return { bucket: s3uri[1] as string, key: s3uri[2] as string };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const host = u.hostname;
  const path = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const virtual = /^(.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com(\.cn)?$/.exec(host);
  if (virtual) return path ? { bucket: virtual[1] as string, key: path } : undefined;
  if (/^s3[.-]([a-z0-9-]+\.)?amazonaws\.com(\.cn)?$/.test(host)) {
    const slash = path.indexOf('/');
    return slash > 0 ? { bucket: path.slice(0, slash), key: path.slice(slash + 1) } : undefined;
  }
  return undefined;
}

/** Find the S3 artifacts a (deployed) template references. */
export function findArtifacts(template: Record<string, unknown>, ctx: ResolveContext): ArtifactRef[] {
  const resources = (template.Resources ?? {}) as Record<
    string,
    { Type?: string; Properties?: Record<string, unknown> }
  >;
  const refs: ArtifactRef[] = [];
  const fromObject = (
    logicalId: string,
    type: string,
    property: string,
    o: unknown,
    bk: string,
    kk: string,
    vk: string,
  ) => {
    if (!o || typeof o !== 'object') return;
    const obj = o as Record<string, unknown>;
    if (!(bk in obj) && !(kk in obj)) return; // inline code (ZipFile, ImageUri, Definition...)
    const bucket = resolveValue(obj[bk], ctx);
    const key = resolveValue(obj[kk], ctx);
    const version = obj[vk] === undefined ? undefined : resolveValue(obj[vk], ctx);
    if (bucket === UNRESOLVED || key === UNRESOLVED || version === UNRESOLVED) {
      refs.push({
        logicalId,
        type,
        property,
        unresolved: `${property} uses an intrinsic function or parameter that cannot be resolved here`,
      });
    } else refs.push({ logicalId, type, property, bucket, key, version });
  };
  const fromUrl = (logicalId: string, type: string, property: string, v: unknown) => {
    if (v === undefined) return;
    const s = resolveValue(v, ctx);
    if (s === UNRESOLVED) {
      refs.push({
        logicalId,
        type,
        property,
        unresolved: `${property} uses an intrinsic function or parameter that cannot be resolved here`,
      });
      return;
    }
    if (!/^(s3|https?):\/\//.test(s)) return; // a local path (before packaging) or inline
    const p = parseS3Url(s);
    if (p) refs.push({ logicalId, type, property, ...p });
    else refs.push({ logicalId, type, property, unresolved: `${property} is not an S3 URL` });
  };
  for (const [logicalId, r] of Object.entries(resources)) {
    const type = r?.Type ?? '';
    const p = r?.Properties ?? {};
    switch (type) {
      case 'AWS::Lambda::Function':
        fromObject(logicalId, type, 'Code', p.Code, 'S3Bucket', 'S3Key', 'S3ObjectVersion');
        break;
      case 'AWS::Lambda::LayerVersion':
        fromObject(logicalId, type, 'Content', p.Content, 'S3Bucket', 'S3Key', 'S3ObjectVersion');
        break;
      case 'AWS::Serverless::Function':
        if (typeof p.CodeUri === 'object' && p.CodeUri && 'Bucket' in (p.CodeUri as object)) {
          fromObject(logicalId, type, 'CodeUri', p.CodeUri, 'Bucket', 'Key', 'Version');
        } else fromUrl(logicalId, type, 'CodeUri', p.CodeUri);
        break;
      case 'AWS::Serverless::LayerVersion':
        if (typeof p.ContentUri === 'object' && p.ContentUri && 'Bucket' in (p.ContentUri as object)) {
          fromObject(logicalId, type, 'ContentUri', p.ContentUri, 'Bucket', 'Key', 'Version');
        } else fromUrl(logicalId, type, 'ContentUri', p.ContentUri);
        break;
      case 'AWS::CloudFormation::Stack':
        fromUrl(logicalId, type, 'TemplateURL', p.TemplateURL);
        break;
      case 'AWS::StepFunctions::StateMachine':
        fromObject(
          logicalId,
          type,
          'DefinitionS3Location',
          p.DefinitionS3Location,
          'Bucket',
          'Key',
          'Version',
        );
        break;
    }
  }
  return refs;
}

export interface PreflightDeps {
  cfn: CloudFormationClient;
  s3: S3Ops;
}

/** Fetch the deployed template (Original stage) and HeadObject every artifact it references. */
export async function rollbackPreflight(
  deps: PreflightDeps,
  stackName: string,
  stackParams: Parameter[],
  ctx: Omit<ResolveContext, 'params' | 'stackName'>,
  /** The stack's id: the deployed template is read by id when known. */
  stackId?: string,
): Promise<PreflightResult> {
  const deployed = await deps.cfn.send(
    new GetTemplateCommand({ StackName: stackId ?? stackName, TemplateStage: 'Original' }),
  );
  const body = deployed.TemplateBody ?? '';
  const template = typeof body === 'string' ? parseTemplate(body) : (body as Record<string, unknown>);
  const params: Record<string, string | undefined> = {};
  for (const param of stackParams)
    if (param.ParameterKey) params[param.ParameterKey] = param.ResolvedValue ?? param.ParameterValue;
  const refs = findArtifacts(template, { ...ctx, params, stackName });
  const result: PreflightResult = { present: [], missing: [], notChecked: [] };
  for (const ref of refs) {
    if (ref.unresolved || !ref.bucket || !ref.key) {
      result.notChecked.push(ref);
      continue;
    }
    try {
      await deps.s3.headObject(ref.bucket, ref.key, ref.version);
      result.present.push(ref);
    } catch (e) {
      const name = awsErrorName(e);
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (
        name === 'NotFound' ||
        name === 'NoSuchKey' ||
        name === 'NoSuchBucket' ||
        name === 'NoSuchVersion' ||
        status === 404
      ) {
        result.missing.push(ref);
      } else {
        result.notChecked.push({ ...ref, unresolved: `HeadObject failed: ${name ?? status ?? 'error'}` });
      }
    }
  }
  return result;
}

export function describeRef(ref: ArtifactRef): string {
  const location =
    ref.bucket && ref.key
      ? `s3://${ref.bucket}/${ref.key}${ref.version ? ` (version ${ref.version})` : ''}`
      : '';
  return `${ref.logicalId} (${ref.type}) ${ref.property}${location ? ` → ${location}` : ''}${ref.unresolved ? `: ${ref.unresolved}` : ''}`;
}

/**
 * R1 before an update: check that the S3 objects the deployed version needs still exist, so a failed update
 * could roll back. Missing objects warn (rollback-preflight: warn) or refuse (fail).
 */
export async function runRollbackPreflight(
  deps: Pick<DeployDeps, 'cfn' | 's3' | 'log'>,
  inputs: Pick<DeployInputs, 'stackName' | 'region' | 'rollbackPreflight'>,
  stack: Stack,
  accountId: string | undefined,
): Promise<PreflightResult> {
  const { log } = deps;
  const result = await rollbackPreflight(
    { cfn: deps.cfn, s3: await deps.s3() },
    inputs.stackName,
    stack.Parameters ?? [],
    {
      region: inputs.region,
      accountId,
      partition: /^arn:([^:]+):/.exec(stack.StackId ?? '')?.[1],
    },
    stack.StackId,
  );
  const total = result.present.length + result.missing.length + result.notChecked.length;
  if (total === 0) {
    log.info('Rollback preflight: the deployed template references no S3 artifacts.');
    return result;
  }
  log.info(
    `Rollback preflight: ${result.present.length} artifact(s) present, ${result.missing.length} missing, ${result.notChecked.length} not checked.`,
  );
  for (const ref of result.notChecked) log.info(`Rollback preflight: not checked: ${describeRef(ref)}`);
  if (result.missing.length === 0) return result;
  const message = `Rollback preflight (R1): the deployed version of ${inputs.stackName} needs S3 objects that no longer exist, so a failed update could not roll back (UPDATE_ROLLBACK_FAILED): ${result.missing.map(describeRef).join('; ')}.`;
  if (inputs.rollbackPreflight === 'fail')
    throw new GuardError(`${message} Restore the objects or set rollback-preflight: warn.`);
  log.warning(message);
  return result;
}
