import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Real processes racing for one stale lock at the same instant: the takeover
// must let at most one of them hold it at any time.

const CONTENDER = fileURLToPath(new URL('./lock-contender.ts', import.meta.url));
const TRIALS = 20;
const HOLD_MS = 60;

interface Report {
  trial: number;
  pid: number;
  acquired: boolean;
  doubled: boolean;
  enter: string;
  leave: string;
  error?: string;
}

type Stale = 'dead-pid' | 'expired-lease';

function staleLock(kind: Stale): string {
  const since = new Date(Date.now() - 60_000).toISOString();
  return kind === 'dead-pid'
    ? JSON.stringify({ runId: 'gone', pid: 999_999_999, host: hostname(), since, leaseUntil: new Date(Date.now() + 600_000).toISOString() })
    : JSON.stringify({ runId: 'expired', pid: process.pid, host: 'elsewhere', since, leaseUntil: new Date(Date.now() - 1000).toISOString() });
}

async function race(n: number, kind: Stale): Promise<{ trials: number; contenders: number; stale: Stale; doubleHolds: number; acquiredPerTrial: number[] }> {
  const root = mkdtempSync(join(tmpdir(), 'steward-lock-race-'));
  const children: ChildProcess[] = [];
  try {
    const ready: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const c = fork(CONTENDER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(c);
      ready.push(new Promise((res, rej) => {
        c.once('message', () => res());
        c.once('exit', (code) => rej(new Error(`contender exited early (${code})`)));
      }));
    }
    await Promise.all(ready);
    let doubleHolds = 0;
    const acquiredPerTrial: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const dir = join(root, `t${trial}`);
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, 'race.lock'), staleLock(kind));
      const reports = await new Promise<Report[]>((res) => {
        const got: Report[] = [];
        for (const c of children) {
          const on = (m: Report) => {
            if (m.trial !== trial) return;
            c.off('message', on);
            got.push(m);
            if (got.length === n) res(got);
          };
          c.on('message', on);
        }
        const at = Date.now() + 60;
        for (const c of children) c.send({ trial, dir, at, holdMs: HOLD_MS });
      });
      const errors = reports.filter((r) => r.error).map((r) => r.error);
      assert.deepEqual(errors, [], 'acquireLock never throws on a contended stale lock');
      const held = reports.filter((r) => r.acquired).map((r) => [BigInt(r.enter), BigInt(r.leave)] as const);
      const overlap = reports.some((r) => r.doubled) || held.some(([a0, a1], i) => held.some(([b0, b1], j) => i !== j && a0 < b1 && b0 < a1));
      if (overlap) doubleHolds++;
      acquiredPerTrial.push(held.length);
    }
    return { trials: TRIALS, contenders: n, stale: kind, doubleHolds, acquiredPerTrial };
  } finally {
    for (const c of children) if (c.connected) c.send('exit');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => { c.once('exit', r); setTimeout(() => c.kill('SIGKILL'), 5000).unref(); }))));
    rmSync(root, { recursive: true, force: true });
  }
}

for (const kind of ['dead-pid', 'expired-lease'] as const) {
  for (const n of [8, 3]) {
    test(`${n} processes taking over one ${kind} lock at the same instant: never two holders (${TRIALS} trials)`, { timeout: 60_000 }, async () => {
      const r = await race(n, kind);
      console.log(JSON.stringify({ lockRace: { stale: r.stale, contenders: r.contenders, trials: r.trials, doubleHolds: r.doubleHolds } }));
      assert.equal(r.doubleHolds, 0, `two holders at once in ${r.doubleHolds} of ${r.trials} trials`);
      assert.ok(r.acquiredPerTrial.every((k) => k >= 1), `a stale lock is always taken over: ${r.acquiredPerTrial.join(',')}`);
    });
  }
}
