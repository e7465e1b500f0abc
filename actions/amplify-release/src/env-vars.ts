import { parse as parseYaml } from 'yaml';
import { InputError } from '../../../src/errors';
import { printable } from '../../../src/inputs';

/** Amplify environment variable names: letters, digits, underscores; not starting with a digit. */
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
/** Amplify refuses values longer than this. */
export const ENV_VALUE_MAX = 5500;
/**
 * Keys whose values are treated as secret even when not listed in `secret-keys` (any case, anywhere in the
 * name): SECRET, TOKEN, PASSWORD/PASSWD/PASSPHRASE/PWD, KEY, CREDENTIAL, PRIVATE, AUTH, CERT, SIGNATURE, SALT,
 * COOKIE, SESSION, DSN and connection strings.
 */
export const SECRET_KEY_PATTERN =
  /SECRET|TOKEN|PASSW(OR)?D|PASSPHRASE|PWD|KEY|CREDENTIAL|PRIVATE|AUTH|CERT|SIGNATURE|SALT|COOKIE|SESSION|DSN|CONN(ECTION)?_?STR/i;

export type EnvMap = Record<string, string>;
export type EnvScope = 'branch' | 'app';
export type EnvChangeKind = 'added' | 'changed' | 'unchanged';

export interface EnvChange {
  key: string;
  change: EnvChangeKind;
}

export interface EnvMerge {
  /** The full map to send (the API replaces the whole map). */
  merged: EnvMap;
  /** One row per key that was passed, sorted by key. */
  changes: EnvChange[];
  changed: boolean;
}

export function isSecretKey(key: string, secretKeys: ReadonlySet<string>): boolean {
  return secretKeys.has(key) || SECRET_KEY_PATTERN.test(key);
}

/**
 * Parse the `environment-variables` input: multiline `KEY=VALUE` lines, or a JSON / YAML map.
 * Error messages name keys and line numbers, never values (a value may be a secret, C3).
 */
export function parseEnvVars(text: string, input = 'environment-variables'): EnvMap {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  const lines = trimmed.split(/\r?\n/);
  const meaningful = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const looksLikeDotenv =
    !trimmed.startsWith('{') && meaningful.every((l) => /^\s*[^\s=:"'{}[\]#]+\s*=/.test(l));
  return looksLikeDotenv ? parseDotenv(lines, input) : parseMap(trimmed, input);
}

function parseDotenv(lines: string[], input: string): EnvMap {
  const out: EnvMap = {};
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = line.indexOf('=');
    const key = line.slice(0, at).trim();
    const value = unquote(line.slice(at + 1).trim());
    addEntry(out, key, value, input, `line ${i + 1}`);
  });
  return out;
}

/** `"a b"` or `'a b'` → `a b` (one matching pair, as dotenv files do); anything else is literal. */
function unquote(text: string): string {
  const quote = text[0];
  return text.length >= 2 && (quote === '"' || quote === "'") && text.endsWith(quote)
    ? text.slice(1, -1)
    : text;
}

function parseMap(text: string, input: string): EnvMap {
  let doc: unknown;
  try {
    // JSON is YAML; one parser for both. The failsafe schema keeps every scalar exactly as written
    // (`01234` stays `01234`, `1.0` stays `1.0`). The parser's message quotes the source, so it is not shown (C3).
    doc = parseYaml(text, { schema: 'failsafe', uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    const pos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const where = pos ? ` (line ${pos.line}, column ${pos.col})` : '';
    const dup = /duplicate key|unique/i.test((e as Error).message ?? '') ? ': a key appears twice' : '';
    throw new InputError(
      `Input '${input}' is neither KEY=VALUE lines nor a valid JSON/YAML map${where}${dup}. Values are not shown because they may be secret.`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(
      `Input '${input}' must be KEY=VALUE lines or a JSON/YAML map of names to values, got a ${Array.isArray(doc) ? 'list' : typeof doc}.`,
    );
  }
  const out: EnvMap = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new InputError(
        `Input '${input}': the value of '${printable(key)}' must be a string, number or boolean, got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}.`,
      );
    }
    addEntry(out, key, String(value), input, `key '${printable(key)}'`);
  }
  return out;
}

function addEntry(out: EnvMap, key: string, value: string, input: string, where: string): void {
  if (!ENV_KEY.test(key)) {
    throw new InputError(
      `Input '${input}' ${where}: '${printable(key)}' is not a valid variable name (letters, digits and underscores, not starting with a digit, at most 255).`,
    );
  }
  if (key.startsWith('AWS')) {
    throw new InputError(
      `Input '${input}' ${where}: '${key}' starts with AWS, a prefix Amplify reserves for its own variables.`,
    );
  }
  if (Object.prototype.hasOwnProperty.call(out, key)) {
    throw new InputError(`Input '${input}': '${key}' is given twice.`);
  }
  if (value.length > ENV_VALUE_MAX) {
    throw new InputError(
      `Input '${input}': the value of '${key}' is ${value.length} characters; Amplify allows at most ${ENV_VALUE_MAX}.`,
    );
  }
  out[key] = value;
}

/**
 * Key-wise merge (H5): `current` may be missing or `null` (a new or wiped app) and is then `{}`.
 * Keys in `wanted` are set; every other key is kept untouched.
 */
export function mergeEnv(current: EnvMap | null | undefined, wanted: EnvMap): EnvMerge {
  const base: EnvMap = current && typeof current === 'object' ? { ...current } : {};
  const changes: EnvChange[] = [];
  for (const key of Object.keys(wanted).sort()) {
    const value = wanted[key] as string;
    const had = Object.prototype.hasOwnProperty.call(base, key);
    const change: EnvChangeKind = !had ? 'added' : base[key] === value ? 'unchanged' : 'changed';
    changes.push({ key, change });
    base[key] = value;
  }
  return { merged: base, changes, changed: changes.some((c) => c.change !== 'unchanged') };
}
