import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { acquireLock } from '../../../src/converge/lock';
import { DurationError, parseDuration } from '../../../src/project/model';
import { GitProject } from '../../support/git-project';

test('one strict duration parser: units ms, s, m; anything else is an error naming the input', () => {
  assert.deepEqual(['1500ms', '90s', '5m', '0s'].map((s) => parseDuration(s)), [1500, 90_000, 300_000, 0]);
  for (const bad of ['abc', '', '-1s', '5 m', '5', ' 5m', '1.5s', '5h', '99999999999999999999m']) {
    assert.throws(() => parseDuration(bad, '--lock-timeout'), (e: Error) => e instanceof DurationError && e.message === `--lock-timeout: ${JSON.stringify(bad)} is not a duration; write a whole number with ms, s or m, e.g. 500ms, 90s or 2m`, bad);
  }
});

test('steward converge --lock-timeout reads a duration: 1500ms waits 1.5 s (not 1500 s); abc is refused before any work', { timeout: 20_000 }, async () => {
  const p = new GitProject();
  const state = mkdtempSync(join(tmpdir(), 'steward-state-'));
  const holder = await acquireLock({ dir: state, project: 'lab', runId: 'holder', waitMs: 0 });
  try {
    assert.ok(holder.acquired);
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdin: process.stdin, stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), env: { ...process.env, STEWARD_STATE_DIR: state }, cwd: p.dir };
    assert.equal(await main(['converge', '--lock-timeout', '1500ms'], io), 0, err.join('\n'));
    assert.match(out.at(-1)!, /skipped: another run holds the lock since \S+ \(run holder\)$/);
    assert.equal(await main(['converge', '--lock-timeout', 'abc'], io), 1);
    assert.equal(err.at(-1), 'steward converge: --lock-timeout: "abc" is not a duration; write a whole number with ms, s or m, e.g. 500ms, 90s or 2m');
  } finally {
    if (holder.acquired) holder.lock.release();
    rmSync(state, { recursive: true, force: true });
    p.cleanup();
  }
});
