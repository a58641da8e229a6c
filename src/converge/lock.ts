import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One converge at a time per project, across runners and the CLI on the
 * bootstrap target: a lock file created with O_EXCL, holding who took it and
 * a lease the holder renews. A lock is taken over only when its holder is
 * gone (same host, dead pid) or its lease has expired, and the takeover
 * itself is a rename, so two waiters can never both win.
 */
export interface LockHolder {
  runId: string;
  pid: number;
  host: string;
  since: string; // ISO time
  leaseUntil: string; // ISO time
}

export interface LockOptions {
  dir: string; // state dir, e.g. /var/lib/steward/state
  project: string;
  runId: string;
  waitMs: number;
  leaseMs?: number;
  pollMs?: number;
  now?: () => number;
  pidAlive?: (pid: number) => boolean;
}

export type LockResult = { acquired: true; lock: HeldLock } | { acquired: false; holder: LockHolder | undefined; reason: string };

export interface HeldLock {
  path: string;
  release(): void;
}

const DEFAULT_LEASE_MS = 10 * 60_000;

export async function acquireLock(o: LockOptions): Promise<LockResult> {
  const now = o.now ?? Date.now;
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const pidAlive = o.pidAlive ?? isPidAlive;
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const path = join(o.dir, `${o.project}.lock`);
  const deadline = now() + o.waitMs;
  let holder: LockHolder | undefined;
  for (;;) {
    const mine: LockHolder = { runId: o.runId, pid: process.pid, host: hostname(), since: new Date(now()).toISOString(), leaseUntil: new Date(now() + leaseMs).toISOString() };
    if (tryCreate(path, mine)) return { acquired: true, lock: held(path, mine, leaseMs, now) };
    holder = readHolder(path);
    if (!holder || isStale(holder, now(), pidAlive)) {
      // Move the stale lock aside atomically; only one waiter's rename succeeds.
      const aside = `${path}.stale-${process.pid}-${now()}`;
      try {
        renameSync(path, aside);
        rmSync(aside, { force: true });
      } catch {
        /* someone else took it over first */
      }
      continue;
    }
    if (now() >= deadline) {
      return { acquired: false, holder, reason: `another run holds the lock since ${holder.since} (run ${holder.runId})` };
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
  }
}

function tryCreate(path: string, h: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(h));
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined; // vanished, or half-written by a holder killed mid-write
  }
}

export function isStale(h: LockHolder, nowMs: number, pidAlive: (pid: number) => boolean): boolean {
  if (Date.parse(h.leaseUntil) < nowMs) return true;
  return h.host === hostname() && !pidAlive(h.pid);
}

function held(path: string, h: LockHolder, leaseMs: number, now: () => number): HeldLock {
  // Renew the lease while the run lasts; unref so it never keeps the process alive.
  const timer = setInterval(() => {
    try {
      const current = readHolder(path);
      if (current?.runId !== h.runId) return;
      writeFileSync(path, JSON.stringify({ ...h, leaseUntil: new Date(now() + leaseMs).toISOString() }), { mode: 0o600 });
    } catch {
      /* the next renewal tries again */
    }
  }, Math.max(1000, leaseMs / 3));
  timer.unref();
  return {
    path,
    release() {
      clearInterval(timer);
      if (readHolder(path)?.runId === h.runId) rmSync(path, { force: true });
    },
  };
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
