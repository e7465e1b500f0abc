import type { Change, CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import type { Cancellation } from '../../../src/cancel';
import type { CleanupResult } from '../../../src/cfn/lifecycle';
import type { Clock } from '../../../src/clock';
import type { Logger } from '../../../src/log';
import type { PlanResult } from '../../../src/plan';
import type { S3Ops, StsOps } from '../../../src/aws-extra';
import type { PreflightResult } from './rollback-preflight';

/** What every step takes from outside; only run.ts builds the real one (from the Runtime). */
export interface DeployDeps {
  cfn: CloudFormationClient;
  /** S3 and STS are built lazily: most deploys need neither, and loading them costs cold-start time. */
  s3: () => Promise<S3Ops>;
  sts: () => Promise<StsOps>;
  log: Logger;
  clock: Clock;
  cancel: Cancellation;
  env: NodeJS.ProcessEnv;
}

export type DeployResult = 'created' | 'updated' | 'no-changes' | 'planned' | 'refused';

/** What a deploy did: returned by runWith, and published (outputs, summary, PR comment), also after a failure. */
export interface DeployOutcome {
  /** `failed` only in what is published after an error (runWith throws then). */
  result: DeployResult | 'failed';
  stackName: string;
  stackId?: string;
  stackStatus?: string;
  changeSetId?: string;
  changeSetName?: string;
  changeSetType?: 'CREATE' | 'UPDATE';
  hasChanges: boolean;
  changesCount: number;
  changes: Change[];
  /** The stack's outputs (after a deploy, or of the unchanged stack). */
  outputs: Record<string, string>;
  accountId?: string;
  /** R1: the rollback preflight's findings. */
  preflight?: PreflightResult;
  /** The rendered plan (H2), when a change set was read. */
  plan?: PlanResult;
  /** P1: the digest of the change set's changes (`sha256:<hex>`), when a change set was read. */
  planDigest?: string;
  notes: string[];
  /** What the change-set cleanup did (on failure, cancellation or an empty change set). */
  cleanup?: CleanupResult;
  /** Why it failed or was refused (one line). */
  error?: string;
}

/** The account id inside a CloudFormation ARN (arn:aws:cloudformation:region:ACCOUNT:stack/...). */
export function accountOf(arn: string | undefined): string | undefined {
  return /^arn:[^:]+:cloudformation:[^:]*:(\d{12}):/.exec(arn ?? '')?.[1];
}

export function outputsOf(stack: Stack | undefined): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const output of stack?.Outputs ?? [])
    if (output.OutputKey) outputs[output.OutputKey] = output.OutputValue ?? '';
  return outputs;
}
