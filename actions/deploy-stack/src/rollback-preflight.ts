/**
 * R1: the rollback preflight. Before an update, find the S3 artifacts the deployed template references
 * (resolving Ref / Fn::Sub / Fn::Join against the stack's parameters) and HeadObject each one. N1: the same for
 * every deployed nested stack, walked depth-first within bounds (src/cfn/nested.ts).
 */
export {
  findArtifacts,
  parseS3Url,
  resolveValue,
  type ArtifactRef,
  type ResolveContext,
} from '../../../src/cfn/artifacts';
import {
  GetTemplateCommand,
  type CloudFormationClient,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { S3Ops } from '../../../src/aws-extra';
import {
  declaresNestedStacks,
  findArtifacts,
  type ArtifactRef,
  type ResolveContext,
} from '../../../src/cfn/artifacts';
import { NESTED_LIMITS, pathLabel, stackNameOf, walkNestedStacks } from '../../../src/cfn/nested';
import type { Clock } from '../../../src/clock';
import { awsErrorName, errorMessage, GuardError } from '../../../src/errors';
import { mapLimit } from '../../../src/poll';
import { parseTemplate } from '../../../src/cfn/template';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';

export interface PreflightResult {
  present: ArtifactRef[];
  missing: ArtifactRef[];
  notChecked: ArtifactRef[];
  /** The deployed template could not be parsed (why): nothing was checked. */
  unparsed?: string;
  /** N1: the nested stacks whose deployed templates were checked (paths), when the root declares any. */
  nestedStacks?: string[];
  /** N1: what the nested-stack walk could not check (deleted mid-walk, denied, bounds), one sentence each. */
  nestedWarnings?: string[];
}

export interface PreflightDeps {
  cfn: CloudFormationClient;
  /** Built (and its SDK chunk loaded) only when the template references an artifact that can be checked. */
  s3: () => Promise<S3Ops>;
}

/** N1: walk the deployed nested stacks too (bounded: src/cfn/nested.ts). Without it only the root is read. */
export interface NestedPreflight {
  clock: Clock;
  signal?: AbortSignal;
  budgetMs?: number;
  maxDepth?: number;
  maxStacks?: number;
}

/** The deployed template (Original stage) of a stack, as CloudFormation returns it. */
async function deployedBody(cfn: CloudFormationClient, ref: string): Promise<unknown> {
  const deployed = await cfn.send(new GetTemplateCommand({ StackName: ref, TemplateStage: 'Original' }));
  return deployed.TemplateBody ?? '';
}

/** Parse a deployed template body. Throws what the parser throws. */
function parsedBody(body: unknown): Record<string, unknown> {
  return typeof body === 'string' ? parseTemplate(body) : (body as Record<string, unknown>);
}

function parameterValues(stackParams: readonly Parameter[]): Record<string, string | undefined> {
  const params: Record<string, string | undefined> = {};
  for (const param of stackParams)
    if (param.ParameterKey) params[param.ParameterKey] = param.ResolvedValue ?? param.ParameterValue;
  return params;
}

const MISSING = new Set(['NotFound', 'NoSuchKey', 'NoSuchBucket', 'NoSuchVersion']);
/** HeadObject calls in flight at once. */
export const HEAD_CONCURRENCY = 8;

/** 'present', 'missing', or why the object could not be checked. */
async function headAnswer(s3: S3Ops, ref: ArtifactRef): Promise<string> {
  try {
    await s3.headObject(ref.bucket as string, ref.key as string, ref.version);
    return 'present';
  } catch (error) {
    const name = awsErrorName(error);
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if ((name && MISSING.has(name)) || status === 404) return 'missing';
    return status === 403 || name === 'Forbidden' || name === 'AccessDenied'
      ? 'HeadObject was denied (403): S3 answers 403 for a missing object too when s3:ListBucket is not granted; allow s3:GetObject and s3:ListBucket on the bucket to check it'
      : `HeadObject failed: ${name ?? status ?? 'error'}`;
  }
}

/** HeadObject each artifact once (the same object referenced twice is asked for once), a few at a time. */
async function headArtifacts(deps: PreflightDeps, refs: ArtifactRef[]): Promise<PreflightResult> {
  const result: PreflightResult = { present: [], missing: [], notChecked: [] };
  const objectOf = (ref: ArtifactRef) => JSON.stringify([ref.bucket, ref.key, ref.version ?? null]);
  const checkable = refs.filter((ref) => !ref.unresolved && ref.bucket && ref.key);
  const answers = new Map<string, string>();
  if (checkable.length) {
    const s3 = await deps.s3();
    const unique = [...new Map(checkable.map((ref) => [objectOf(ref), ref])).values()];
    const settled = await mapLimit(unique, HEAD_CONCURRENCY, (ref) => headAnswer(s3, ref));
    unique.forEach((ref, index) => {
      const answer = settled[index] as PromiseSettledResult<string>;
      answers.set(objectOf(ref), answer.status === 'fulfilled' ? answer.value : 'HeadObject failed');
    });
  }
  for (const ref of refs) {
    const answer = answers.get(objectOf(ref));
    if (ref.unresolved || answer === undefined) result.notChecked.push(ref);
    else if (answer === 'present') result.present.push(ref);
    else if (answer === 'missing') result.missing.push(ref);
    else result.notChecked.push({ ...ref, unresolved: answer, checkFailed: true });
  }
  return result;
}

/**
 * Fetch the deployed template (Original stage) and HeadObject every artifact it references — and, with
 * `nested`, those of every deployed nested stack (N1), each resolved against its own parameters. The S3 client
 * is asked for only once there is an object to check: most stacks reference none, and loading it costs start
 * time. A root template that declares no nested stack costs no further call.
 */
export async function rollbackPreflight(
  deps: PreflightDeps,
  stackName: string,
  stackParams: Parameter[],
  ctx: Omit<ResolveContext, 'params' | 'stackName'>,
  /** The stack's id: the deployed template is read by id when known. */
  stackId?: string,
  nested?: NestedPreflight,
): Promise<PreflightResult> {
  const body = await deployedBody(deps.cfn, stackId ?? stackName);
  let template: Record<string, unknown>;
  try {
    template = parsedBody(body);
  } catch (error) {
    // CloudFormation accepted it (YAML 1.1 reads more than our YAML 1.2 parser): not checked, never a block.
    return { present: [], missing: [], notChecked: [], unparsed: errorMessage(error) };
  }
  const refs = findArtifacts(template, { ...ctx, params: parameterValues(stackParams), stackName });
  if (!nested || !declaresNestedStacks(template)) return headArtifacts(deps, refs);

  const checked: string[] = [];
  const warnings: string[] = [];
  const tree = await walkNestedStacks(
    deps.cfn,
    { ref: stackId ?? stackName },
    {
      ...nested,
      visit: async (node) => {
        if (!node.path.length) return true; // the root: read above
        const where = pathLabel(node.path);
        let nestedTemplate: Record<string, unknown>;
        try {
          nestedTemplate = parsedBody(await deployedBody(deps.cfn, node.ref));
        } catch (error) {
          if (nested.signal?.aborted) throw error;
          warnings.push(
            `The deployed template of nested stack ${where} could not be read: ${errorMessage(error)}`,
          );
          return false;
        }
        checked.push(where);
        const found = findArtifacts(nestedTemplate, {
          ...ctx,
          params: parameterValues(node.stack?.Parameters ?? []),
          stackName: node.stack?.StackName ?? stackNameOf(node.ref),
        });
        refs.push(...found.map((ref) => ({ ...ref, stackPath: node.path })));
        return declaresNestedStacks(nestedTemplate);
      },
    },
  );
  const result = await headArtifacts(deps, refs);
  return { ...result, nestedStacks: checked, nestedWarnings: [...tree.warnings, ...warnings] };
}

export function describeRef(ref: ArtifactRef): string {
  const location =
    ref.bucket && ref.key
      ? `s3://${ref.bucket}/${ref.key}${ref.version ? ` (version ${ref.version})` : ''}`
      : '';
  const where = ref.stackPath?.length ? `nested stack ${pathLabel(ref.stackPath)}: ` : '';
  return `${where}${ref.logicalId} (${ref.type}) ${ref.property}${location ? ` → ${location}` : ''}${ref.unresolved ? `: ${ref.unresolved}` : ''}`;
}

/**
 * R1 before an update: check that the S3 objects the deployed version needs still exist — its own and, N1,
 * those of its deployed nested stacks — so a failed update could roll back. Missing objects warn
 * (rollback-preflight: warn) or refuse (fail); objects that could not be checked (403, nested stacks that
 * could not be read) warn.
 */
export async function runRollbackPreflight(
  deps: Pick<DeployDeps, 'cfn' | 's3' | 'log' | 'clock' | 'cancel'>,
  inputs: Pick<DeployInputs, 'stackName' | 'region' | 'rollbackPreflight' | 'waitTimeoutMs'>,
  stack: Stack,
  accountId: string | undefined,
): Promise<PreflightResult> {
  const { log } = deps;
  const result = await rollbackPreflight(
    { cfn: deps.cfn, s3: deps.s3 },
    inputs.stackName,
    stack.Parameters ?? [],
    {
      region: inputs.region,
      accountId,
      partition: /^arn:([^:]+):/.exec(stack.StackId ?? '')?.[1],
    },
    stack.StackId,
    {
      clock: deps.clock,
      signal: deps.cancel.signal,
      budgetMs: Math.min(NESTED_LIMITS.budgetMs, inputs.waitTimeoutMs / 4),
    },
  );
  if (result.unparsed) {
    log.warning(
      `Rollback preflight (R1): not checked — the deployed template of stack ${inputs.stackName} could not be parsed (${result.unparsed}), so the S3 artifacts a rollback needs were not checked.`,
    );
    return result;
  }
  if (result.nestedStacks?.length)
    log.info(`Rollback preflight (N1): nested stacks checked: ${result.nestedStacks.join(', ')}.`);
  for (const warning of result.nestedWarnings ?? []) log.warning(`Rollback preflight (N1): ${warning}`);
  const total = result.present.length + result.missing.length + result.notChecked.length;
  if (total === 0) {
    log.info('Rollback preflight: the deployed template references no S3 artifacts.');
    return result;
  }
  log.info(
    `Rollback preflight: ${result.present.length} artifact(s) present, ${result.missing.length} missing, ${result.notChecked.length} not checked.`,
  );
  for (const ref of result.notChecked) {
    if (ref.checkFailed) log.warning(`Rollback preflight (R1): not checked: ${describeRef(ref)}`);
    else log.info(`Rollback preflight: not checked: ${describeRef(ref)}`);
  }
  if (result.missing.length === 0) return result;
  const message = `Rollback preflight (R1): the deployed version of ${inputs.stackName} needs S3 objects that no longer exist, so a failed update could not roll back (UPDATE_ROLLBACK_FAILED): ${result.missing.map(describeRef).join('; ')}.`;
  if (inputs.rollbackPreflight === 'fail')
    throw new GuardError(`${message} Restore the objects or set rollback-preflight: warn.`);
  log.warning(message);
  return result;
}
