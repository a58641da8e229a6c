// Fails when the committed dist/ differs from what the build writes now.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const fresh = mkdtempSync(join(tmpdir(), 'steward-dist-'));
execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), fresh], { stdio: 'inherit' });

const list = (dir) => {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  try { walk(dir); } catch { /* missing dist counts as empty */ }
  return out.sort();
};
const want = list(fresh);
const have = list(join(root, 'dist'));
const stale = [...new Set([...want, ...have])].filter((f) => {
  try { return !readFileSync(join(fresh, f)).equals(readFileSync(join(root, 'dist', f))); }
  catch { return true; }
});
rmSync(fresh, { recursive: true, force: true });
if (stale.length) {
  console.error(`dist/ is stale; run \`npm run build\` and commit. Differs: ${stale.join(', ')}`);
  process.exit(1);
}
console.log(`dist/ is up to date (${want.length} files)`);
