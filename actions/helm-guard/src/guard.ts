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

function where(input: GuardInput): string {
  return `release '${input.release}' in namespace '${input.namespace}'`;
}

function busyAdvice(input: GuardInput, current: InstalledRelease): string {
  const rev = current.revision ? ` (revision ${current.revision})` : '';
  const ns = `-n ${input.namespace}`;
  const fix =
    current.status === 'pending-install'
      ? `if no helm process is still running (an interrupted first install), remove it with 'helm uninstall ${input.release} ${ns}' and re-run`
      : `if no helm process is still running (an interrupted job leaves the release stuck), check 'helm history ${input.release} ${ns}' and roll back to the last deployed revision with 'helm rollback ${input.release} <revision> ${ns}', then re-run`;
  return `another Helm operation is in progress on ${input.release} (namespace ${input.namespace}, status ${current.status}${rev}); refusing a blind upgrade. Wait for it to finish and re-run; ${fix}.`;
}

/** H4: what to do with the installed release, given the pin and what the user allows. */
export function decideUpgrade(input: GuardInput): Verdict {
  const current = input.installed;
  const pinned = input.pinned.raw;
  const warnings: string[] = [];

  if (!current || current.status === 'uninstalled') {
    const prev = current
      ? ` (a previous release, chart ${current.chart} ${current.version}, was uninstalled with its history kept)`
      : '';
    return {
      decision: 'install',
      shouldUpgrade: true,
      reason: `${where(input)} is not installed${prev}; install ${pinned}.`,
      warnings,
    };
  }

  if ((PENDING_STATUSES as readonly string[]).includes(current.status)) {
    return {
      shouldUpgrade: false,
      reason: `release is ${current.status}.`,
      warnings,
      error: busyAdvice(input, current),
    };
  }
  if (current.status === 'uninstalling') {
    return {
      shouldUpgrade: false,
      reason: 'release is being uninstalled.',
      warnings,
      error: `${where(input)} is being uninstalled (status uninstalling); wait for 'helm uninstall' to finish (check 'helm status ${input.release} -n ${input.namespace}') and re-run.`,
    };
  }
  if (current.status === 'unknown' || current.status === '') {
    return {
      shouldUpgrade: false,
      reason: 'release status is unknown.',
      warnings,
      error: `${where(input)} has status '${current.status || 'unknown'}'; inspect it with 'helm status ${input.release} -n ${input.namespace}' and 'helm history' before deploying.`,
    };
  }
  if (current.status === 'failed') {
    warnings.push(
      `${where(input)} is in status failed (revision ${current.revision ?? '?'}); the last operation did not finish cleanly. Proceeding with the version check.`,
    );
  }

  if (input.expectedChart !== undefined && current.chart !== input.expectedChart) {
    if (input.onChartMismatch === 'fail') {
      return {
        shouldUpgrade: false,
        reason: `installed chart '${current.chart}' is not '${input.expectedChart}'.`,
        warnings,
        error: `${where(input)} runs chart '${current.chart}' ${current.version}, but the chart input is '${input.expectedChart}'; refusing to replace it. Check the release name, or set on-chart-mismatch: allow if replacing the chart is intended.`,
      };
    }
    warnings.push(
      `${where(input)} runs chart '${current.chart}' ${current.version}; it will be replaced by '${input.expectedChart}' ${pinned} (on-chart-mismatch: allow). Versions of different charts are not compared.`,
    );
    return {
      decision: 'upgrade',
      shouldUpgrade: true,
      reason: `chart changes from '${current.chart}' ${current.version} to '${input.expectedChart}' ${pinned} (allowed by on-chart-mismatch: allow).`,
      warnings,
    };
  }

  const installedVersion = parseSemverLoose(current.version);
  if (!installedVersion) {
    return {
      shouldUpgrade: false,
      reason: `installed version '${current.version}' is not SemVer.`,
      warnings,
      error: `${where(input)} reports chart version '${current.version}', which is not SemVer, so it cannot be compared with ${pinned}; refusing to guess. Inspect it with 'helm history ${input.release} -n ${input.namespace}'.`,
    };
  }

  const order = compareSemver(installedVersion, input.pinned);
  const failedNote = current.status === 'failed' ? ' The release is in status failed.' : '';
  if (order < 0) {
    return {
      decision: 'upgrade',
      shouldUpgrade: true,
      reason: `installed ${current.version} is older than pinned ${pinned}; upgrade.${failedNote}`,
      warnings,
    };
  }
  if (order === 0) {
    const build =
      installedVersion.build.join('.') !== input.pinned.build.join('.')
        ? ' (build metadata differs and is ignored)'
        : '';
    return {
      decision: 'unchanged',
      shouldUpgrade: true,
      reason: `installed ${current.version} equals pinned ${pinned}${build}; an upgrade only re-applies values.${failedNote}`,
      warnings,
    };
  }
  const newer = `installed ${current.version} is newer than pinned ${pinned}`;
  switch (input.onDowngrade) {
    case 'skip':
      warnings.push(
        `${where(input)}: ${newer}; not downgrading (on-downgrade: skip). Raise the pinned version to ${current.version} to make the pin match the cluster.`,
      );
      return {
        decision: 'downgrade-skipped',
        shouldUpgrade: false,
        reason: `${newer}; skipped without upgrading (on-downgrade: skip).`,
        warnings,
      };
    case 'allow':
      warnings.push(`${where(input)}: ${newer}; downgrading to ${pinned} because on-downgrade is allow.`);
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
        error: `H4: ${where(input)} runs chart ${current.chart} ${current.version}, newer than the pinned ${pinned}; refusing to downgrade it. Someone upgraded it outside this workflow: raise the pinned version to ${current.version} (or newer), or set on-downgrade: skip / allow.`,
      };
  }
}
