import fs from 'node:fs';
import { InputError } from '../../../src/errors';
import {
  bool,
  list,
  oneOf,
  optional,
  printable,
  required,
  resolveInWorkspace,
  workspaceRoot,
  type InputGetter,
} from '../../../src/inputs';
import { helmPrintedForms, strvalsLiteral } from './helm';
import { compareSemver, parseSemver, parseSemverLoose, type SemVer } from './semver';
import { parseChartRef, type ChartRef } from './chart-ref';
import { debugWithSecrets, helmDeadlineMs } from './helm-options';

/** Every input in action.yml (a test keeps the two in step). */
export const INPUTS = [
  'release',
  'namespace',
  'chart',
  'version',
  'on-downgrade',
  'on-chart-mismatch',
  'upgrade',
  'values',
  'set',
  'set-secret',
  'atomic',
  'wait',
  'timeout',
  'kube-context',
  'extra-args',
  'helm-path',
  'helm-timeout-minutes',
  'allow-debug-with-secrets',
] as const;

/** Every output in action.yml. */
export const OUTPUTS = [
  'installed-version',
  'installed-chart',
  'pinned-version',
  'decision',
  'should-upgrade',
] as const;

export { CHART_NAME, parseChartRef, type ChartRef } from './chart-ref';

export const ON_DOWNGRADE = ['fail', 'skip', 'allow'] as const;
export const ON_CHART_MISMATCH = ['fail', 'allow'] as const;
export type OnDowngrade = (typeof ON_DOWNGRADE)[number];
export type OnChartMismatch = (typeof ON_CHART_MISMATCH)[number];

/** Defaults, shared with the action.yml test (defaults there must equal these). */
export const DEFAULTS = {
  'on-downgrade': 'fail',
  'on-chart-mismatch': 'fail',
  upgrade: 'false',
  atomic: 'false',
  wait: 'false',
  'helm-path': 'helm',
  'allow-debug-with-secrets': 'false',
} as const;

export interface KeyValue {
  key: string;
  value: string;
}

export interface HelmGuardInputs {
  release: string;
  namespace: string;
  chart?: ChartRef;
  /** Pinned version without a leading `v`. */
  version: string;
  pinned: SemVer;
  onDowngrade: OnDowngrade;
  onChartMismatch: OnChartMismatch;
  upgrade: boolean;
  /** Every helm process is stopped after this long (T1): helm-timeout-minutes, or the default. */
  helmTimeoutMs: number;
  /** Value-printing flags (`--debug`, `-v`, `--dry-run`) allowed next to set-secret: the run warns (C3). */
  debugWithSecrets: string[];
  /** Absolute paths inside the workspace. */
  values: string[];
  set: KeyValue[];
  setSecret: KeyValue[];
  atomic: boolean;
  wait: boolean;
  timeout?: string;
  kubeContext?: string;
  extraArgs: string[];
  helmPath: string;
}

/** DNS-1123 subdomain (Helm's own release-name rule), at most 53 characters. */
export const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const RELEASE_MAX = 53;
/** DNS-1123 label, at most 63 characters. */
export const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const NAMESPACE_MAX = 63;
/** Go duration, as `helm --timeout` takes it: 300s, 5m, 1h30m, 5m0s. */
export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL = /[\x00-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex -- rejecting control characters and whitespace is the point
const WS_OR_CONTROL = /[\s\x00-\x1f\x7f]/;

/**
 * extra-args that would make the upgrade target something other than what the guard checked: another
 * version, namespace or cluster. `-n` is caught inside short-flag clusters too (`-in foo` = `-i -n foo`).
 */
const FORBIDDEN_LONG = /^--(version|namespace|kube-context|kubeconfig|kube-[a-z-]+)(=|$)/;
const FORBIDDEN_SHORT = /^-[A-Za-z]*n/;

export function validateRelease(release: string): string {
  if (release.length > RELEASE_MAX || !RELEASE_NAME.test(release)) {
    throw new InputError(
      `Input 'release' is not a valid Helm release name: '${printable(release)}' (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most ${RELEASE_MAX} characters).`,
    );
  }
  return release;
}

export function validateNamespace(namespace: string): string {
  if (namespace.length > NAMESPACE_MAX || !NAMESPACE_NAME.test(namespace)) {
    throw new InputError(
      `Input 'namespace' is not a valid Kubernetes namespace: '${printable(namespace)}' (lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${NAMESPACE_MAX} characters).`,
    );
  }
  return namespace;
}

function parsePinned(version: string): SemVer {
  const pinned = parseSemver(version);
  if (!pinned) {
    throw new InputError(
      `Input 'version' must be a SemVer version such as 4.13.0 or v1.2.3-rc.1, got '${printable(version)}'.`,
    );
  }
  return pinned;
}

/** `key=value` lines. Error messages name the line and key, never the value (set-secret). */
function keyValues(
  get: InputGetter,
  input: string,
  secret: boolean,
  addSecret?: (value: string) => void,
): KeyValue[] {
  const out: KeyValue[] = [];
  const lines = list(get, input);
  lines.forEach((line, i) => {
    const at = line.indexOf('=');
    const key = at < 0 ? line : line.slice(0, at).trim();
    const value = at < 0 ? '' : line.slice(at + 1);
    // Register first: nothing below may print the value, but it must be redacted before anything else
    // happens (C3), also in the form helm's --set-string sees it (commas and backslashes escaped) and the
    // forms helm prints it in (YAML single-quoted, Go's HTML-safe JSON).
    if (secret && addSecret && at >= 0 && value !== '') {
      addSecret(value);
      addSecret(strvalsLiteral(value));
      for (const form of helmPrintedForms(value)) addSecret(form);
    }
    const shownKey = secret && at < 0 ? '(hidden)' : `'${printable(key)}'`;
    if (at < 0) {
      throw new InputError(
        `Input '${input}' line ${i + 1}: expected key=value, the key ${shownKey} has no '='.`,
      );
    }
    if (key === '' || key.startsWith('-') || WS_OR_CONTROL.test(key) || key.includes(',')) {
      throw new InputError(
        `Input '${input}' line ${i + 1}: invalid key ${shownKey} (no leading '-', whitespace, commas or control characters).`,
      );
    }
    if (CONTROL.test(value)) {
      throw new InputError(
        `Input '${input}' line ${i + 1} (key ${shownKey}): the value contains control characters.`,
      );
    }
    out.push({ key, value });
  });
  return out;
}

function extraArgs(get: InputGetter): string[] {
  const args = list(get, 'extra-args');
  for (const arg of args) {
    if (CONTROL.test(arg)) {
      throw new InputError(`Input 'extra-args': '${printable(arg)}' contains control characters.`);
    }
    if (FORBIDDEN_LONG.test(arg) || (FORBIDDEN_SHORT.test(arg) && !arg.startsWith('--'))) {
      throw new InputError(
        `Input 'extra-args' must not override the guarded target: '${printable(arg)}' (version, namespace and cluster come only from the version, namespace and kube-context inputs).`,
      );
    }
    if (arg.startsWith('-') && /\s/.test(arg)) {
      throw new InputError(
        `Input 'extra-args' takes one argument per line: '${printable(arg)}' (write the flag and its value on separate lines, or use --flag=value).`,
      );
    }
  }
  return args;
}

export interface ParseOptions {
  /** Register a secret value on the outbound channel as soon as it is read (run.ts passes rt.out.addSecret). */
  addSecret?: (value: string) => void;
  /** Workspace root for values files and local charts (run.ts passes the runtime's GITHUB_WORKSPACE or cwd). */
  workspace?: string;
}

/** Parse and validate every input (L1). Throws InputError with one clear sentence; never calls helm. */
export function parseInputs(get: InputGetter, opts: ParseOptions = {}): HelmGuardInputs {
  const root = opts.workspace ?? workspaceRoot();
  // Secrets first, so they are registered even if a later input is invalid.
  const setSecret = keyValues(get, 'set-secret', true, opts.addSecret);
  const release = validateRelease(required(get, 'release'));
  const namespace = validateNamespace(required(get, 'namespace'));
  const versionText = required(get, 'version');
  const pinned = parsePinned(versionText);
  const chartText = optional(get, 'chart');
  const chart = chartText === undefined ? undefined : parseChartRef(chartText, root);
  const onDowngrade = oneOf(get, 'on-downgrade', ON_DOWNGRADE, DEFAULTS['on-downgrade']);
  const onChartMismatch = oneOf(get, 'on-chart-mismatch', ON_CHART_MISMATCH, DEFAULTS['on-chart-mismatch']);
  const upgrade = bool(get, 'upgrade', false);
  const atomic = bool(get, 'atomic', false);
  const wait = bool(get, 'wait', false);

  const timeout = optional(get, 'timeout');
  if (timeout !== undefined && !GO_DURATION.test(timeout)) {
    throw new InputError(
      `Input 'timeout' must be a duration such as 300s, 5m or 1h30m, got '${printable(timeout)}'.`,
    );
  }
  const kubeContext = optional(get, 'kube-context');
  if (
    kubeContext !== undefined &&
    (WS_OR_CONTROL.test(kubeContext) || kubeContext.startsWith('-') || kubeContext.length > 253)
  ) {
    throw new InputError(
      `Input 'kube-context' is not a valid context name: '${printable(kubeContext)}' (no whitespace, no leading '-', at most 253 characters).`,
    );
  }
  const helmPath = optional(get, 'helm-path') ?? DEFAULTS['helm-path'];
  if (CONTROL.test(helmPath) || helmPath.startsWith('-')) {
    throw new InputError(`Input 'helm-path' is not a valid executable: '${printable(helmPath)}'.`);
  }

  const values = list(get, 'values').map((p) => {
    const abs = resolveInWorkspace(p, 'values', root);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) {
      throw new InputError(`Input 'values': file '${printable(p)}' does not exist in the workspace.`);
    }
    return abs;
  });
  const set = keyValues(get, 'set', false);
  const extra = extraArgs(get);

  if (!upgrade) {
    const upgradeOnly: [string, boolean][] = [
      ['values', values.length > 0],
      ['set', set.length > 0],
      ['set-secret', setSecret.length > 0],
      ['extra-args', extra.length > 0],
      ['atomic', optional(get, 'atomic') !== undefined && atomic],
      ['wait', optional(get, 'wait') !== undefined && wait],
      ['timeout', timeout !== undefined],
    ];
    const given = upgradeOnly.filter(([, g]) => g).map(([n]) => n);
    if (given.length) {
      throw new InputError(
        `Input${given.length > 1 ? 's' : ''} ${given.map((n) => `'${n}'`).join(', ')} only apply with 'upgrade: true'; set upgrade: true or pass them to your own helm step.`,
      );
    }
  } else if (!chart) {
    throw new InputError("Input 'chart' is required with 'upgrade: true'.");
  }
  const helmTimeoutMs = helmDeadlineMs(get, {
    ...(timeout !== undefined ? { timeout } : {}),
    atomic,
    extraArgs: extra,
  });
  const debugFlags = debugWithSecrets(get, extra, setSecret.length > 0);

  if (chart?.localVersion !== undefined) {
    const local = parseSemverLoose(chart.localVersion);
    if (!local || compareSemver(local, pinned) !== 0) {
      throw new InputError(
        `Input 'chart' is a local chart at version '${printable(chart.localVersion)}' but 'version' is ${pinned.raw}; helm ignores --version for local charts, so the pin would not hold. Update Chart.yaml or the version input.`,
      );
    }
  }

  return {
    release,
    namespace,
    ...(chart ? { chart } : {}),
    version: pinned.raw,
    pinned,
    onDowngrade,
    onChartMismatch,
    upgrade,
    values,
    set,
    setSecret,
    atomic,
    wait,
    ...(timeout !== undefined ? { timeout } : {}),
    ...(kubeContext !== undefined ? { kubeContext } : {}),
    extraArgs: extra,
    helmPath,
    helmTimeoutMs,
    debugWithSecrets: debugFlags,
  };
}
