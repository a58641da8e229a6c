import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearDeadRuns, openRunDir } from '../../../src/converge/run-dir';

test('run dirs: 0700, removed at the end; dead runs cleared, live ones and other hosts kept', (t) => {
  const state = mkdtempSync(join(tmpdir(), 'steward-rundir-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const dead = openRunDir(state, 'dead');
  writeFileSync(join(dead.path, 'secrets.env'), 'K=v\n');
  openRunDir(state, 'alive');
  const remote = openRunDir(state, 'remote');
  writeFileSync(join(remote.path, 'owner.json'), JSON.stringify({ pid: 1, host: `not-${hostname()}` }));
  const mine = openRunDir(state, 'mine');
  assert.equal(statSync(mine.path).mode & 0o777, 0o700);
  // Every pid reads dead here: the caller's own run is kept by name, another host's is not ours to judge.
  assert.deepEqual(clearDeadRuns(state, 'mine', () => false).sort(), ['alive', 'dead']);
  assert.deepEqual(readdirSync(join(state, 'run')).sort(), ['mine', 'remote']);
  openRunDir(state, 'alive');
  assert.deepEqual(clearDeadRuns(state, 'mine', () => true), []);
  mine.remove();
  assert.deepEqual(readdirSync(join(state, 'run')).sort(), ['alive', 'remote']);
  assert.throws(() => openRunDir(state, '../escape'), /invalid run id/);
});
