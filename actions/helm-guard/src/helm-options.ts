/**
 * Two inputs that depend on what `helm upgrade` is told: the deadline of every helm process (T1:
 * `helm-timeout-minutes`, longer than helm's own `--timeout`) and the flags that make helm print rendered
 * values (C3: `--debug`, `-v`, `--dry-run` next to `set-secret` are refused unless `allow-debug-with-secrets`).
 */
import { InputError } from '../../../src/errors';
import { bool, optional, printable, type InputGetter } from '../../../src/inputs';

/** Without helm-timeout-minutes every helm process gets this long (or helm's own --timeout plus a margin). */
export const DEFAULT_HELM_TIMEOUT_MINUTES = 20;
/** Added to helm's own --timeout when the deadline is derived from it (helm needs time to clean up). */
export const HELM_TIMEOUT_MARGIN_MINUTES = 5;
export const MIN_HELM_TIMEOUT_MINUTES = 0.05;
export const MAX_HELM_TIMEOUT_MINUTES = 360;

const GO_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`300s`, `5m`, `1h30m`) in milliseconds; undefined when it is not one. */
export function goDurationMs(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    total += Number(part[1]) * (GO_UNIT_MS[part[2] as string] as number);
  return total;
}

/** helm's own `--timeout` in extra-args (`--timeout=10m`, or `--timeout` and `10m` on two lines). */
export function extraArgsTimeout(extraArgs: readonly string[]): string | undefined {
  let found: string | undefined;
  extraArgs.forEach((arg, index) => {
    if (arg.startsWith('--timeout=')) found = arg.slice('--timeout='.length);
    else if (arg === '--timeout') found = extraArgs[index + 1];
  });
  return found;
}

const minutes = (ms: number): string => `${Math.round((ms / 60_000) * 100) / 100} minute(s)`;

/**
 * T1: how long any helm process may run. helm-timeout-minutes when given (it must exceed helm's own
 * --timeout, twice it with --atomic, which waits again while rolling back); otherwise 20 minutes, or helm's
 * --timeout (×2 with --atomic) plus 5 minutes when that is longer.
 */
export function helmDeadlineMs(
  get: InputGetter,
  helm: { timeout?: string; atomic: boolean; extraArgs: readonly string[] },
): number {
  const helmTimeoutText = extraArgsTimeout(helm.extraArgs) ?? helm.timeout;
  const helmTimeoutMs = helmTimeoutText === undefined ? undefined : goDurationMs(helmTimeoutText);
  if (helmTimeoutText !== undefined && helmTimeoutMs === undefined) {
    throw new InputError(
      `Input 'extra-args': --timeout must be a duration such as 300s, 5m or 1h30m, got '${printable(helmTimeoutText)}'.`,
    );
  }
  const atomic = helm.atomic || helm.extraArgs.some((arg) => arg === '--atomic' || arg === '--atomic=true');
  const helmNeedsMs = (helmTimeoutMs ?? 0) * (atomic ? 2 : 1);
  const given = optional(get, 'helm-timeout-minutes');
  if (given === undefined)
    return Math.max(
      DEFAULT_HELM_TIMEOUT_MINUTES * 60_000,
      helmNeedsMs + HELM_TIMEOUT_MARGIN_MINUTES * 60_000,
    );
  const value = /^\d+(\.\d+)?$/.test(given) ? Number(given) : NaN;
  if (!(value >= MIN_HELM_TIMEOUT_MINUTES && value <= MAX_HELM_TIMEOUT_MINUTES)) {
    throw new InputError(
      `Input 'helm-timeout-minutes' must be a number of minutes between ${MIN_HELM_TIMEOUT_MINUTES} and ${MAX_HELM_TIMEOUT_MINUTES}, got '${printable(given)}'.`,
    );
  }
  const deadlineMs = value * 60_000;
  if (helmTimeoutMs !== undefined && deadlineMs <= helmNeedsMs) {
    throw new InputError(
      `Input 'helm-timeout-minutes' (${minutes(deadlineMs)}) must be longer than helm's own --timeout ${printable(helmTimeoutText as string)}${atomic ? ' twice over (--atomic waits again while rolling back)' : ''}, or helm would be stopped while it is still within its own limit.`,
    );
  }
  return deadlineMs;
}

/** Flags that make helm print rendered values or manifests (where set-secret values appear). */
export function valuePrintingFlags(extraArgs: readonly string[]): string[] {
  return extraArgs.filter(
    (arg) =>
      /^--debug(=(true|1))?$/i.test(arg) ||
      /^--?v(=?\d+)?$/.test(arg) ||
      (/^--dry-run(=|$)/.test(arg) && !/^--dry-run=(none|false|0)$/i.test(arg)),
  );
}

/**
 * C3: `--debug`, `-v` or `--dry-run` with set-secret makes helm print the rendered values. Refused unless
 * `allow-debug-with-secrets: true`; then the flags are returned so the run warns (the values are still
 * redacted in every form registered for them).
 */
export function debugWithSecrets(
  get: InputGetter,
  extraArgs: readonly string[],
  hasSecrets: boolean,
): string[] {
  const allowed = bool(get, 'allow-debug-with-secrets', false);
  const flags = hasSecrets ? valuePrintingFlags(extraArgs) : [];
  if (flags.length > 0 && !allowed) {
    throw new InputError(
      `Input 'extra-args' has ${flags.map((flag) => `'${printable(flag)}'`).join(', ')} while 'set-secret' is given: helm then prints the rendered values, secrets included. Remove the flag, or set allow-debug-with-secrets: true to run anyway (a warning; the set-secret values stay redacted in every form we know of).`,
    );
  }
  return flags;
}
