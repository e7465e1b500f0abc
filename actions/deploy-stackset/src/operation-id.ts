/**
 * H1: deterministic OperationIds. `gd-<run id>-<step>-<attempt>-<phase>`:
 *
 * - run id + step (a hash of GITHUB_JOB and GITHUB_ACTION): the same step of the same workflow run always
 *   has the same prefix, so a re-run ("Re-run failed jobs") finds the operations its earlier attempts
 *   started — and waits for / reports a running one instead of queueing a second rollout behind it;
 * - attempt: the re-run gets ids of its own, so after an earlier attempt's operation FAILED it can start
 *   a new operation for what is left (CloudFormation refuses to reuse an OperationId);
 * - phase (`update`, `create-1`, …): each operation of one run has its own id.
 *
 * The same id on a retried call (a lost answer, the SDK's retry) makes CloudFormation answer
 * OperationIdAlreadyExistsException instead of starting a second operation: we then follow that one.
 * Outside Actions (no GITHUB_RUN_ID) a timestamp stands in for the run id.
 */
import { createHash } from 'node:crypto';

/** CloudFormation: `[a-zA-Z0-9][-a-zA-Z0-9]*`, at most 128 characters. */
export const OPERATION_ID = /^[a-zA-Z0-9][-a-zA-Z0-9]{0,127}$/;

export interface RunIdentity {
  /** `gd-<run>-<step>-`: every attempt of this step in this run starts with it. */
  prefix: string;
  attempt: number;
}

function digits(value: string | undefined): string | undefined {
  return value && /^\d{1,20}$/.test(value) ? value : undefined;
}

/** Who we are in the workflow: the run, the step, the attempt. */
export function runIdentity(env: NodeJS.ProcessEnv, now: number): RunIdentity {
  const run = digits(env.GITHUB_RUN_ID) ?? `t${now}`;
  const step = createHash('sha256')
    .update(`${env.GITHUB_JOB ?? ''}/${env.GITHUB_ACTION ?? ''}`)
    .digest('hex')
    .slice(0, 8);
  return { prefix: `gd-${run}-${step}-`, attempt: Number(digits(env.GITHUB_RUN_ATTEMPT) ?? '1') };
}

/** The OperationId of one phase of this attempt. */
export function operationId(identity: RunIdentity, phase: string): string {
  return `${identity.prefix}${identity.attempt}-${phase}`.slice(0, 128);
}

/** The attempt that started an operation of this step and run, or undefined when it is not one of ours. */
export function attemptOf(identity: RunIdentity, id: string | undefined): number | undefined {
  if (!id?.startsWith(identity.prefix)) return undefined;
  const match = /^(\d+)-/.exec(id.slice(identity.prefix.length));
  return match ? Number(match[1]) : undefined;
}
