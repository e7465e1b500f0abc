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
export function splitKeyValueList(text: string, input: string): [string, string][] {
  const entries: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') {
      if (quoted && text[i + 1] === '"') {
        cur += '"';
        i++;
        continue;
      }
      quoted = !quoted;
      continue;
    }
    if (!quoted && (ch === ',' || ch === '\n')) {
      entries.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (quoted) throw new InputError(`Input '${input}' has an unterminated double quote.`);
  entries.push(cur);
  const out: [string, string][] = [];
  for (const raw of entries) {
    const e = raw.replace(/\r$/, '');
    if (e.trim() === '') continue;
    const eq = e.indexOf('=');
    if (eq <= 0) throw new InputError(`Input '${input}': expected Key=Value, got '${printable(e.trim())}'.`);
    out.push([e.slice(0, eq).trim(), e.slice(eq + 1)]);
  }
  return out;
}

function loadStructured(value: string, input: string, root?: string): unknown {
  const p = value.slice('file://'.length);
  const abs = resolveInWorkspace(p, input, root);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch {
    throw new InputError(`Input '${input}': file not found: '${printable(p)}'.`);
  }
  try {
    return text.trimStart().startsWith('[') || text.trimStart().startsWith('{')
      ? JSON.parse(text)
      : parseYaml(text);
  } catch (e) {
    throw new InputError(
      `Input '${input}': '${printable(p)}' is not valid JSON or YAML (${(e as Error).message.split('\n')[0]}).`,
    );
  }
}

/** A `file://` JSON/YAML file or inline JSON; undefined for anything else (Key=Value text). */
function structured(value: string, input: string, root?: string): unknown {
  const t = value.trim();
  if (t.startsWith('file://')) return loadStructured(t, input, root);
  if (!t.startsWith('[') && !t.startsWith('{')) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    throw new InputError(`Input '${input}' looks like JSON but does not parse.`);
  }
}

function scalar(v: unknown, input: string, key: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(',');
  throw new InputError(
    `Input '${input}': the value of '${printable(key)}' must be a string, number, boolean or list.`,
  );
}

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
  let out: ParameterOverride[];
  if (data === undefined) {
    out = splitKeyValueList(value, input).map(([key, v]) => ({ key, value: v }));
  } else if (Array.isArray(data)) {
    out = data.map((item, i) => {
      const o = item as Record<string, unknown>;
      if (!o || typeof o !== 'object' || typeof o.ParameterKey !== 'string') {
        throw new InputError(`Input '${input}': item ${i + 1} must be an object with ParameterKey.`);
      }
      if (o.UsePreviousValue === true) return { key: o.ParameterKey, usePrevious: true };
      return { key: o.ParameterKey, value: scalar(o.ParameterValue, input, o.ParameterKey) };
    });
  } else if (data && typeof data === 'object') {
    out = Object.entries(data as Record<string, unknown>).map(([key, v]) => ({
      key,
      value: scalar(v, input, key),
    }));
  } else {
    throw new InputError(`Input '${input}' must be Key=Value pairs, a JSON list, or a JSON/YAML map.`);
  }
  const seen = new Set<string>();
  for (const p of out) {
    if (!PARAM_KEY.test(p.key))
      throw new InputError(`Input '${input}': '${printable(p.key)}' is not a valid parameter name.`);
    if (seen.has(p.key)) throw new InputError(`Input '${input}': parameter '${p.key}' is given twice.`);
    seen.add(p.key);
  }
  return out;
}

/** `tags`: `Key=Value` pairs, a JSON list of `{Key, Value}`, or a JSON/YAML map (inline or file://). */
export function parseTags(value: string | undefined, input = 'tags', root?: string): Tag[] {
  if (!value) return [];
  const t = value.trim();
  let data = structured(value, input, root);
  if (data === undefined && /^[^=\n]+:\s/m.test(t) && !t.includes('=')) {
    data = parseYaml(t);
  }
  let tags: Tag[];
  if (data === undefined) tags = splitKeyValueList(value, input).map(([Key, Value]) => ({ Key, Value }));
  else if (Array.isArray(data)) {
    tags = data.map((o: Record<string, unknown>, i) => {
      if (!o || typeof o.Key !== 'string')
        throw new InputError(`Input '${input}': item ${i + 1} must be {"Key": ..., "Value": ...}.`);
      return { Key: o.Key, Value: scalar(o.Value ?? '', input, o.Key) };
    });
  } else if (data && typeof data === 'object') {
    tags = Object.entries(data as Record<string, unknown>).map(([Key, v]) => ({
      Key,
      Value: scalar(v, input, Key),
    }));
  } else throw new InputError(`Input '${input}' must be Key=Value pairs, a JSON list, or a JSON/YAML map.`);
  for (const tag of tags) {
    if (!tag.Key || tag.Key.length > 128 || tag.Key.startsWith('aws:')) {
      throw new InputError(
        `Input '${input}': tag key '${printable(tag.Key ?? '')}' is invalid (1-128 characters, not starting with aws:).`,
      );
    }
    if ((tag.Value ?? '').length > 256)
      throw new InputError(
        `Input '${input}': the value of tag '${printable(tag.Key)}' is longer than 256 characters.`,
      );
  }
  return tags;
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
  const params: Parameter[] = overrides.map((o) =>
    o.usePrevious
      ? { ParameterKey: o.key, UsePreviousValue: true }
      : { ParameterKey: o.key, ParameterValue: o.value ?? '' },
  );
  if (existingStackParams) {
    const given = new Set(overrides.map((o) => o.key));
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
  return overrides.filter((o) => !declared.includes(o.key)).map((o) => o.key);
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
  const given = new Map(overrides.map((o) => [o.key, o]));
  const kept = new Set(previous ?? []);
  return params
    .filter((p) => !p.hasDefault)
    .filter((p) => {
      const o = given.get(p.name);
      if (o && !o.usePrevious) return false;
      return !kept.has(p.name);
    })
    .map((p) => p.name);
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
