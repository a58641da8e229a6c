import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeProject } from '../../support/project-fixture';
import { CASES } from '../project/bad-projects';
import { cli } from './run-cli';

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(relative(dir, p), `${statSync(p).mtimeMs} ${readFileSync(p, 'base64')}`);
    }
  };
  walk(dir);
  return out;
}

test('validate: a valid project exits 0 and writes nothing (no rendered/)', async (t) => {
  const p = writeProject();
  t.after(p.cleanup);
  const before = snapshot(p.dir);
  const r = await cli(['validate', '--project', p.dir]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'lab: valid (2 apps over 2 targets); nothing was written\n');
  assert.equal(existsSync(join(p.dir, 'rendered')), false);
  assert.deepEqual(snapshot(p.dir), before);
});

test('validate: every broken project of the corpus prints exactly its errors, as render does, exit 1, nothing written', async (t) => {
  for (const c of CASES) {
    const p = writeProject(c.files);
    t.after(p.cleanup);
    const before = snapshot(p.dir);
    const r = await cli(['validate', '-p', p.dir]);
    assert.equal(r.code, 1, c.name);
    assert.equal(r.out, '', c.name);
    const n = c.expect.length;
    assert.equal(r.err, [...c.expect, `${n} error${n === 1 ? '' : 's'} in the project; nothing was written or deployed.`].join('\n') + '\n', c.name);
    assert.deepEqual(snapshot(p.dir), before, c.name);
  }
});

test('validate takes the project directory relative to the working directory', async (t) => {
  const p = writeProject({ 'services/web/service.yml': 'target: nas\nimage: web:1\n' });
  t.after(p.cleanup);
  const r = await cli(['validate', '-p', '.'], p.dir);
  assert.equal(r.code, 1);
  assert.match(r.err, /^services\/web\/service\.yml:1:1 {2}target {2}unknown target "nas"; targets in network\.yml: core, media$/m);
});
