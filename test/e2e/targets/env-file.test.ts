// secrets.env must mean to Compose exactly the values we wrote: checked with the real `docker compose config`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envFile } from '../../../src/targets/env-file';
import { scratchDir } from '../../support/cleanup';

const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
const skip = compose.status === 0 ? false : 'docker compose is not installed: run scripts/testenv up';

test('compose reads secrets.env values literally', { skip }, () => {
  const env = { A: 'plain', B: 'with $HOME and ${X} $$', C: "it's", D: 'line1\nline2 $Y "q" \\ back', E: ' spaced # hash ', F: '', G: '"quoted"' };
  const dir = scratchDir('stw-env-');
  writeFileSync(join(dir, 'secrets.env'), envFile(env));
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  s:\n    image: x\n    env_file: [secrets.env]\n');
  const out = execFileSync('docker', ['compose', '-f', join(dir, 'compose.yaml'), 'config', '--format', 'json'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  const got = (JSON.parse(out) as { services: { s: { environment: Record<string, string> } } }).services.s.environment;
  // Compose's own config output escapes `$` as `$$` again.
  const unescaped = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.replace(/\$\$/g, '$')]));
  assert.deepEqual(unescaped, env);
});
