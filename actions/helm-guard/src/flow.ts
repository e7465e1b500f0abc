/**
 * The helm-guard steps: read the installed release and decide (guard.ts), then optionally upgrade. Each
 * step takes its dependencies and returns a value; run.ts publishes them. Everything helm prints (versions,
 * chart names, statuses, NOTES, stderr) is untrusted: it goes to the log line by line, through the outbound
 * channel, which redacts secrets and neutralises workflow commands (W1).
 */
import type { Cancellation } from '../../../src/cancel';
import { GuardError, TimeoutError } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import { decideUpgrade, type InstalledRelease, type Verdict } from './guard';
import {
  commandLine,
  firstErrorLine,
  HelmOutputError,
  listArgs,
  metadataArgs,
  NO_METADATA_COMMAND,
  NOT_FOUND,
  parseList,
  parseMetadata,
  upgradeArgs,
} from './helm';
import type { HelmRunner } from './helm-exec';
import type { HelmGuardInputs } from './inputs';

export const ACTION = 'helm-guard';

export type ReleaseSource = 'helm get metadata' | 'helm list (fallback for Helm < 3.13)';

/** What the steps take from outside; run.ts builds it from the Runtime (the helm runner is injectable). */
export interface HelmGuardDeps {
  helm: HelmRunner;
  log: Logger;
  cancel: Cancellation;
}

/** The installed release, how it was read, and the guard's verdict. */
export interface ReleaseCheck {
  installed?: InstalledRelease;
  source: ReleaseSource;
  verdict: Verdict;
  helmVersion?: string;
}

export interface UpgradeRun {
  /** The upgrade command as displayed (secrets as REDACTED). */
  command: string;
  upgradeExitCode: number;
}

export type HelmGuardOutcome = ReleaseCheck & Partial<UpgradeRun>;

function groupTitle(inputs: HelmGuardInputs): string {
  return `${ACTION}: release ${inputs.release} (namespace ${inputs.namespace})`;
}

async function helmVersion(helm: HelmRunner, log: Logger): Promise<string | undefined> {
  const result = await helm(['version', '--short']);
  if (result.exitCode !== 0) {
    log.warning(`helm version failed (exit ${result.exitCode}): ${firstErrorLine(result.stderr)}`);
    return undefined;
  }
  return result.stdout.trim().split(/\r?\n/)[0];
}

/** Read the installed release: `helm get metadata`, or `helm list` on Helm older than 3.13. */
export async function readRelease(
  inputs: HelmGuardInputs,
  helm: HelmRunner,
  log: Logger,
): Promise<{ installed?: InstalledRelease; source: ReleaseSource }> {
  const subject = `release '${inputs.release}' in namespace '${inputs.namespace}'`;
  const meta = await helm(metadataArgs(inputs));
  if (meta.exitCode === 0) {
    try {
      return { installed: parseMetadata(meta.stdout), source: 'helm get metadata' };
    } catch (e) {
      if (e instanceof HelmOutputError) throw new Error(`Could not read ${subject}: ${e.message}.`);
      throw e;
    }
  }
  if (NOT_FOUND.test(meta.stderr)) return { source: 'helm get metadata' };
  if (!NO_METADATA_COMMAND.test(meta.stderr)) {
    throw new Error(
      `helm get metadata failed for ${subject} (exit ${meta.exitCode}): ${firstErrorLine(meta.stderr)}`,
    );
  }
  log.info(`This helm has no 'get metadata' (Helm < 3.13); reading the release with 'helm list' instead.`);
  const source: ReleaseSource = 'helm list (fallback for Helm < 3.13)';
  const listed = await helm(listArgs(inputs));
  if (listed.exitCode !== 0) {
    throw new Error(
      `helm list failed for ${subject} (exit ${listed.exitCode}): ${firstErrorLine(listed.stderr)}`,
    );
  }
  try {
    const installed = parseList(listed.stdout, inputs.release, inputs.chart?.name);
    return installed ? { installed, source } : { source };
  } catch (e) {
    if (e instanceof HelmOutputError) throw new Error(`Could not read ${subject}: ${e.message}.`);
    throw e;
  }
}

/** Read the installed release (in a log group), decide what the pin allows, and log why. */
export async function checkRelease(inputs: HelmGuardInputs, deps: HelmGuardDeps): Promise<ReleaseCheck> {
  const { helm, log } = deps;
  const { installed, source, version } = await log.group(
    `${groupTitle(inputs)}: read installed release`,
    async () => {
      const version = await helmVersion(helm, log);
      if (version) log.info(`helm ${version}`);
      const read = await readRelease(inputs, helm, log);
      log.info(`Source: ${read.source}`);
      if (read.installed) {
        const release = read.installed;
        log.info(
          `Installed: chart ${release.chart} ${release.version}${release.appVersion ? ` (app ${release.appVersion})` : ''}, status ${release.status || '?'}, revision ${release.revision ?? '?'}${release.deployedAt ? `, deployed ${release.deployedAt}` : ''}`,
        );
      } else {
        log.info('Installed: none (release not found)');
      }
      log.info(`Pinned: ${inputs.chart ? `chart ${inputs.chart.name} ` : ''}${inputs.version}`);
      return { ...read, version };
    },
  );

  const verdict = decideUpgrade({
    release: inputs.release,
    namespace: inputs.namespace,
    ...(installed ? { installed } : {}),
    pinned: inputs.pinned,
    ...(inputs.chart ? { expectedChart: inputs.chart.name } : {}),
    onDowngrade: inputs.onDowngrade,
    onChartMismatch: inputs.onChartMismatch,
  });
  for (const warning of verdict.warnings) log.warning(warning);
  if (!inputs.chart) log.info('No chart input: the installed chart name is not checked.');
  log.info(`Decision: ${verdict.decision ?? 'refused'}. Why: ${verdict.reason}`);
  return {
    ...(installed ? { installed } : {}),
    source,
    verdict,
    ...(version ? { helmVersion: version } : {}),
  };
}

/** The step outputs (action.yml `outputs`), set before any upgrade runs. */
export function outputsOf(inputs: HelmGuardInputs, check: ReleaseCheck): Record<string, string> {
  const live = check.installed && check.installed.status !== 'uninstalled' ? check.installed : undefined;
  return {
    'installed-version': live ? live.version : '',
    'installed-chart': live ? live.chart : '',
    'pinned-version': inputs.version,
    decision: check.verdict.decision ?? '',
    'should-upgrade': String(check.verdict.shouldUpgrade),
  };
}

/**
 * With `upgrade: true` and a verdict that allows it, run `helm upgrade --install`, streaming its output into
 * a log group. On cancellation the helm process is stopped (helm-exec.ts) and the note says the release may
 * be left mid-operation; the step then fails with CancelledError.
 */
export async function upgradeIfAllowed(
  inputs: HelmGuardInputs,
  check: ReleaseCheck,
  deps: HelmGuardDeps,
): Promise<UpgradeRun | undefined> {
  const { verdict } = check;
  if (!inputs.upgrade || verdict.error) return undefined;
  if (!verdict.shouldUpgrade) {
    deps.log.info('Not running helm upgrade: the guard decided against it.');
    return undefined;
  }
  const upgrade = upgradeArgs(inputs);
  const command = commandLine(inputs.helmPath, upgrade.display);
  deps.cancel.throwIfCancelled();
  const leftPending = `release may be left pending-upgrade or pending-install: check 'helm history ${inputs.release} -n ${inputs.namespace}' before re-running`;
  const forget = deps.cancel.onCancel(`helm release ${inputs.release}`, async () => ({
    ok: false,
    detail: `helm upgrade was interrupted; the ${leftPending}`,
  }));
  try {
    const result = await deps.log.group(
      `${groupTitle(inputs)}: helm upgrade --install ${inputs.chart?.name ?? ''} ${inputs.version}`,
      async () => {
        deps.log.info(`$ ${command}`);
        return deps.helm(upgrade.args, {
          onLine: (line, stream) => deps.log.info(stream === 'stderr' ? `[stderr] ${line}` : line),
        });
      },
    );
    deps.cancel.throwIfCancelled();
    return { command, upgradeExitCode: result.exitCode };
  } catch (e) {
    // T1: helm upgrade was stopped at its deadline.
    if (e instanceof TimeoutError) throw new TimeoutError(`${e.message} The ${leftPending}.`);
    throw e;
  } finally {
    forget();
  }
}

/** Why the step fails (the guard refused, or helm upgrade failed), or undefined. */
export function failureOf(inputs: HelmGuardInputs, outcome: HelmGuardOutcome): Error | undefined {
  if (outcome.verdict.error) return new GuardError(outcome.verdict.error);
  if (outcome.upgradeExitCode !== undefined && outcome.upgradeExitCode !== 0) {
    return new Error(
      `helm upgrade failed for release '${inputs.release}' in namespace '${inputs.namespace}' (exit ${outcome.upgradeExitCode}); see the '${groupTitle(inputs)}: helm upgrade' log group.`,
    );
  }
  return undefined;
}
