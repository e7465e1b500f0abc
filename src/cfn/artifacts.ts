/**
 * R1/N1: the S3 artifacts a deployed template references — Lambda code, layers, SAM functions and layers, nested
 * stacks' TemplateURL, state machine definitions — resolved (Ref / Fn::Sub / Fn::Join) against the stack's
 * parameters. Pure: no AWS calls.
 */
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
  /** N1: the nested stack whose deployed template references it (logical ids from the root); absent: the root. */
  stackPath?: string[];
  /** HeadObject answered neither present nor missing (e.g. 403): not checked, and warned about. */
  checkFailed?: boolean;
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

/** `Fn::Sub` text (`${Name}`, `${!Literal}`) against its own variables, then the stack's parameters. */
function resolveSub(argument: unknown, ctx: ResolveContext): Resolved {
  const [text, variables] = Array.isArray(argument)
    ? [argument[0], (argument[1] as Record<string, unknown> | undefined) ?? {}]
    : [argument, {}];
  if (typeof text !== 'string') return UNRESOLVED;
  let failed = false;
  const substituted = text.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    const replacement =
      name in variables
        ? resolveValue(variables[name], ctx)
        : name.includes('.') // ${Resource.Attribute}: only known after deployment
          ? UNRESOLVED
          : resolveRef(name, ctx);
    if (replacement === UNRESOLVED) {
      failed = true;
      return '';
    }
    return replacement;
  });
  return failed ? UNRESOLVED : substituted;
}

/** `Fn::Join [delimiter, [parts]]` when every part resolves. */
function resolveJoin(argument: unknown, ctx: ResolveContext): Resolved {
  if (!Array.isArray(argument) || typeof argument[0] !== 'string' || !Array.isArray(argument[1]))
    return UNRESOLVED;
  const parts = (argument[1] as unknown[]).map((part) => resolveValue(part, ctx));
  return parts.includes(UNRESOLVED) ? UNRESOLVED : (parts as string[]).join(argument[0]);
}

/** Resolve Ref / Fn::Sub / Fn::Join over plain strings against the stack's current parameters; anything else is unresolvable. */
export function resolveValue(value: unknown, ctx: ResolveContext): Resolved {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return UNRESOLVED;
  const intrinsic = value as Record<string, unknown>;
  if (Object.keys(intrinsic).length !== 1) return UNRESOLVED;
  if ('Ref' in intrinsic) return resolveRef(String(intrinsic.Ref), ctx);
  if ('Fn::Sub' in intrinsic) return resolveSub(intrinsic['Fn::Sub'], ctx);
  if ('Fn::Join' in intrinsic) return resolveJoin(intrinsic['Fn::Join'], ctx);
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
  const parameterValue = ctx.params[name];
  // NoEcho parameters come back as '****': not usable.
  return parameterValue === undefined || parameterValue === '****' ? UNRESOLVED : parameterValue;
}

/** Parse an S3 https URL (virtual-hosted or path style) or s3:// URI into bucket/key. */
export function parseS3Url(text: string): { bucket: string; key: string } | undefined {
  const s3uri = /^s3:\/\/([^/]+)\/(.+)$/.exec(text);
  if (s3uri) return { bucket: s3uri[1] as string, key: s3uri[2] as string };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const host = url.hostname;
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const virtual = /^(.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com(\.cn)?$/.exec(host);
  if (virtual) return path ? { bucket: virtual[1] as string, key: path } : undefined;
  if (/^s3[.-]([a-z0-9-]+\.)?amazonaws\.com(\.cn)?$/.test(host)) {
    const slash = path.indexOf('/');
    return slash > 0 ? { bucket: path.slice(0, slash), key: path.slice(slash + 1) } : undefined;
  }
  return undefined;
}

/** The fields of a `{Bucket, Key, Version}`-style property. */
interface ObjectFields {
  bucket: string;
  key: string;
  version: string;
}

/** Where a resource type names the S3 object it is deployed from: an object property, a URL, or either (SAM). */
interface ArtifactProperty {
  property: string;
  fields?: ObjectFields;
  url?: boolean;
}

const LAMBDA_FIELDS: ObjectFields = { bucket: 'S3Bucket', key: 'S3Key', version: 'S3ObjectVersion' };
const S3_LOCATION_FIELDS: ObjectFields = { bucket: 'Bucket', key: 'Key', version: 'Version' };

const ARTIFACT_PROPERTIES: Record<string, ArtifactProperty> = {
  'AWS::Lambda::Function': { property: 'Code', fields: LAMBDA_FIELDS },
  'AWS::Lambda::LayerVersion': { property: 'Content', fields: LAMBDA_FIELDS },
  'AWS::Serverless::Function': { property: 'CodeUri', fields: S3_LOCATION_FIELDS, url: true },
  'AWS::Serverless::LayerVersion': { property: 'ContentUri', fields: S3_LOCATION_FIELDS, url: true },
  'AWS::CloudFormation::Stack': { property: 'TemplateURL', url: true },
  'AWS::StepFunctions::StateMachine': { property: 'DefinitionS3Location', fields: S3_LOCATION_FIELDS },
  'AWS::ApiGateway::RestApi': { property: 'BodyS3Location', fields: S3_LOCATION_FIELDS },
  'AWS::ElasticBeanstalk::ApplicationVersion': { property: 'SourceBundle', fields: LAMBDA_FIELDS },
  'AWS::Serverless::Api': { property: 'DefinitionUri', fields: S3_LOCATION_FIELDS, url: true },
  'AWS::Serverless::HttpApi': { property: 'DefinitionUri', fields: S3_LOCATION_FIELDS, url: true },
  'AWS::Serverless::StateMachine': { property: 'DefinitionUri', fields: S3_LOCATION_FIELDS, url: true },
};

/** Does the template declare a nested stack (so its deployed nested stacks are worth walking)? */
export function declaresNestedStacks(template: Record<string, unknown>): boolean {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: unknown } | null>;
  return Object.values(resources).some((resource) => resource?.Type === 'AWS::CloudFormation::Stack');
}

type Located = Pick<ArtifactRef, 'logicalId' | 'type' | 'property'>;

/** Find the S3 artifacts a (deployed) template references. */
export function findArtifacts(template: Record<string, unknown>, ctx: ResolveContext): ArtifactRef[] {
  const resources = (template.Resources ?? {}) as Record<
    string,
    { Type?: string; Properties?: Record<string, unknown> }
  >;
  const refs: ArtifactRef[] = [];
  const unresolvable = (resource: Located) =>
    refs.push({
      ...resource,
      unresolved: `${resource.property} uses an intrinsic function or parameter that cannot be resolved here`,
    });
  /** A `{Bucket, Key, Version}`-style property. */
  const fromObject = (resource: Located, names: ObjectFields, value: unknown) => {
    if (!value || typeof value !== 'object') return;
    const fields = value as Record<string, unknown>;
    if (!(names.bucket in fields) && !(names.key in fields)) return; // inline code (ZipFile, ImageUri, Definition...)
    const bucket = resolveValue(fields[names.bucket], ctx);
    const key = resolveValue(fields[names.key], ctx);
    const version =
      fields[names.version] === undefined ? undefined : resolveValue(fields[names.version], ctx);
    if (bucket === UNRESOLVED || key === UNRESOLVED || version === UNRESOLVED) unresolvable(resource);
    else refs.push({ ...resource, bucket, key, version });
  };
  /** An `s3://` or https URL property (or a local path before packaging, which is not checked). */
  const fromUrl = (resource: Located, value: unknown) => {
    if (value === undefined) return;
    const url = resolveValue(value, ctx);
    if (url === UNRESOLVED) return unresolvable(resource);
    if (!/^(s3|https?):\/\//.test(url)) return; // a local path (before packaging) or inline
    const location = parseS3Url(url);
    refs.push(
      location
        ? { ...resource, ...location }
        : { ...resource, unresolved: `${resource.property} is not an S3 URL` },
    );
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    const type = resource?.Type ?? '';
    if (!Object.hasOwn(ARTIFACT_PROPERTIES, type)) continue;
    const artifact = ARTIFACT_PROPERTIES[type] as ArtifactProperty;
    const value = resource?.Properties?.[artifact.property];
    const located = { logicalId, type, property: artifact.property };
    // SAM takes either form: an object with a Bucket, or a URL.
    const asObject =
      artifact.fields &&
      (!artifact.url || (typeof value === 'object' && value !== null && artifact.fields.bucket in value));
    if (asObject && artifact.fields) fromObject(located, artifact.fields, value);
    else if (artifact.url) fromUrl(located, value);
  }
  return refs;
}
