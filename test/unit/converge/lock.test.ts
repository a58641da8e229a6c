import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock, isStale } from '../../../src/converge/lock';
import { scratchDir } from '../../support/cleanup';

const dir = () => scratchDir('steward-lock-');

test('one holder at a time; the second gives up after waiting and names the holder', async () => {
  const d = dir();
  const a = await acquireLock({ dir: d, project: 'lab', runId: 'run-a', waitMs: 0 });
  assert.ok(a.acquired);
  const b = await acquireLock({ dir: d, project: 'lab', runId: 'run-b', waitMs: 300, pollMs: 50 });
  assert.equal(b.acquired, false);
  if (!b.acquired) assert.match(b.reason, /^another run holds the lock since \S+ \(run run-a\)$/);
  if (a.acquired) a.lock.release();
  const c = await acquireLock({ dir: d, project: 'lab', runId: 'run-c', waitMs: 0 });
  assert.ok(c.acquired, 'released locks are free');
  if (c.acquired) c.lock.release();
});

test('a waiter gets the lock as soon as the holder releases it', async () => {
  const d = dir();
  const a = await acquireLock({ dir: d, project: 'lab', runId: 'run-a', waitMs: 0 });
  setTimeout(() => a.acquired && a.lock.release(), 200);
  const b = await acquireLock({ dir: d, project: 'lab', runId: 'run-b', waitMs: 5000, pollMs: 50 });
  assert.ok(b.acquired);
  if (b.acquired) b.lock.release();
});

test('a lock whose holder died on this host is taken over; a live holder is respected', async () => {
  const d = dir();
  const lease = new Date(Date.now() + 600_000).toISOString();
  writeFileSync(join(d, 'lab.lock'), JSON.stringify({ runId: 'dead', pid: 999_999_999, host: hostname(), since: new Date().toISOString(), leaseUntil: lease }));
  const r = await acquireLock({ dir: d, project: 'lab', runId: 'next', waitMs: 0 });
  assert.ok(r.acquired);
  assert.match(readFileSync(join(d, 'lab.lock'), 'utf8'), /"runId":"next"/);
  if (r.acquired) r.lock.release();

  writeFileSync(join(d, 'lab.lock'), JSON.stringify({ runId: 'alive', pid: process.pid, host: hostname(), since: new Date().toISOString(), leaseUntil: lease }));
  const s = await acquireLock({ dir: d, project: 'lab', runId: 'next', waitMs: 0 });
  assert.equal(s.acquired, false);
});

test('staleness: an expired lease, or a dead pid on this host; another host is trusted until its lease ends', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const h = { runId: 'x', pid: 1, host: 'other-host', since: '2026-01-01T00:00:00Z', leaseUntil: '2026-01-01T00:20:00Z' };
  assert.equal(isStale(h, now, () => false), false, 'another host: only the lease counts');
  assert.equal(isStale({ ...h, leaseUntil: '2026-01-01T00:05:00Z' }, now, () => true), true);
  assert.equal(isStale({ ...h, host: hostname() }, now, () => false), true);
  assert.equal(isStale({ ...h, host: hostname() }, now, () => true), false);
});

test('an unreadable lock is respected while it is fresh and taken over once older than the lease', async () => {
  const d = dir();
  const path = join(d, 'lab.lock');
  writeFileSync(path, '{"runId":');
  const fresh = await acquireLock({ dir: d, project: 'lab', runId: 'next', waitMs: 0, leaseMs: 60_000 });
  assert.equal(fresh.acquired, false, 'a lock being written is not stale');
  if (!fresh.acquired) assert.equal(fresh.reason, 'another run holds the lock since an unknown time (run unknown: the lock file is unreadable)');
  const old = (Date.now() - 120_000) / 1000;
  utimesSync(path, old, old);
  const r = await acquireLock({ dir: d, project: 'lab', runId: 'next', waitMs: 0, leaseMs: 60_000 });
  assert.ok(r.acquired, 'a half-written lock older than the lease (holder killed mid-write) does not wedge the project');
  if (r.acquired) r.lock.release();
  assert.deepEqual(readdirSync(d), [], 'nothing left behind');
});

test('a non-finite or negative wait is refused instead of waiting forever', async () => {
  const d = dir();
  for (const waitMs of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
    await assert.rejects(acquireLock({ dir: d, project: 'lab', runId: 'x', waitMs }), { name: 'LockOptionError', message: `lock wait must be a finite number of milliseconds >= 0, got ${waitMs}` });
  }
});

test('a waiter backs off while another holds the takeover claim, and a claim left by a dead process does not wedge it', async () => {
  const d = dir();
  const path = join(d, 'lab.lock');
  const nonce = 'ab'.repeat(16);
  writeFileSync(path, JSON.stringify({ runId: 'dead', pid: 999_999_999, host: hostname(), since: '2026-01-01T00:00:00Z', leaseUntil: new Date(Date.now() + 600_000).toISOString(), nonce }));
  writeFileSync(`${path}.${nonce}.claim.0`, '1@elsewhere');
  const busy = await acquireLock({ dir: d, project: 'lab', runId: 'next', waitMs: 0 });
  assert.equal(busy.acquired, false);
  if (!busy.acquired) assert.equal(busy.reason, 'another run is taking over the stale lock of run dead');
  const old = (Date.now() - 60_000) / 1000;
  utimesSync(`${path}.${nonce}.claim.0`, old, old);
  const r = await acquireLock({ dir: d, project: 'lab', runId: 'next', waitMs: 0 });
  assert.ok(r.acquired);
  assert.deepEqual(readdirSync(d), ['lab.lock'], 'the dead claim is cleared with the takeover');
  if (r.acquired) r.lock.release();
  assert.deepEqual(readdirSync(d), []);
});

test('a holder whose lock was taken over leaves the new holder\'s lock in place on release', async () => {
  const d = dir();
  const a = await acquireLock({ dir: d, project: 'lab', runId: 'run-a', waitMs: 0, now: () => Date.now() - 700_000 });
  assert.ok(a.acquired);
  const b = await acquireLock({ dir: d, project: 'lab', runId: 'run-b', waitMs: 0 });
  assert.ok(b.acquired, 'run-a\'s lease has run out');
  if (a.acquired) a.lock.release();
  assert.match(readFileSync(join(d, 'lab.lock'), 'utf8'), /"runId":"run-b"/);
  if (b.acquired) b.lock.release();
});
