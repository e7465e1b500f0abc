/** The `chart` input: a repo/name, an OCI reference, an archive URL or a local path, and the chart name it names. */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../../src/errors';
import { printable, resolveInWorkspace, workspaceRoot } from '../../../src/inputs';
import { splitChartVersion } from './split';

export interface ChartRef {
  /** The reference exactly as given, passed to `helm upgrade`. */
  ref: string;
  kind: 'repo' | 'oci' | 'url' | 'path';
  /** Chart name compared with the installed release's chart. */
  name: string;
  /** For a local chart directory: its Chart.yaml version. */
  localVersion?: string;
}

export const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,249}$/;
// eslint-disable-next-line no-control-regex -- rejecting control characters and whitespace is the point
const WS_OR_CONTROL = /[\s\x00-\x1f\x7f]/;

/** Chart file name `name-1.2.3.tgz` → `name` (the version is the first `-<digit>` part that parses). */
function nameFromArchive(file: string): string {
  const base = file.replace(/\.tgz$|\.tar\.gz$/, '');
  return splitChartVersion(base).chart;
}

function chartName(name: string, ref: string): string {
  if (!CHART_NAME.test(name)) {
    throw new InputError(
      `Input 'chart' does not end in a valid chart name: '${printable(ref)}' (got name '${printable(name)}').`,
    );
  }
  return name;
}

function readLocalChart(dir: string, ref: string): { name?: string; version?: string } {
  const file = path.join(dir, 'Chart.yaml');
  if (!fs.existsSync(file)) return {};
  try {
    const doc = parseYaml(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown } | null;
    return {
      name: typeof doc?.name === 'string' ? doc.name : undefined,
      version: typeof doc?.version === 'string' ? doc.version : undefined,
    };
  } catch (e) {
    throw new InputError(`Input 'chart': cannot read ${printable(ref)}/Chart.yaml: ${(e as Error).message}`);
  }
}

function existsOrLinks(candidate: string): boolean {
  try {
    fs.lstatSync(candidate);
    return true;
  } catch {
    return false;
  }
}

export function parseChartRef(ref: string, root = workspaceRoot()): ChartRef {
  if (ref.length > 1024) throw new InputError(`Input 'chart' is too long (${ref.length} characters).`);
  if (WS_OR_CONTROL.test(ref)) {
    throw new InputError(
      `Input 'chart' must not contain whitespace or control characters: '${printable(ref)}'.`,
    );
  }
  if (ref.startsWith('-')) {
    throw new InputError(`Input 'chart' must not start with '-': '${printable(ref)}'.`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(ref)?.[1]?.toLowerCase();
  if (scheme === 'oci') {
    const m = /^oci:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._-]+)+$/.exec(ref);
    if (!m) {
      throw new InputError(
        `Input 'chart' is not a valid OCI reference: '${printable(ref)}' (expected oci://registry/path/name, without a tag or digest: the version comes from the 'version' input).`,
      );
    }
    return { ref, kind: 'oci', name: chartName(ref.slice(ref.lastIndexOf('/') + 1), ref) };
  }
  if (scheme === 'https' || scheme === 'http') {
    let url: URL;
    try {
      url = new URL(ref);
    } catch {
      throw new InputError(`Input 'chart' is not a valid URL: '${printable(ref)}'.`);
    }
    const file = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
    return { ref, kind: 'url', name: chartName(nameFromArchive(file), ref) };
  }
  if (scheme) {
    throw new InputError(
      `Input 'chart' uses an unsupported scheme '${printable(scheme)}://' (use repo/name, a path, oci:// or https://).`,
    );
  }
  const looksLocal =
    ref === '.' ||
    ref.startsWith('./') ||
    ref.startsWith('../') ||
    ref.startsWith('/') ||
    /\.(tgz|tar\.gz)$/.test(ref) ||
    ref.split('/').length !== 2 ||
    // Like Helm: a reference that exists as a local path is a local chart — a symbolic link too, even one
    // whose target is missing (X1: it is checked as a path, never passed on as a repo reference).
    existsOrLinks(path.resolve(root, ref));
  if (!looksLocal) {
    const [repo, name] = ref.split('/') as [string, string];
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(repo)) {
      throw new InputError(`Input 'chart' has an invalid repository name: '${printable(ref)}'.`);
    }
    return { ref, kind: 'repo', name: chartName(name, ref) };
  }
  const abs = resolveInWorkspace(ref, 'chart', root);
  if (/\.(tgz|tar\.gz)$/.test(abs)) {
    return { ref, kind: 'path', name: chartName(nameFromArchive(path.basename(abs)), ref) };
  }
  const local = fs.existsSync(abs) && fs.statSync(abs).isDirectory() ? readLocalChart(abs, ref) : {};
  return {
    ref,
    kind: 'path',
    name: chartName(local.name ?? path.basename(abs), ref),
    ...(local.version !== undefined ? { localVersion: local.version } : {}),
  };
}
