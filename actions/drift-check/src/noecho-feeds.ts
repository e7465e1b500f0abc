/**
 * C3: which property values of a stack are fed by a NoEcho parameter. CloudFormation masks a NoEcho parameter's
 * own value, but not the value of a property it feeds: drift detection reports its expected and actual value,
 * a drift-aware change set its previous, live and proposed value. The deployed template (GetTemplate, after
 * transforms) says which properties `Ref` a NoEcho parameter — directly or inside `Fn::Sub`, `Fn::Join`,
 * `Fn::If` …; the values at those paths are redacted in every mode and every table, log line, report and
 * comment. When the deployed template cannot be read and the stack has NoEcho parameters, every property value
 * is redacted (nothing else can be known).
 */
import {
  GetTemplateCommand,
  GetTemplateSummaryCommand,
  type Change,
  type CloudFormationClient,
  type ResourceChangeDetail,
} from '@aws-sdk/client-cloudformation';
import type { Clock } from '../../../src/clock';
import { errorMessage } from '../../../src/errors';
import { parseTemplate, templateParameters } from '../../../src/cfn/template';
import { REDACTED } from '../../../src/secrets';
import { send } from './detect';

/** Paths (`/Prop/Sub/0`) under each resource's Properties whose value a NoEcho parameter feeds. */
export type NoEchoFeeds =
  | { kind: 'paths'; byResource: ReadonlyMap<string, readonly string[]> }
  /** The template could not be read but declares NoEcho parameters: every property value is secret. */
  | { kind: 'unknown'; why: string };

export const NO_FEEDS: NoEchoFeeds = { kind: 'paths', byResource: new Map() };

type Json = unknown;

/** Does this (part of a) template value use one of `names`: `Ref`, or `${Name}` inside `Fn::Sub`? */
function references(value: Json, names: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((item) => references(item, names));
  if (!value || typeof value !== 'object') return false;
  const record = value as Record<string, Json>;
  if (typeof record.Ref === 'string' && names.has(record.Ref)) return true;
  const sub = record['Fn::Sub'];
  const subText = typeof sub === 'string' ? sub : Array.isArray(sub) ? sub[0] : undefined;
  if (typeof subText === 'string') {
    for (const match of subText.matchAll(/\$\{([^!}][^}]*)\}/g))
      if (names.has((match[1] as string).trim())) return true;
  }
  return Object.values(record).some((item) => references(item, names));
}

const isIntrinsic = (value: Json): boolean =>
  !!value &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  /^(Ref|Fn::.+)$/.test(Object.keys(value)[0] as string);

/** Paths of the values that use a NoEcho parameter: the intrinsic function's own position in the tree. */
function fedPaths(value: Json, names: ReadonlySet<string>, at: string, out: string[]): void {
  if (isIntrinsic(value)) {
    if (references(value, names)) out.push(at);
    return;
  }
  if (Array.isArray(value)) value.forEach((item, index) => fedPaths(item, names, `${at}/${index}`, out));
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value as Record<string, Json>))
      fedPaths(item, names, `${at}/${key}`, out);
}

/** NoEcho-fed property paths of one parsed template, per logical id. */
export function noEchoFeedsOf(template: Record<string, unknown>): Map<string, string[]> {
  const names = new Set(
    templateParameters(template)
      .filter((p) => p.noEcho)
      .map((p) => p.name),
  );
  const byResource = new Map<string, string[]>();
  if (names.size === 0) return byResource;
  const resources = (template.Resources ?? {}) as Record<string, { Properties?: Json } | null>;
  for (const [logicalId, resource] of Object.entries(resources)) {
    const paths: string[] = [];
    fedPaths(resource?.Properties, names, '', paths);
    if (paths.length) byResource.set(logicalId, paths);
  }
  return byResource;
}

function mergeFeeds(...maps: Map<string, string[]>[]): Map<string, string[]> {
  const merged = new Map<string, string[]>();
  for (const map of maps)
    for (const [logicalId, paths] of map) merged.set(logicalId, [...(merged.get(logicalId) ?? []), ...paths]);
  return merged;
}

/** Path segments, list indices as `#` (a live list may be ordered differently from the template's). */
const segments = (path: string): string[] =>
  path
    .replace(/^\/?Properties(?=\/|$)/, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => (/^\d+$/.test(segment) ? '#' : segment));

/** `path` is, contains or lies inside a NoEcho-fed path of `logicalId`. */
export function isFedPath(feeds: NoEchoFeeds, logicalId: string, path: string): boolean {
  if (feeds.kind === 'unknown') return true;
  const fed = feeds.byResource.get(logicalId);
  if (!fed) return false;
  const wanted = segments(path);
  return fed.some((candidate) => {
    const known = segments(candidate);
    const shared = Math.min(known.length, wanted.length);
    for (let index = 0; index < shared; index++) if (known[index] !== wanted[index]) return false;
    return true;
  });
}

/** A change set detail whose values a NoEcho parameter feeds (by path, else by top-level property name). */
export function isFedDetail(feeds: NoEchoFeeds, logicalId: string, detail: ResourceChangeDetail): boolean {
  const target = detail.Target;
  if (!target || (target.Attribute && target.Attribute !== 'Properties')) return feeds.kind === 'unknown';
  const path = target.Path ?? (target.Name ? `/${target.Name}` : undefined);
  return path === undefined ? feeds.kind === 'unknown' : isFedPath(feeds, logicalId, path);
}

/** The changes with every NoEcho-fed value replaced by REDACTED (what the plan and the gate render). */
export function redactFedChanges(changes: Change[], feeds: NoEchoFeeds): Change[] {
  return changes.map((change) => {
    const resourceChange = change.ResourceChange;
    if (!resourceChange?.Details) return change;
    const logicalId = resourceChange.LogicalResourceId ?? '';
    const anyFed = resourceChange.Details.some((detail) => isFedDetail(feeds, logicalId, detail));
    return {
      ...change,
      ResourceChange: {
        ...resourceChange,
        // The whole-resource contexts hold every property value, fed ones included.
        ...(anyFed && resourceChange.BeforeContext !== undefined ? { BeforeContext: REDACTED } : {}),
        ...(anyFed && resourceChange.AfterContext !== undefined ? { AfterContext: REDACTED } : {}),
        Details: resourceChange.Details.map((detail) => {
          const target = detail.Target;
          if (!target || !isFedDetail(feeds, logicalId, detail)) return detail;
          const hide = (value: string | undefined) => (value === undefined ? undefined : REDACTED);
          return {
            ...detail,
            Target: {
              ...target,
              BeforeValue: hide(target.BeforeValue),
              AfterValue: hide(target.AfterValue),
              ...(target.Drift
                ? {
                    Drift: {
                      ...target.Drift,
                      PreviousValue: hide(target.Drift.PreviousValue),
                      ActualValue: hide(target.Drift.ActualValue),
                    },
                  }
                : {}),
            },
          };
        }),
      },
    };
  });
}

/**
 * Learn which values NoEcho parameters feed in `stackName`: its deployed template (GetTemplate, processed) and
 * the given template body, if any. Reads only. When the deployed template cannot be read or parsed, the
 * stack's NoEcho parameters (GetTemplateSummary) decide: none → nothing to redact; some → every value.
 */
export async function learnNoEchoFeeds(
  deps: { cfn: CloudFormationClient; clock: Clock },
  stackName: string,
  givenTemplateBody?: string,
): Promise<NoEchoFeeds> {
  const given = givenTemplateBody === undefined ? new Map() : noEchoFeedsOf(parseTemplate(givenTemplateBody));
  try {
    const answer = await send(deps.clock, () =>
      deps.cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Processed' })),
    );
    if (typeof answer?.TemplateBody !== 'string') throw new Error('GetTemplate returned no template body');
    return {
      kind: 'paths',
      byResource: mergeFeeds(noEchoFeedsOf(parseTemplate(answer.TemplateBody)), given),
    };
  } catch (e) {
    const summary = await send(deps.clock, () =>
      deps.cfn.send(new GetTemplateSummaryCommand({ StackName: stackName })),
    );
    const noEcho = (summary?.Parameters ?? []).filter((parameter) => parameter.NoEcho === true);
    if (noEcho.length === 0) return { kind: 'paths', byResource: given };
    return {
      kind: 'unknown',
      why: `the deployed template could not be read (${errorMessage(e).split('\n')[0]}) and it declares NoEcho parameter(s) ${noEcho.map((parameter) => parameter.ParameterKey).join(', ')}`,
    };
  }
}
