/**
 * Drift detection for one stack: DetectStackDrift, poll DescribeStackDriftDetectionStatus (fast-start backoff),
 * then DescribeStackResourceDrifts (every page) with the property differences (expected vs actual).
 */
import {
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  type CloudFormationClient,
  type DescribeStackDriftDetectionStatusCommandOutput,
  type StackResourceDrift,
} from '@aws-sdk/client-cloudformation';
import type { Cancellation } from '../../../src/cancel';
import type { Clock } from '../../../src/clock';
import { BACKOFF, pollUntil, retry } from '../../../src/poll';

export interface PropertyDiff {
  path: string;
  expected?: string;
  actual?: string;
  /** ADD | REMOVE | NOT_EQUAL */
  difference?: string;
}

export interface ResourceDrift {
  logicalId: string;
  type: string;
  physicalId?: string;
  /** IN_SYNC | MODIFIED | DELETED | NOT_CHECKED | UNKNOWN | UNSUPPORTED */
  status: string;
  reason?: string;
  differences: PropertyDiff[];
}

export interface DetectionResult {
  detectionId: string;
  /** DETECTION_COMPLETE | DETECTION_FAILED */
  status: string;
  /** DRIFTED | IN_SYNC | NOT_CHECKED | UNKNOWN */
  stackDriftStatus?: string;
  reason?: string;
  driftedCount?: number;
  /** Every resource the detection reported on (IN_SYNC included), drifted first. */
  resources: ResourceDrift[];
}

export interface DetectDeps {
  cfn: CloudFormationClient;
  clock: Clock;
  /** Once the job is cancelled, polling stops at the next check. */
  cancel?: Pick<Cancellation, 'throwIfCancelled'>;
}

const STATUS_ORDER = ['DELETED', 'MODIFIED', 'UNKNOWN', 'NOT_CHECKED', 'UNSUPPORTED', 'IN_SYNC'];

/** Retry throttling (full jitter) around one call. */
export function send<T>(clock: Clock, fn: () => Promise<T>): Promise<T> {
  return retry(fn, { clock });
}

export function toResourceDrift(drift: StackResourceDrift): ResourceDrift {
  return {
    logicalId: drift.LogicalResourceId ?? '(unknown)',
    type: drift.ResourceType ?? '(unknown type)',
    physicalId: drift.PhysicalResourceId,
    status: drift.StackResourceDriftStatus ?? 'UNKNOWN',
    reason: drift.DriftStatusReason,
    differences: (drift.PropertyDifferences ?? []).map((property) => ({
      path: property.PropertyPath ?? '',
      expected: property.ExpectedValue,
      actual: property.ActualValue,
      difference: property.DifferenceType,
    })),
  };
}

export async function detectDrift(
  deps: DetectDeps,
  stackName: string,
  timeoutMs: number,
): Promise<DetectionResult> {
  const { cfn, clock } = deps;
  const started = await send(clock, () => cfn.send(new DetectStackDriftCommand({ StackName: stackName })));
  const detectionId = started.StackDriftDetectionId;
  if (!detectionId) throw new Error(`DetectStackDrift for stack ${stackName} returned no detection id.`);
  const final = await pollUntil<DescribeStackDriftDetectionStatusCommandOutput>({
    what: `drift detection ${detectionId} of stack ${stackName}`,
    timeoutMs,
    clock,
    checkFirst: false,
    ...BACKOFF.driftDetection,
    check: async () => {
      deps.cancel?.throwIfCancelled();
      const status = await cfn.send(
        new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: detectionId }),
      );
      return status.DetectionStatus === 'DETECTION_IN_PROGRESS' ? undefined : status;
    },
  });
  const resources: ResourceDrift[] = [];
  let token: string | undefined;
  // A failed detection still records results for the resources it could check (e.g. one unreadable
  // resource fails the detection): read them, but never let that hide the failure itself.
  try {
    do {
      const page = await send(clock, () =>
        cfn.send(
          new DescribeStackResourceDriftsCommand({ StackName: stackName, NextToken: token, MaxResults: 100 }),
        ),
      );
      resources.push(...(page.StackResourceDrifts ?? []).map(toResourceDrift));
      token = page.NextToken;
    } while (token);
  } catch (e) {
    if (final.DetectionStatus !== 'DETECTION_FAILED') throw e;
  }
  resources.sort(
    (first, second) =>
      rank(first.status) - rank(second.status) ||
      (first.logicalId < second.logicalId ? -1 : first.logicalId > second.logicalId ? 1 : 0),
  );
  return {
    detectionId,
    status: final.DetectionStatus ?? 'DETECTION_FAILED',
    stackDriftStatus: final.StackDriftStatus,
    reason: final.DetectionStatusReason,
    driftedCount: final.DriftedStackResourceCount,
    resources,
  };
}

function rank(status: string): number {
  const index = STATUS_ORDER.indexOf(status);
  return index < 0 ? STATUS_ORDER.length : index;
}

/** The detection found drift (a stack DRIFTED, or any MODIFIED/DELETED resource). */
export function detectionDrifted(detection: DetectionResult): boolean {
  return (
    detection.stackDriftStatus === 'DRIFTED' ||
    detection.resources.some((resource) => resource.status === 'MODIFIED' || resource.status === 'DELETED')
  );
}
