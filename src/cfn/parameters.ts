import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Parameter, Tag } from '@aws-sdk/client-cloudformation';
import { InputError } from '../errors';
import { printable, resolveInWorkspace } from '../inputs';
import type { TemplateParameter } from './template';

export interface ParameterOverride {
  key: string;
  value?: string;
  usePrevious?: boolean;
}

const PARAM_KEY = /^[A-Za-z0-9]{1,255}$/;

/**
 * Split `a=1,b="x,y",c=3` on commas outside double quotes. A quoted value keeps its commas;
 * `""` inside quotes is a literal quote. Newlines separate entries too.
 */
export function splitKeyValueList(
  text: string,
  input: string,
  isKey: (key: string) => boolean = (key) => key.length > 0,
): [string, string][] {
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at] as string;
    if (char === '"') {
      if (quoted && text[at + 1] === '"') {
        current += '"';
        at++;
        continue;
      }
      quoted = !quoted;
      continue;
    }
    if (!quoted && (char === ',' || char === '\n')) {
      entries.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (quoted) throw new InputError(`Input '${input}' has an unterminated double quote.`);
  entries.push(current);
  const split = entries
    .map((raw, index) => ({ entry: raw.replace(/\r$/, ''), position: index + 1 }))
    .filter(({ entry }) => entry.trim() !== '')
    .map(({ entry, position }) => {
      const equals = entry.indexOf('=');
      return equals > 0
        ? { key: entry.slice(0, equals).trim(), value: entry.slice(equals + 1), position }
        : { key: '', value: '', position };
    });
  // C3: a PEM block given without quotes is split at its line breaks, and its lines read as more entries (a
  // base64 line ending in '=' even as a key): refuse it naming the key it belongs to, never its lines.
  const pem = split.find(
    ({ key, value }) =>
      isKey(key) && /-----BEGIN [A-Z0-9 ]+-----/.test(value) && !/-----END [A-Z0-9 ]+-----/.test(value),
  );
  if (pem) {
    throw new InputError(
      `Input '${input}': the value of '${pem.key}' is a PEM block split at its line breaks: put it in double quotes (${pem.key}="..."), or give the values as JSON or file://.`,
    );
  }
  // C3: an entry that is not Key=Value may be part of a secret value: named by its position only.
  const invalid = split.find(({ key }) => !isKey(key));
  if (invalid) {
    throw new InputError(
      `Input '${input}': entry ${invalid.position} is not Key=Value (a valid name, then '='). A value with commas or line breaks must be in double quotes (Key="..."), or given as JSON or file://.`,
    );
  }
  return split.map(({ key, value }) => [key, value]);
}

/** Where a JSON or YAML parse error is, without the text around it (the text may hold a secret value). */
export function parseErrorLocation(error: unknown): string {
  const yamlPos = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
  if (yamlPos) return `at line ${yamlPos.line}, column ${yamlPos.col}`;
  const message = error instanceof Error ? error.message : '';
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return `at line ${lineColumn[1]}, column ${lineColumn[2]}`;
  const position = /at position (\d+)/.exec(message);
  if (position) return `at character ${Number(position[1]) + 1}`;
  return /Unexpected end of JSON input/.test(message) ? 'at the end (it is cut short)' : 'somewhere';
}

function loadStructured(value: string, input: string, root?: string): unknown {
  const relative = value.slice('file://'.length);
  const absolute = resolveInWorkspace(relative, input, root);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch {
    throw new InputError(`Input '${input}': file not found: '${printable(relative)}'.`);
  }
  try {
    return text.trimStart().startsWith('[') || text.trimStart().startsWith('{')
      ? JSON.parse(text)
      : parseYaml(text);
  } catch (e) {
    // C3: never the parser's message: it quotes the text around the error, which may be a secret value.
    throw new InputError(
      `Input '${input}': '${printable(relative)}' is not valid JSON or YAML (error ${parseErrorLocation(e)}).`,
    );
  }
}

/** A `file://` JSON/YAML file or inline JSON; undefined for anything else (Key=Value text). */
function structured(value: string, input: string, root?: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith('file://')) return loadStructured(trimmed, input, root);
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch (e) {
    throw new InputError(
      `Input '${input}' looks like JSON but does not parse (error ${parseErrorLocation(e)}).`,
    );
  }
}

function scalar(value: unknown, input: string, key: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number'))
    return value.join(',');
  throw new InputError(
    `Input '${input}': the value of '${printable(key)}' must be a string, number, boolean or list.`,
  );
}

/** A JSON/YAML map's entries as (key, scalar value) pairs. */
function mapEntries(data: object, input: string): [string, string][] {
  return Object.entries(data as Record<string, unknown>).map(([key, value]) => [
    key,
    scalar(value, input, key),
  ]);
}

const NOT_A_LIST = (input: string) =>
  new InputError(`Input '${input}' must be Key=Value pairs, a JSON list, or a JSON/YAML map.`);

/**
 * `parameter-overrides`: `Key=Value,Key2="a,b"` (newlines also separate), or `file://path` to a JSON list of
 * `{ParameterKey, ParameterValue | UsePreviousValue}` or a JSON/YAML map. Inline YAML/JSON maps are accepted too.
 */
export function parseParameterOverrides(
  value: string | undefined,
  input = 'parameter-overrides',
  root?: string,
): ParameterOverride[] {
  if (!value) return [];
  const data = structured(value, input, root);
  let overrides: ParameterOverride[];
  if (data === undefined) {
    overrides = splitKeyValueList(value, input, (key) => PARAM_KEY.test(key)).map(([key, text]) => ({
      key,
      value: text,
    }));
  } else if (Array.isArray(data)) {
    overrides = data.map((item: unknown, index) => {
      const entry = item as Record<string, unknown>;
      if (!entry || typeof entry !== 'object' || typeof entry.ParameterKey !== 'string') {
        throw new InputError(`Input '${input}': item ${index + 1} must be an object with ParameterKey.`);
      }
      if (entry.UsePreviousValue === true) return { key: entry.ParameterKey, usePrevious: true };
      return { key: entry.ParameterKey, value: scalar(entry.ParameterValue, input, entry.ParameterKey) };
    });
  } else if (data && typeof data === 'object') {
    overrides = mapEntries(data, input).map(([key, text]) => ({ key, value: text }));
  } else {
    throw NOT_A_LIST(input);
  }
  const seen = new Set<string>();
  for (const [index, override] of overrides.entries()) {
    // C3: an invalid name is not quoted (a JSON/YAML key may be a value written in the wrong place).
    if (!PARAM_KEY.test(override.key))
      throw new InputError(
        `Input '${input}': entry ${index + 1} does not have a valid parameter name (letters and digits, at most 255).`,
      );
    if (seen.has(override.key))
      throw new InputError(`Input '${input}': parameter '${override.key}' is given twice.`);
    seen.add(override.key);
  }
  return overrides;
}

/** `tags`: `Key=Value` pairs, a JSON list of `{Key, Value}`, or a JSON/YAML map (inline or file://). */
export function parseTags(value: string | undefined, input = 'tags', root?: string): Tag[] {
  if (!value) return [];
  const trimmed = value.trim();
  let data = structured(value, input, root);
  if (data === undefined && /^[^=\n]+:\s/m.test(trimmed) && !trimmed.includes('=')) {
    data = parseYaml(trimmed);
  }
  let tags: Tag[];
  if (data === undefined) tags = splitKeyValueList(value, input).map(([Key, Value]) => ({ Key, Value }));
  else if (Array.isArray(data)) {
    tags = data.map((entry: Record<string, unknown>, index) => {
      if (!entry || typeof entry.Key !== 'string')
        throw new InputError(`Input '${input}': item ${index + 1} must be {"Key": ..., "Value": ...}.`);
      return { Key: entry.Key, Value: scalar(entry.Value ?? '', input, entry.Key) };
    });
  } else if (data && typeof data === 'object') {
    tags = mapEntries(data, input).map(([Key, Value]) => ({ Key, Value }));
  } else throw NOT_A_LIST(input);
  assertValidTags(tags, input);
  return tags;
}

/** CloudFormation's limits on stack tags: at most 50, keys 1-128 characters, values at most 256. */
export const TAG_LIMITS = { count: 50, keyLength: 128, valueLength: 256 } as const;

/**
 * L1: tags CloudFormation would refuse mid-deploy are refused before any call: at most 50, unique keys, keys of
 * 1-128 characters not starting with `aws:` (reserved), values of at most 256 characters (never quoted).
 */
export function assertValidTags(tags: readonly Tag[], input = 'tags'): void {
  if (tags.length > TAG_LIMITS.count)
    throw new InputError(
      `Input '${input}' has ${tags.length} tags; CloudFormation takes at most ${TAG_LIMITS.count}.`,
    );
  const seen = new Set<string>();
  for (const tag of tags) {
    const key = tag.Key ?? '';
    if (!key || [...key].length > TAG_LIMITS.keyLength || /^aws:/i.test(key)) {
      throw new InputError(
        `Input '${input}': tag key '${printable(key)}' is invalid (1-${TAG_LIMITS.keyLength} characters, not starting with aws:).`,
      );
    }
    if (seen.has(key)) throw new InputError(`Input '${input}': tag key '${printable(key)}' is given twice.`);
    seen.add(key);
    if ([...(tag.Value ?? '')].length > TAG_LIMITS.valueLength)
      throw new InputError(
        `Input '${input}': the value of tag '${printable(key)}' is longer than ${TAG_LIMITS.valueLength} characters.`,
      );
  }
}

/**
 * The Parameters list for CreateChangeSet. Overrides must name parameters the template declares.
 * On update, parameters the stack already has and the overrides omit are sent as UsePreviousValue (R-safe:
 * a deploy never silently resets a parameter to its default).
 */
export function buildParameters(
  overrides: ParameterOverride[],
  templateParams: string[] | undefined,
  existingStackParams: string[] | undefined,
): Parameter[] {
  if (templateParams) assertDeclaredOverrides(overrides, templateParams);
  const params: Parameter[] = overrides.map((override) =>
    override.usePrevious
      ? { ParameterKey: override.key, UsePreviousValue: true }
      : { ParameterKey: override.key, ParameterValue: override.value ?? '' },
  );
  if (existingStackParams) {
    const given = new Set(overrides.map((override) => override.key));
    for (const name of existingStackParams) {
      if (given.has(name)) continue;
      if (templateParams && !templateParams.includes(name)) continue;
      params.push({ ParameterKey: name, UsePreviousValue: true });
    }
  }
  return params;
}

/** The overrides that name parameters the template does not declare. */
export function undeclaredOverrides(
  overrides: readonly ParameterOverride[],
  declared: readonly string[],
): string[] {
  return overrides.filter((override) => !declared.includes(override.key)).map((override) => override.key);
}

/** L1: every override must name a declared parameter (CloudFormation would reject the change set). */
export function assertDeclaredOverrides(
  overrides: readonly ParameterOverride[],
  declared: readonly string[],
  input = 'parameter-overrides',
): void {
  const unknown = undeclaredOverrides(overrides, declared);
  if (unknown.length > 0) {
    throw new InputError(`${input} name parameters the template does not declare: ${unknown.join(', ')}.`);
  }
}

/**
 * Required parameters (no Default) that would get no value: not overridden with a value, and no previous
 * value to keep (`previous` = the parameter names of the stack that will be updated; undefined when the
 * stack is created, or deleted and created again). A `UsePreviousValue` override needs a previous value too.
 */
export function missingRequiredParameters(
  params: readonly TemplateParameter[],
  overrides: readonly ParameterOverride[],
  previous: readonly string[] | undefined,
): string[] {
  const given = new Map(overrides.map((override) => [override.key, override]));
  const kept = new Set(previous ?? []);
  return params
    .filter((param) => !param.hasDefault)
    .filter((param) => {
      const override = given.get(param.name);
      if (override && !override.usePrevious) return false;
      return !kept.has(param.name);
    })
    .map((param) => param.name);
}

/**
 * L1: refuse before any mutating call when a required parameter would get no value (CloudFormation would
 * reject it mid-deploy; on a first create that leaves the stack in ROLLBACK_COMPLETE or REVIEW_IN_PROGRESS).
 */
export function assertRequiredParameters(
  params: readonly TemplateParameter[],
  overrides: readonly ParameterOverride[],
  previous: readonly string[] | undefined,
  stackName: string,
  input = 'parameter-overrides',
): void {
  const missing = missingRequiredParameters(params, overrides, previous);
  if (missing.length === 0) return;
  const why = previous
    ? `stack ${stackName} has no previous value for ${missing.length === 1 ? 'it' : 'them'}`
    : `stack ${stackName} will be created, so there are no previous values to keep`;
  throw new InputError(
    `The template requires parameter(s) without a default that get no value: ${missing.join(', ')} (${why}). Add ${missing.length === 1 ? 'it' : 'them'} to ${input}.`,
  );
}
