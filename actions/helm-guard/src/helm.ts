/**
 * Talking to the helm CLI: an injectable runner (argument arrays, never a shell), the argument
 * builders, and parsers for `helm get metadata -o json` / `helm list -o json`.
 */
import { getExecOutput } from '@actions/exec';
import type { InstalledRelease } from './guard';
import type { HelmGuardInputs } from './inputs';
import { splitChartVersion } from './split';

export { splitChartVersion };

export interface HelmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface HelmRunOptions {
  /** Called for each output line as it arrives (used to stream `helm upgrade`). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Runs helm with an argument array. Rejects only when helm cannot be started at all. */
export type HelmRunner = (args: string[], opts?: HelmRunOptions) => Promise<HelmResult>;

/** The real runner: @actions/exec, silent (we print what we choose, redacted), exit code returned, never thrown. */
export function execHelmRunner(helmPath: string, env?: Record<string, string>): HelmRunner {
  return async (args, opts = {}) => {
    try {
      const onLine = opts.onLine;
      return await getExecOutput(helmPath, args, {
        ignoreReturnCode: true,
        silent: true,
        ...(env ? { env } : {}),
        ...(onLine
          ? {
              listeners: {
                stdline: (l: string) => onLine(l, 'stdout'),
                errline: (l: string) => onLine(l, 'stderr'),
              },
            }
          : {}),
      });
    } catch (e) {
      throw new Error(
        `Could not run helm ('${helmPath}'): ${(e as Error).message.split('\n')[0]} Install Helm 3.13+ (for example with azure/setup-helm) or set helm-path.`,
      );
    }
  };
}

/** Go regexp.QuoteMeta: escape what RE2 treats as special, for `helm list --filter`. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function contextArgs(i: Pick<HelmGuardInputs, 'kubeContext'>): string[] {
  return i.kubeContext ? ['--kube-context', i.kubeContext] : [];
}

export function metadataArgs(i: Pick<HelmGuardInputs, 'release' | 'namespace' | 'kubeContext'>): string[] {
  return ['get', 'metadata', i.release, '-n', i.namespace, '-o', 'json', ...contextArgs(i)];
}

export function listArgs(i: Pick<HelmGuardInputs, 'release' | 'namespace' | 'kubeContext'>): string[] {
  return [
    'list',
    '-n',
    i.namespace,
    '--filter',
    `^${quoteMeta(i.release)}$`,
    '--all',
    '-o',
    'json',
    ...contextArgs(i),
  ];
}

/** Escape a literal for Helm's --set parser (strvals): backslash and comma would otherwise be syntax. */
export function strvalsLiteral(v: string): string {
  return v.replace(/[\\,]/g, '\\$&');
}

export interface UpgradeCommand {
  args: string[];
  /** The same arguments with secret values replaced by ****, for logs and the summary. */
  display: string[];
}

/** `helm upgrade --install <release> <chart> --version <v> --namespace <ns>` plus the options given. */
export function upgradeArgs(i: HelmGuardInputs): UpgradeCommand {
  if (!i.chart) throw new Error('upgradeArgs needs a chart');
  const base = [
    'upgrade',
    '--install',
    i.release,
    i.chart.ref,
    '--version',
    i.version,
    '--namespace',
    i.namespace,
  ];
  const args = [...base];
  const display = [...base];
  const both = (...a: string[]) => {
    args.push(...a);
    display.push(...a);
  };
  if (i.kubeContext) both('--kube-context', i.kubeContext);
  for (const v of i.values) both('--values', v);
  for (const kv of i.set) both('--set', `${kv.key}=${kv.value}`);
  for (const kv of i.setSecret) {
    // --set-string: a secret is text; never let Helm turn "0123" or "true" into a number or a boolean.
    args.push('--set-string', `${kv.key}=${strvalsLiteral(kv.value)}`);
    display.push('--set-string', `${kv.key}=****`);
  }
  if (i.atomic) both('--atomic');
  if (i.wait) both('--wait');
  if (i.timeout) both('--timeout', i.timeout);
  both(...i.extraArgs);
  return { args, display };
}

/** Forms of each secret value that could show up in text we print. */
export function secretForms(i: Pick<HelmGuardInputs, 'setSecret'>): string[] {
  const out = new Set<string>();
  for (const kv of i.setSecret) {
    if (kv.value === '') continue;
    out.add(kv.value);
    out.add(strvalsLiteral(kv.value));
    out.add(JSON.stringify(kv.value).slice(1, -1));
  }
  return [...out];
}

/** Quote an argument for display the way a shell user would read it. */
export function shellQuote(a: string): string {
  return /^[\w@%+=:,./*-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(helmPath: string, args: string[]): string {
  return [helmPath, ...args].map(shellQuote).join(' ');
}

export class HelmOutputError extends Error {
  override name = 'HelmOutputError';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** `helm get metadata -o json` (Helm ≥ 3.13). */
export function parseMetadata(stdout: string): InstalledRelease {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new HelmOutputError('helm get metadata did not return JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HelmOutputError('helm get metadata did not return a JSON object');
  }
  const doc = parsed as Record<string, unknown>;
  const chart = str(doc.chart);
  const version = str(doc.version);
  if (!chart || version === undefined) {
    throw new HelmOutputError('helm get metadata returned JSON without chart and version');
  }
  const revision = Number(doc.revision);
  return {
    name: str(doc.name) ?? '',
    namespace: str(doc.namespace) ?? '',
    chart,
    version,
    ...(str(doc.appVersion) !== undefined ? { appVersion: str(doc.appVersion) } : {}),
    ...(Number.isFinite(revision) && revision > 0 ? { revision } : {}),
    status: str(doc.status) ?? '',
    ...(str(doc.deployedAt) !== undefined ? { deployedAt: str(doc.deployedAt) } : {}),
  };
}

/** `helm list -o json` rows; the row whose name is exactly the release (or undefined). */
export function parseList(
  stdout: string,
  release: string,
  expectedName?: string,
): InstalledRelease | undefined {
  let rows: unknown;
  try {
    rows = JSON.parse(stdout);
  } catch {
    throw new HelmOutputError('helm list did not return JSON');
  }
  if (!Array.isArray(rows)) throw new HelmOutputError('helm list did not return a JSON array');
  const row = rows.find(
    (r) => r && typeof r === 'object' && (r as Record<string, unknown>).name === release,
  ) as Record<string, unknown> | undefined;
  if (!row) return undefined;
  const { chart, version } = splitChartVersion(str(row.chart) ?? '', expectedName);
  const revision = Number(row.revision);
  return {
    name: release,
    namespace: str(row.namespace) ?? '',
    chart,
    version,
    ...(str(row.app_version) !== undefined ? { appVersion: str(row.app_version) } : {}),
    ...(Number.isFinite(revision) && revision > 0 ? { revision } : {}),
    status: str(row.status) ?? '',
    ...(str(row.updated) !== undefined ? { deployedAt: str(row.updated) } : {}),
  };
}

export const NOT_FOUND = /release: not found/;
export const NO_METADATA_COMMAND = /unknown command "metadata"/;

/** First meaningful line of helm's stderr (for one-line errors). */
export function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => l.startsWith('Error:')) ?? lines[lines.length - 1] ?? '(no output)';
}
