/**
 * O1: the deploy record — what was last deployed to a stack: `{ commit, runId, runAttempt, repository,
 * templateDigest, time }` as JSON in one SSM Parameter Store parameter per stack (default
 * `/guarded-deploy/<stack-name>`). Not in stack tags: tags propagate to resources and would make every deploy a
 * change. The SSM client is a separate chunk, loaded only by runs that read or write a record (cold start).
 *
 * A record is data someone else may have written: it is parsed strictly (every field validated, hex commits
 * only), and anything else is "unreadable" — treated as absent with a warning, never a crash, never printed raw.
 */
import { awsErrorName, errorMessage } from './errors';
import { InputError } from './errors';
import { printable } from './inputs';
import type { AwsFactory } from './runtime';

export interface DeployRecord {
  /** The commit deployed (40 or 64 lowercase hex digits). */
  commit: string;
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT of the run that deployed it (digits), when known. */
  runId?: string;
  runAttempt?: string;
  /** GITHUB_REPOSITORY (`owner/repo`), when known. */
  repository?: string;
  /** `sha256:<hex>` of the template deployed, when known. */
  templateDigest?: string;
  /** ISO 8601 time the record was written. */
  time: string;
}

export type RecordRead =
  | { kind: 'found'; record: DeployRecord }
  | { kind: 'absent' }
  /** The parameter exists but is not a record of ours (garbage, hand-written, another tool's): ignored. */
  | { kind: 'unreadable'; reason: string }
  /** The read itself failed (AccessDenied, throttling past retries, network). */
  | { kind: 'failed'; reason: string; denied: boolean };

/** Reads and writes records by parameter name. Tests pass a fake; the real one is ssmRecordStore. */
export interface RecordStore {
  read(name: string): Promise<RecordRead>;
  write(name: string, record: DeployRecord): Promise<void>;
}

export const COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const DIGITS = /^\d{1,20}$/;
const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** SSM: letters, digits, _.-/ ; at most 1011 characters and 15 levels; not under aws or ssm. */
const PARAMETER_NAME = /^\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** Is `value` a full commit SHA (SHA-1 or SHA-256, lowercase hex)? Anything else never reaches git or a URL. */
export function isCommitSha(value: string | undefined): value is string {
  return typeof value === 'string' && COMMIT_SHA.test(value);
}

/**
 * `deploy-record-prefix` (validated, L1): a `/`-separated SSM path; the record of a stack is
 * `<prefix>/<stack-name>`.
 */
export function validateRecordPrefix(prefix: string, input = 'deploy-record-prefix'): string {
  const trimmed = prefix.replace(/\/+$/, '');
  const levels = trimmed.split('/').length - 1;
  if (
    !PARAMETER_NAME.test(trimmed) ||
    /^\/?(aws|ssm)/i.test(trimmed) ||
    trimmed.split('/').some((part) => part === '.' || part === '..') ||
    levels > 14 ||
    trimmed.length > 880
  ) {
    throw new InputError(
      `Input '${input}' must be an SSM parameter path like /guarded-deploy (a leading /, then letters, digits and _.-/, at most 14 levels, not under /aws or /ssm), got '${printable(prefix)}'.`,
    );
  }
  return trimmed;
}

/** The parameter that holds a stack's record. */
export function recordName(prefix: string, stackName: string): string {
  return `${prefix}/${stackName}`;
}

/** A record parsed strictly from the parameter's value; `reason` says why a value is not one. */
export function parseRecord(value: string): { record: DeployRecord } | { reason: string } {
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    return { reason: 'its value is not JSON' };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return { reason: 'its value is not a JSON object' };
  const fields = data as Record<string, unknown>;
  const text = (key: string): string | undefined =>
    typeof fields[key] === 'string' ? (fields[key] as string) : undefined;
  const commit = text('commit');
  if (!isCommitSha(commit)) return { reason: 'its commit is not a full hexadecimal commit SHA' };
  const time = text('time');
  if (!time || !ISO_TIME.test(time) || Number.isNaN(Date.parse(time)))
    return { reason: 'its time is not an ISO 8601 UTC time' };
  const checks: Array<[string, RegExp]> = [
    ['runId', DIGITS],
    ['runAttempt', DIGITS],
    ['repository', REPOSITORY],
    ['templateDigest', DIGEST],
  ];
  const record: DeployRecord = { commit, time };
  for (const [key, pattern] of checks) {
    if (fields[key] === undefined) continue;
    const found = text(key);
    if (found === undefined || !pattern.test(found)) return { reason: `its ${key} is malformed` };
    (record as unknown as Record<string, string>)[key] = found;
  }
  return { record };
}

/** The record of this run: the commit deployed, the run from the environment, the time from the clock. */
export function recordOf(
  commit: string,
  env: NodeJS.ProcessEnv,
  now: number,
  templateDigest: string | undefined,
): DeployRecord {
  const record: DeployRecord = { commit, time: new Date(now).toISOString() };
  if (env.GITHUB_RUN_ID && DIGITS.test(env.GITHUB_RUN_ID)) record.runId = env.GITHUB_RUN_ID;
  if (env.GITHUB_RUN_ATTEMPT && DIGITS.test(env.GITHUB_RUN_ATTEMPT))
    record.runAttempt = env.GITHUB_RUN_ATTEMPT;
  if (env.GITHUB_REPOSITORY && REPOSITORY.test(env.GITHUB_REPOSITORY))
    record.repository = env.GITHUB_REPOSITORY;
  if (templateDigest && DIGEST.test(templateDigest)) record.templateDigest = templateDigest;
  return record;
}

/** AccessDenied in any of the shapes SSM and IAM use. */
export function isAccessDenied(error: unknown): boolean {
  const name = awsErrorName(error) ?? '';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return /AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name) || status === 403;
}

/** The SSM-backed store. The client (a separate chunk) is built on the first call, through the runtime's factory. */
export function ssmRecordStore(aws: AwsFactory, region: string): RecordStore {
  let loaded: Promise<{
    send: (command: object) => Promise<unknown>;
    ssm: typeof import('@aws-sdk/client-ssm');
  }>;
  const client = () => {
    loaded ??= import('@aws-sdk/client-ssm').then((ssm) => {
      const built = aws(ssm.SSMClient, region);
      return { send: (command: object) => built.send(command as never) as Promise<unknown>, ssm };
    });
    return loaded;
  };
  return {
    async read(name) {
      try {
        const { send, ssm } = await client();
        const answer = (await send(new ssm.GetParameterCommand({ Name: name }))) as {
          Parameter?: { Value?: string };
        };
        const value = answer?.Parameter?.Value;
        if (value === undefined) return { kind: 'absent' };
        const parsed = parseRecord(value);
        return 'record' in parsed
          ? { kind: 'found', record: parsed.record }
          : { kind: 'unreadable', reason: parsed.reason };
      } catch (error) {
        if (awsErrorName(error) === 'ParameterNotFound') return { kind: 'absent' };
        return { kind: 'failed', reason: errorMessage(error), denied: isAccessDenied(error) };
      }
    },
    async write(name, record) {
      const { send, ssm } = await client();
      await send(
        new ssm.PutParameterCommand({
          Name: name,
          Value: JSON.stringify(record),
          Type: 'String',
          Overwrite: true,
          Description: 'Guarded Deploy: the commit last deployed to this stack (deploy-order guard, O1)',
        }),
      );
    },
  };
}
