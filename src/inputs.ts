import fs from 'node:fs';
import path from 'node:path';
import { InputError } from './errors';

/** Reads one raw input by its action.yml name; '' when unset. Tests pass a plain map. */
export type InputGetter = (name: string) => string;

/** The runner's way: INPUT_<NAME> with spaces as underscores, upper-cased (same as @actions/core). */
export function envInputGetter(env: NodeJS.ProcessEnv): InputGetter {
  return (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export const envInputs: InputGetter = envInputGetter(process.env);

export function mapInputs(values: Record<string, string | undefined>): InputGetter {
  return (name) => (values[name] ?? '').trim();
}

/** Empty string means "not given". */
export function optional(get: InputGetter, name: string): string | undefined {
  const v = get(name).trim();
  return v === '' ? undefined : v;
}

export function required(get: InputGetter, name: string): string {
  const v = optional(get, name);
  if (v === undefined) throw new InputError(`Input '${name}' is required.`);
  return v;
}

const TRUE = new Set(['true', 'yes', '1', 'on']);
const FALSE = new Set(['false', 'no', '0', 'off']);

export function bool(get: InputGetter, name: string, def: boolean): boolean {
  const v = optional(get, name);
  if (v === undefined) return def;
  const l = v.toLowerCase();
  if (TRUE.has(l)) return true;
  if (FALSE.has(l)) return false;
  throw new InputError(`Input '${name}' must be true or false, got '${v}'.`);
}

export function oneOf<T extends string>(get: InputGetter, name: string, allowed: readonly T[], def: T): T {
  const v = optional(get, name);
  if (v === undefined) return def;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new InputError(`Input '${name}' must be one of ${allowed.join(' | ')}, got '${v}'.`);
}

export function int(
  get: InputGetter,
  name: string,
  def: number | undefined,
  min: number,
  max: number,
): number | undefined {
  const v = optional(get, name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new InputError(`Input '${name}' must be a whole number, got '${v}'.`);
  const n = Number(v);
  if (n < min || n > max)
    throw new InputError(`Input '${name}' must be between ${min} and ${max}, got ${n}.`);
  return n;
}

/** Lines (or comma-separated items when `commas`), trimmed, blanks and `#` comments dropped. */
export function list(get: InputGetter, name: string, commas = false): string[] {
  const v = get(name);
  return v
    .split(commas ? /[\n,]/ : /\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
}

// ---- validators (L1): every value is checked before any AWS call ----

export const STACK_NAME = /^[A-Za-z][-A-Za-z0-9]{0,127}$/;
export const ACCOUNT_ID = /^\d{12}$/;
export const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
export const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:[\x21-\x7e]{1,1900}$/;
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

export function validateStackName(name: string, input = 'name'): string {
  if (!STACK_NAME.test(name)) {
    throw new InputError(
      `Input '${input}' is not a valid stack name: '${printable(name)}' (must match ${STACK_NAME.source}: a letter, then letters, digits or hyphens, at most 128).`,
    );
  }
  return name;
}

export function validateRegion(region: string | undefined): string {
  if (!region)
    throw new InputError(
      'No AWS region: set AWS_REGION (aws-actions/configure-aws-credentials does) or the aws-region input.',
    );
  if (!REGION.test(region)) throw new InputError(`'${printable(region)}' is not a valid AWS region.`);
  return region;
}

export function validateArn(value: string, input: string, re: RegExp = ARN, kind = 'ARN'): string {
  if (!re.test(value))
    throw new InputError(`Input '${input}' is not a valid ${kind}: '${printable(value)}'.`);
  return value;
}

export function validateAccountId(value: string, input = 'expected-account-id'): string {
  if (!ACCOUNT_ID.test(value))
    throw new InputError(`Input '${input}' must be a 12-digit AWS account id, got '${printable(value)}'.`);
  return value;
}

/** The workspace root that local paths must stay inside. */
export function workspaceRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.GITHUB_WORKSPACE || process.cwd());
}

function isOutside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}

/** The real path of `p`, or of its deepest existing ancestor joined with the rest (for paths not created yet). */
function realPathOf(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest.reverse());
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new InputError(`'${printable(p)}' is a loop of symbolic links.`);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      // A dangling symbolic link: follow its target lexically, so a link to a missing outside file is caught.
      let link: string | undefined;
      try {
        link = fs.readlinkSync(cur);
      } catch {
        link = undefined;
      }
      if (link !== undefined) {
        cur = path.resolve(path.dirname(cur), link);
        continue;
      }
      const parent = path.dirname(cur);
      if (parent === cur) return path.join(cur, ...rest.reverse());
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/**
 * Resolve a user path and refuse anything that escapes the workspace: `../../etc/passwd`, absolute paths
 * elsewhere, and (X1) symbolic links — at any depth, dangling or not — whose target is outside. Returns the
 * real path, so what is read later is what was checked.
 */
export function resolveInWorkspace(p: string, input: string, root = workspaceRoot()): string {
  if (p.includes('\0')) throw new InputError(`Input '${input}' contains a NUL byte.`);
  const abs = path.resolve(root, p);
  if (isOutside(root, abs)) {
    throw new InputError(
      `Input '${input}' must be a path inside the workspace (${root}), got '${printable(p)}'.`,
    );
  }
  const realRoot = realPathOf(root);
  const real = realPathOf(abs);
  if (isOutside(realRoot, real)) {
    throw new InputError(
      `Input '${input}' must be a path inside the workspace (${root}), but '${printable(p)}' is a symbolic link (or lies under one) that leads outside it, to ${printable(real)} (X1).`,
    );
  }
  return real;
}

/** Show a bad value safely in one line: control characters escaped, long values cut. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  const one = s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return one.length > 80 ? `${one.slice(0, 77)}...` : one;
}

const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
const RESOURCE_TYPE = /^[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}(::MODULE)?$/;

/** `destructive-allow-list`: logical ids or resource types (AWS::Lambda::Version) whose removal/replacement is accepted. */
export function destructiveAllowList(get: InputGetter, name = 'destructive-allow-list'): string[] {
  const items = list(get, name, true);
  for (const a of items) {
    if (!LOGICAL_ID.test(a) && !RESOURCE_TYPE.test(a)) {
      throw new InputError(
        `Input '${name}': '${printable(a)}' is neither a logical id nor a resource type like AWS::Lambda::Version.`,
      );
    }
  }
  return items;
}

/** `environment`: a label used in plan headers and PR-comment markers. */
export function environmentLabel(get: InputGetter, name = 'environment'): string | undefined {
  const environment = optional(get, name);
  if (environment && !/^[\w.\- /]{1,64}$/.test(environment)) {
    throw new InputError(
      `Input '${name}' may use letters, digits, space and _.-/ (at most 64), got '${printable(environment)}'.`,
    );
  }
  return environment;
}
