/**
 * Talking to the helm CLI: the argument builders and parsers for `helm get metadata -o json` /
 * `helm list -o json` (the runner itself is helm-exec.ts).
 */
import { REDACTED } from '../../../src/secrets';
import type { InstalledRelease } from './guard';
import type { HelmGuardInputs } from './inputs';
import { splitChartVersion } from './split';

export { splitChartVersion };

/** Go regexp.QuoteMeta: escape what RE2 treats as special, for `helm list --filter`. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

type ReleaseTarget = Pick<HelmGuardInputs, 'release' | 'namespace' | 'kubeContext'>;

function contextArgs(target: Pick<HelmGuardInputs, 'kubeContext'>): string[] {
  return target.kubeContext ? ['--kube-context', target.kubeContext] : [];
}

export function metadataArgs(target: ReleaseTarget): string[] {
  return ['get', 'metadata', target.release, '-n', target.namespace, '-o', 'json', ...contextArgs(target)];
}

export function listArgs(target: ReleaseTarget): string[] {
  return [
    'list',
    '-n',
    target.namespace,
    '--filter',
    `^${quoteMeta(target.release)}$`,
    '--all',
    '-o',
    'json',
    ...contextArgs(target),
  ];
}

/** Escape a literal for Helm's --set parser (strvals): backslash and comma would otherwise be syntax. */
export function strvalsLiteral(value: string): string {
  return value.replace(/[\\,]/g, '\\$&');
}

/**
 * The forms in which helm (--debug, --dry-run, NOTES, templates) prints a set-secret value that the shared
 * secret forms (src/secrets.ts: exact, JSON-escaped — which is also YAML's and Go's double-quoted form for the
 * printable values set-secret allows —, base64, URL/HTML/Markdown-escaped) do not cover: YAML single-quoted
 * (`'it''s'`, go-yaml's choice for values that need quoting) and Go's HTML-safe JSON (`toJson`, `\u003c` for
 * `<`, `\u003e` for `>`, `\u0026` for `&`), and the one inside the other. Only forms that differ from the value are returned.
 */
export function helmPrintedForms(value: string): string[] {
  const goJson = JSON.stringify(value)
    .slice(1, -1)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
  const yamlSingle = (text: string): string => text.replace(/'/g, "''");
  // A `toJson` value inside a single-quoted YAML scalar is both at once.
  return [...new Set([yamlSingle(value), goJson, yamlSingle(goJson)])].filter((form) => form !== value);
}

export interface UpgradeCommand {
  args: string[];
  /** The same arguments with secret values replaced by REDACTED (src/secrets.ts), for logs and the summary. */
  display: string[];
}

/** `helm upgrade --install <release> <chart> --version <v> --namespace <ns>` plus the options given. */
export function upgradeArgs(inputs: HelmGuardInputs): UpgradeCommand {
  if (!inputs.chart) throw new Error('upgradeArgs needs a chart');
  const base = [
    'upgrade',
    '--install',
    inputs.release,
    inputs.chart.ref,
    '--version',
    inputs.version,
    '--namespace',
    inputs.namespace,
  ];
  const args = [...base];
  const display = [...base];
  const both = (...more: string[]) => {
    args.push(...more);
    display.push(...more);
  };
  if (inputs.kubeContext) both('--kube-context', inputs.kubeContext);
  for (const file of inputs.values) both('--values', file);
  for (const pair of inputs.set) both('--set', `${pair.key}=${pair.value}`);
  for (const pair of inputs.setSecret) {
    // --set-string: a secret is text; never let Helm turn "0123" or "true" into a number or a boolean.
    args.push('--set-string', `${pair.key}=${strvalsLiteral(pair.value)}`);
    display.push('--set-string', `${pair.key}=${REDACTED}`);
  }
  if (inputs.atomic) both('--atomic');
  if (inputs.wait) both('--wait');
  if (inputs.timeout) both('--timeout', inputs.timeout);
  both(...inputs.extraArgs);
  return { args, display };
}

/** Quote an argument for display the way a shell user would read it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./*-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(helmPath: string, args: string[]): string {
  return [helmPath, ...args].map(shellQuote).join(' ');
}

export class HelmOutputError extends Error {
  override name = 'HelmOutputError';
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The fields of a release as helm get metadata names them; name, chart and version already checked. */
interface ReleaseFields extends Record<string, unknown> {
  name: string;
  chart: string;
  version: string;
}

/** One release from helm's answer: text fields as text, a positive revision, optional fields only when given. */
function installedRelease(fields: ReleaseFields): InstalledRelease {
  const revision = Number(fields.revision);
  const appVersion = str(fields.appVersion);
  const deployedAt = str(fields.deployedAt);
  return {
    name: fields.name,
    namespace: str(fields.namespace) ?? '',
    chart: fields.chart,
    version: fields.version,
    ...(appVersion !== undefined ? { appVersion } : {}),
    ...(Number.isFinite(revision) && revision > 0 ? { revision } : {}),
    status: str(fields.status) ?? '',
    ...(deployedAt !== undefined ? { deployedAt } : {}),
  };
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
  return installedRelease({ ...doc, name: str(doc.name) ?? '', chart, version });
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
    (candidate) =>
      candidate && typeof candidate === 'object' && (candidate as Record<string, unknown>).name === release,
  ) as Record<string, unknown> | undefined;
  if (!row) return undefined;
  const { chart, version } = splitChartVersion(str(row.chart) ?? '', expectedName);
  // helm list names two fields differently from helm get metadata.
  return installedRelease({
    ...row,
    name: release,
    chart,
    version,
    appVersion: row.app_version,
    deployedAt: row.updated,
  });
}

export const NOT_FOUND = /release: not found/;
export const NO_METADATA_COMMAND = /unknown command "metadata"/;

/** First meaningful line of helm's stderr (for one-line errors). */
export function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.find((line) => line.startsWith('Error:')) ?? lines[lines.length - 1] ?? '(no output)';
}
