// `npm run package [name...]`: bundle each action with @vercel/ncc into dist/<name>/index.js.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const all = fs
  .readdirSync('actions', { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join('actions', d.name, 'src', 'index.ts')))
  .map((d) => d.name)
  .sort();
const names = process.argv.length > 2 ? process.argv.slice(2) : all;
const ncc = path.resolve('node_modules/@vercel/ncc/dist/ncc/cli.js');
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`unknown action '${name}' (have: ${all.join(', ')})`);
    process.exit(1);
  }
  const out = path.join('dist', name);
  fs.rmSync(out, { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    [
      ncc,
      'build',
      path.join('actions', name, 'src', 'index.ts'),
      '-o',
      out,
      '--minify',
      // Type checking is its own CI step (npm run typecheck); bundling one action must not
      // depend on every other file in the repository compiling.
      '--transpile-only',
      '--license',
      'licenses.txt',
      '-q',
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
  const size = fs.statSync(path.join(out, 'index.js')).size;
  console.log(`dist/${name}/index.js  ${(size / 1024).toFixed(0)} KiB`);
}
