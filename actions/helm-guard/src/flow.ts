/**
 * The helm-guard run: read the installed release, decide (guard.ts), optionally upgrade, summarise.
 * Everything external is injected (helm runner, logger, summary writer, output sink) so tests drive it.
 */
import { GuardError } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import { code, table } from '../../../src/markdown';
import { redact } from '../../../src/mask';
import { writeSummary, type SummaryWriter } from '../../../src/summary';
import { decide, type InstalledRelease, type Verdict } from './guard';
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
  secretForms,
  upgradeArgs,
  type HelmRunner,
} from './helm';
import type { HelmGuardInputs } from './inputs';

export const ACTION = 'helm-guard';

export type ReleaseSource = 'helm get metadata' | 'helm list (fallback for Helm < 3.13)';

export interface FlowDeps {
  helm: HelmRunner;
  log: Logger;
  summary?: SummaryWriter;
  setOutputs: (o: Record<string, string>) => void;
}

export interface FlowResult {
  installed?: InstalledRelease;
  source: ReleaseSource;
  verdict: Verdict;
  helmVersion?: string;
  /** The upgrade command as displayed (secrets as ****), when it ran. */
  command?: string;
  upgradeExitCode?: number;
}

async function helmVersion(helm: HelmRunner, log: Logger): Promise<string | undefined> {
  const r = await helm(['version', '--short']);
  if (r.exitCode !== 0) {
    log.warning(`helm version failed (exit ${r.exitCode}): ${firstErrorLine(r.stderr)}`);
    return undefined;
  }
  return r.stdout.trim().split(/\r?\n/)[0];
}

/** Read the installed release: `helm get metadata`, or `helm list` on Helm older than 3.13. */
export async function readRelease(
  i: HelmGuardInputs,
  helm: HelmRunner,
  log: Logger,
): Promise<{ installed?: InstalledRelease; source: ReleaseSource }> {
  const subject = `release '${i.release}' in namespace '${i.namespace}'`;
  const meta = await helm(metadataArgs(i));
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
  const list = await helm(listArgs(i));
  if (list.exitCode !== 0) {
    throw new Error(
      `helm list failed for ${subject} (exit ${list.exitCode}): ${firstErrorLine(list.stderr)}`,
    );
  }
  try {
    const installed = parseList(list.stdout, i.release, i.chart?.name);
    return installed ? { installed, source } : { source };
  } catch (e) {
    if (e instanceof HelmOutputError) throw new Error(`Could not read ${subject}: ${e.message}.`);
    throw e;
  }
}

export async function runHelmGuard(i: HelmGuardInputs, deps: FlowDeps): Promise<FlowResult> {
  const { helm, log } = deps;
  const secrets = secretForms(i);
  const say = (m: string) => log.info(redact(m, secrets));
  const subject = `${ACTION}: release ${i.release} (namespace ${i.namespace})`;

  const { installed, source, version } = await log.group(`${subject}: read installed release`, async () => {
    const v = await helmVersion(helm, log);
    if (v) say(`helm ${v}`);
    const r = await readRelease(i, helm, log);
    say(`Source: ${r.source}`);
    if (r.installed) {
      const x = r.installed;
      say(
        `Installed: chart ${x.chart} ${x.version}${x.appVersion ? ` (app ${x.appVersion})` : ''}, status ${x.status || '?'}, revision ${x.revision ?? '?'}${x.deployedAt ? `, deployed ${x.deployedAt}` : ''}`,
      );
    } else {
      say('Installed: none (release not found)');
    }
    say(`Pinned: ${i.chart ? `chart ${i.chart.name} ` : ''}${i.version}`);
    return { ...r, version: v };
  });

  const verdict = decide({
    release: i.release,
    namespace: i.namespace,
    ...(installed ? { installed } : {}),
    pinned: i.pinned,
    ...(i.chart ? { expectedChart: i.chart.name } : {}),
    onDowngrade: i.onDowngrade,
    onChartMismatch: i.onChartMismatch,
  });
  for (const w of verdict.warnings) log.warning(redact(w, secrets));
  if (!i.chart) say('No chart input: the installed chart name is not checked.');
  say(`Decision: ${verdict.decision ?? 'refused'}. Why: ${verdict.reason}`);

  deps.setOutputs({
    'installed-version': installed && installed.status !== 'uninstalled' ? installed.version : '',
    'installed-chart': installed && installed.status !== 'uninstalled' ? installed.chart : '',
    'pinned-version': i.version,
    decision: verdict.decision ?? '',
    'should-upgrade': String(verdict.shouldUpgrade),
  });

  const result: FlowResult = {
    ...(installed ? { installed } : {}),
    source,
    verdict,
    ...(version ? { helmVersion: version } : {}),
  };

  if (!verdict.error && i.upgrade && verdict.shouldUpgrade) {
    const cmd = upgradeArgs(i);
    result.command = redact(commandLine(i.helmPath, cmd.display), secrets);
    const r = await log.group(
      `${subject}: helm upgrade --install ${i.chart?.name ?? ''} ${i.version}`,
      async () => {
        say(`$ ${result.command}`);
        return helm(cmd.args, {
          onLine: (line, stream) => (stream === 'stderr' ? say(`[stderr] ${line}`) : say(line)),
        });
      },
    );
    result.upgradeExitCode = r.exitCode;
  } else if (i.upgrade && !verdict.error) {
    say('Not running helm upgrade: the guard decided against it.');
  }

  await writeSummary(redact(summaryMarkdown(i, result), secrets), log, deps.summary);

  if (verdict.error) throw new GuardError(redact(verdict.error, secrets));
  if (result.upgradeExitCode !== undefined && result.upgradeExitCode !== 0) {
    throw new Error(
      `helm upgrade failed for release '${i.release}' in namespace '${i.namespace}' (exit ${result.upgradeExitCode}); see the '${subject}: helm upgrade' log group.`,
    );
  }
  return result;
}

export function summaryMarkdown(i: HelmGuardInputs, r: FlowResult): string {
  const x = r.installed && r.installed.status !== 'uninstalled' ? r.installed : undefined;
  const rows: unknown[][] = [
    ['Release', code(i.release)],
    ['Namespace', code(i.namespace)],
    [
      'Installed (before this run)',
      x
        ? `${x.chart} ${x.version} (status ${x.status || '?'}, revision ${x.revision ?? '?'})`
        : 'not installed',
    ],
    ['Pinned', `${i.chart ? `${i.chart.name} ` : ''}${i.version}`],
    ['Decision', r.verdict.decision ? code(r.verdict.decision) : 'refused'],
    ['Why', r.verdict.reason],
    ['Read with', `${r.source}${r.helmVersion ? ` (helm ${r.helmVersion})` : ''}`],
  ];
  if (i.kubeContext) rows.splice(2, 0, ['Kube context', code(i.kubeContext)]);
  const parts = [`### ${ACTION}: ${i.release} in ${i.namespace}`, '', table(['', ''], rows), ''];
  if (r.verdict.error) parts.push(`**Refused:** ${r.verdict.error}`, '');
  if (r.command) {
    const outcome = r.upgradeExitCode === 0 ? 'succeeded' : `failed (exit ${r.upgradeExitCode})`;
    parts.push(`Ran (${outcome}):`, '', '```', r.command, '```', '');
  } else if (i.upgrade) {
    parts.push('helm upgrade was not run.', '');
  } else {
    parts.push(`Guard only (upgrade: false); should-upgrade=${r.verdict.shouldUpgrade}.`, '');
  }
  return parts.join('\n');
}
