/**
 * The H4 decision, pure: what is installed, what is pinned, what the user allows → what to do.
 * No I/O here; flow.ts reads the release and acts on the verdict.
 */
import type { OnChartMismatch, OnDowngrade } from './inputs';
import { compareSemver, parseSemverLoose, type SemVer } from './semver';

export type Decision =
  'install' | 'upgrade' | 'unchanged' | 'downgrade-blocked' | 'downgrade-skipped' | 'downgrade-allowed';

/** The installed release as Helm reports it (`helm get metadata` or a `helm list` row). */
export interface InstalledRelease {
  name: string;
  namespace: string;
  chart: string;
  version: string;
  appVersion?: string;
  revision?: number;
  status: string;
  deployedAt?: string;
}

export interface GuardInput {
  release: string;
  namespace: string;
  installed?: InstalledRelease;
  pinned: SemVer;
  /** Name part of the chart input; undefined when no chart was given (guard-only). */
  expectedChart?: string;
  onDowngrade: OnDowngrade;
  onChartMismatch: OnChartMismatch;
}

export interface Verdict {
  /** Undefined when the guard refused before a version decision (release busy, chart mismatch, unreadable version). */
  decision?: Decision;
  shouldUpgrade: boolean;
  /** One sentence: why. */
  reason: string;
  /** Things worth a warning in the log even when we proceed. */
  warnings: string[];
  /** Set when the step must fail. */
  error?: string;
}

export const PENDING_STATUSES = ['pending-install', 'pending-upgrade', 'pending-rollback'] as const;

function where(i: GuardInput): string {
  return `release '${i.release}' in namespace '${i.namespace}'`;
}

function busyAdvice(i: GuardInput, inst: InstalledRelease): string {
  const rev = inst.revision ? ` (revision ${inst.revision})` : '';
  const ns = `-n ${i.namespace}`;
  const fix =
    inst.status === 'pending-install'
      ? `if no helm process is still running (an interrupted first install), remove it with 'helm uninstall ${i.release} ${ns}' and re-run`
      : `if no helm process is still running (an interrupted job leaves the release stuck), check 'helm history ${i.release} ${ns}' and roll back to the last deployed revision with 'helm rollback ${i.release} <revision> ${ns}', then re-run`;
  return `another Helm operation is in progress on ${i.release} (namespace ${i.namespace}, status ${inst.status}${rev}); refusing a blind upgrade. Wait for it to finish and re-run; ${fix}.`;
}

export function decide(i: GuardInput): Verdict {
  const inst = i.installed;
  const pinned = i.pinned.raw;
  const warnings: string[] = [];

  if (!inst || inst.status === 'uninstalled') {
    const prev = inst
      ? ` (a previous release, chart ${inst.chart} ${inst.version}, was uninstalled with its history kept)`
      : '';
    return {
      decision: 'install',
      shouldUpgrade: true,
      reason: `${where(i)} is not installed${prev}; install ${pinned}.`,
      warnings,
    };
  }

  if ((PENDING_STATUSES as readonly string[]).includes(inst.status)) {
    return {
      shouldUpgrade: false,
      reason: `release is ${inst.status}.`,
      warnings,
      error: busyAdvice(i, inst),
    };
  }
  if (inst.status === 'uninstalling') {
    return {
      shouldUpgrade: false,
      reason: 'release is being uninstalled.',
      warnings,
      error: `${where(i)} is being uninstalled (status uninstalling); wait for 'helm uninstall' to finish (check 'helm status ${i.release} -n ${i.namespace}') and re-run.`,
    };
  }
  if (inst.status === 'unknown' || inst.status === '') {
    return {
      shouldUpgrade: false,
      reason: 'release status is unknown.',
      warnings,
      error: `${where(i)} has status '${inst.status || 'unknown'}'; inspect it with 'helm status ${i.release} -n ${i.namespace}' and 'helm history' before deploying.`,
    };
  }
  if (inst.status === 'failed') {
    warnings.push(
      `${where(i)} is in status failed (revision ${inst.revision ?? '?'}); the last operation did not finish cleanly. Proceeding with the version check.`,
    );
  }

  if (i.expectedChart !== undefined && inst.chart !== i.expectedChart) {
    if (i.onChartMismatch === 'fail') {
      return {
        shouldUpgrade: false,
        reason: `installed chart '${inst.chart}' is not '${i.expectedChart}'.`,
        warnings,
        error: `${where(i)} runs chart '${inst.chart}' ${inst.version}, but the chart input is '${i.expectedChart}'; refusing to replace it. Check the release name, or set on-chart-mismatch: allow if replacing the chart is intended.`,
      };
    }
    warnings.push(
      `${where(i)} runs chart '${inst.chart}' ${inst.version}; it will be replaced by '${i.expectedChart}' ${pinned} (on-chart-mismatch: allow). Versions of different charts are not compared.`,
    );
    return {
      decision: 'upgrade',
      shouldUpgrade: true,
      reason: `chart changes from '${inst.chart}' ${inst.version} to '${i.expectedChart}' ${pinned} (allowed by on-chart-mismatch: allow).`,
      warnings,
    };
  }

  const installed = parseSemverLoose(inst.version);
  if (!installed) {
    return {
      shouldUpgrade: false,
      reason: `installed version '${inst.version}' is not SemVer.`,
      warnings,
      error: `${where(i)} reports chart version '${inst.version}', which is not SemVer, so it cannot be compared with ${pinned}; refusing to guess. Inspect it with 'helm history ${i.release} -n ${i.namespace}'.`,
    };
  }

  const c = compareSemver(installed, i.pinned);
  const failedNote = inst.status === 'failed' ? ' The release is in status failed.' : '';
  if (c < 0) {
    return {
      decision: 'upgrade',
      shouldUpgrade: true,
      reason: `installed ${inst.version} is older than pinned ${pinned}; upgrade.${failedNote}`,
      warnings,
    };
  }
  if (c === 0) {
    const build =
      installed.build.join('.') !== i.pinned.build.join('.')
        ? ' (build metadata differs and is ignored)'
        : '';
    return {
      decision: 'unchanged',
      shouldUpgrade: true,
      reason: `installed ${inst.version} equals pinned ${pinned}${build}; an upgrade only re-applies values.${failedNote}`,
      warnings,
    };
  }
  const newer = `installed ${inst.version} is newer than pinned ${pinned}`;
  switch (i.onDowngrade) {
    case 'skip':
      warnings.push(
        `${where(i)}: ${newer}; not downgrading (on-downgrade: skip). Raise the pinned version to ${inst.version} to make the pin match the cluster.`,
      );
      return {
        decision: 'downgrade-skipped',
        shouldUpgrade: false,
        reason: `${newer}; skipped without upgrading (on-downgrade: skip).`,
        warnings,
      };
    case 'allow':
      warnings.push(`${where(i)}: ${newer}; downgrading to ${pinned} because on-downgrade is allow.`);
      return {
        decision: 'downgrade-allowed',
        shouldUpgrade: true,
        reason: `${newer}; downgrade allowed (on-downgrade: allow).`,
        warnings,
      };
    default:
      return {
        decision: 'downgrade-blocked',
        shouldUpgrade: false,
        reason: `${newer}; downgrade refused (on-downgrade: fail).`,
        warnings,
        error: `H4: ${where(i)} runs chart ${inst.chart} ${inst.version}, newer than the pinned ${pinned}; refusing to downgrade it. Someone upgraded it outside this workflow: raise the pinned version to ${inst.version} (or newer), or set on-downgrade: skip / allow.`,
      };
  }
}
