// Bundles every entry point into dist/<name>/index.js so that the actions run
// with `node dist/<name>/index.js` and no node_modules, as forgejo-runner runs them.
// ESM output because @actions/core 3 and @actions/github 9 are ESM-only; the
// banner gives bundled CommonJS dependencies the `require` they expect.
import { build } from 'esbuild';
import { readdirSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join, basename } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outRoot = process.argv[2] ?? join(root, 'dist');

const entries = { cli: join(root, 'src/cli/index.ts') };
for (const f of readdirSync(join(root, 'src/actions'))) {
  if (f.endsWith('.ts') && !f.startsWith('_')) entries[basename(f, '.ts')] = join(root, 'src/actions', f);
}

rmSync(outRoot, { recursive: true, force: true });
for (const [name, entry] of Object.entries(entries).sort()) {
  const outdir = join(outRoot, name);
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [entry],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    legalComments: 'none',
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __stewardCreateRequire } from 'node:module'; const require = __stewardCreateRequire(import.meta.url);",
    },
  });
  writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');
}
