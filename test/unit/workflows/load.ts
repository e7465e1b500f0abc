// Shared loaders for the workflow and action-metadata tests: the files as written, parsed with `yaml`.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export const ROOT = process.cwd();
/** Where our own actions are checked out inside a reusable workflow's job (docs/workflows.md). */
export const SELF_DIR = '.guarded-deploy';
export const OUR_ACTION = /^\.\/\.guarded-deploy\/actions\/([a-z0-9-]+)$/;

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

export interface Job {
  name?: string;
  'runs-on'?: string;
  uses?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean } | string;
  strategy?: { matrix?: unknown; 'max-parallel'?: unknown; 'fail-fast'?: boolean };
  needs?: string | string[];
  if?: string;
  outputs?: Record<string, string>;
  with?: Record<string, unknown>;
  steps?: Step[];
}

export interface WorkflowInput {
  description?: string;
  type?: string;
  required?: boolean;
  default?: unknown;
}

export interface Workflow {
  name?: string;
  on: Record<string, unknown> & {
    workflow_call?: {
      inputs?: Record<string, WorkflowInput>;
      outputs?: Record<string, { description?: string; value: string }>;
      secrets?: Record<string, { description?: string; required?: boolean }>;
    } | null;
  };
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean } | string;
  jobs: Record<string, Job>;
}

export interface WorkflowFile {
  file: string;
  text: string;
  doc: Workflow;
}

function yamlFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export function loadWorkflow(file: string): WorkflowFile {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  // `on` must stay a key: yaml 1.2 does not turn it into `true`.
  return { file, text, doc: parseYaml(text) as Workflow };
}

export const repoWorkflows = (): WorkflowFile[] => yamlFiles('.github/workflows').map(loadWorkflow);
export const exampleWorkflows = (): WorkflowFile[] => yamlFiles('examples/workflows').map(loadWorkflow);
export const reusableWorkflows = (): WorkflowFile[] =>
  repoWorkflows().filter((w) => w.doc.on && 'workflow_call' in w.doc.on);

export interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
}

export interface ActionMeta {
  name?: string;
  description?: string;
  author?: string;
  branding?: { icon?: string; color?: string };
  inputs?: Record<string, ActionInput>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string };
}

/** Every actions/<name>/action.yml present now (drift-check's appears when it is written). */
export function actionNames(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'actions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'actions', d.name, 'action.yml')))
    .map((d) => d.name)
    .sort();
}

export function loadAction(name: string): ActionMeta | undefined {
  const file = path.join(ROOT, 'actions', name, 'action.yml');
  if (!fs.existsSync(file)) return undefined;
  return parseYaml(fs.readFileSync(file, 'utf8')) as ActionMeta;
}

export function steps(job: Job): Step[] {
  return job.steps ?? [];
}

export function permissionsOf(job: Job): Record<string, string> {
  return typeof job.permissions === 'object' && job.permissions !== null ? job.permissions : {};
}

export const usesAwsCredentials = (job: Job): boolean =>
  steps(job).some((s) => (s.uses ?? '').startsWith('aws-actions/configure-aws-credentials@'));

/** Our actions that post a PR comment unless told not to (comment-on-pr defaults to auto). */
const COMMENTING_ACTIONS = new Set(['deploy-stack', 'drift-check', 'deploy-stackset']);

/** A job posts a comment when one of its steps does: our actions with comment-on-pr not never, or the comments API. */
export function postsComment(job: Job): boolean {
  return steps(job).some((s) => {
    const ours = OUR_ACTION.exec(s.uses ?? '');
    if (ours && COMMENTING_ACTIONS.has(ours[1]!))
      return String(s.with?.['comment-on-pr'] ?? 'auto') !== 'never';
    return /\/comments\b/.test(s.run ?? '');
  });
}

/** Problems with one step's use of our action: unknown action, undeclared `with:` keys, missing required inputs. */
export function withProblems(step: Step): string[] {
  const m = OUR_ACTION.exec(step.uses ?? '');
  if (!m) return [`'${step.uses}' is not ./${SELF_DIR}/actions/<name>`];
  const meta = loadAction(m[1]!);
  if (!meta) return [`actions/${m[1]}/action.yml does not exist`];
  const inputs = meta.inputs ?? {};
  const given = step.with ?? {};
  return [
    ...Object.keys(given)
      .filter((k) => !(k in inputs))
      .map((k) => `${m[1]}: input '${k}' is not declared in action.yml`),
    ...Object.entries(inputs)
      .filter(([k, i]) => i.required && !(k in given))
      .map(([k]) => `${m[1]}: required input '${k}' is not given`),
  ];
}

/** Expressions pasted into `run:` scripts (script injection): every `${{ ... }}` found, with its job. */
export function runExpressions(doc: Workflow): string[] {
  return Object.entries(doc.jobs).flatMap(([job, j]) =>
    steps(j).flatMap((s) => [...(s.run ?? '').matchAll(/\$\{\{[^}]*\}\}/g)].map((m) => `${job}: ${m[0]}`)),
  );
}

/** A caller job of one of our reusable workflows (`your-org/guarded-deploy/.github/workflows/<file>@vN`). */
export const OUR_WORKFLOW = /^your-org\/guarded-deploy\/\.github\/workflows\/([\w.-]+\.ya?ml)@v\d+$/;

/** Problems with a caller's `with:` for one of our reusable workflows: unknown file, undeclared or missing inputs. */
export function callerProblems(job: Job): string[] {
  const m = OUR_WORKFLOW.exec(job.uses ?? '');
  if (!m) return [`'${job.uses}' is not one of our reusable workflows`];
  const file = path.join(ROOT, '.github/workflows', m[1]!);
  if (!fs.existsSync(file)) return [`.github/workflows/${m[1]} does not exist`];
  const inputs = loadWorkflow(`.github/workflows/${m[1]}`).doc.on.workflow_call?.inputs ?? {};
  const given = job.with ?? {};
  return [
    ...Object.keys(given)
      .filter((k) => !(k in inputs))
      .map((k) => `${m[1]}: input '${k}' is not declared`),
    ...Object.entries(inputs)
      .filter(([k, i]) => i.required && !(k in given))
      .map(([k]) => `${m[1]}: required input '${k}' is not given`),
  ];
}

/** The first ```yaml block of a Markdown file. */
export function firstYamlBlock(file: string): string {
  const md = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const m = /```yaml\n([\s\S]*?)```/.exec(md);
  if (!m) throw new Error(`${file} has no yaml block`);
  return m[1]!;
}
