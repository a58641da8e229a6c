import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One converge at a time per project, across runners and the CLI on the
 * bootstrap target: a lock file holding who took it and a lease the holder
 * renews (docs/converge-lock.md).
 *
 * A lock file is never written in place: each version is written whole to a
 * temp file and then linked into place (taking a free lock: fails when one
 * exists) or renamed over it (renewal, takeover), so a reader sees a whole
 * lock or none. Replacing or removing a lock that exists happens only under
 * that lock version's claim, `<lock>.<key>.claim.<g>` created with O_EXCL, and
 * after reading the lock again under the claim: of two waiters that judged the
 * same lock stale only one gets the claim, and one that judged an older
 * version finds the key changed and backs off. A claim lives for a few system
 * calls; one older than CLAIM_STALE_MS was left by a process that died
 * holding it, and the next generation g+1 is claimed rather than the old one
 * deleted, so that breaking a dead claim is itself one O_EXCL create. What
 * this rests on: no process stalls for CLAIM_STALE_MS while holding a claim.
 */
export interface LockHolder {
  runId: string;
  pid: number;
  host: string;
  since: string; // ISO time
  leaseUntil: string; // ISO time
  nonce?: string; // names this holding's claims; absent in locks from older versions
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

export class LockOptionError extends Error {
  override name = 'LockOptionError';
}

const DEFAULT_LEASE_MS = 10 * 60_000;
const CLAIM_STALE_MS = 30_000;
const CLAIM_GENERATIONS = 16;
const NONCE = /^[0-9a-f]{32}$/;

interface Seen {
  holder: LockHolder | undefined; // undefined: not a lock Steward wrote whole (or from an unknown format)
  key: string;
  mtimeMs: number;
}

export async function acquireLock(o: LockOptions): Promise<LockResult> {
  if (!Number.isFinite(o.waitMs) || o.waitMs < 0) throw new LockOptionError(`lock wait must be a finite number of milliseconds >= 0, got ${o.waitMs}`);
  const now = o.now ?? Date.now;
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const pidAlive = o.pidAlive ?? isPidAlive;
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const path = join(o.dir, `${o.project}.lock`);
  const deadline = now() + o.waitMs;
  const stale = (s: Seen) => (s.holder ? isStale(s.holder, now(), pidAlive) : Date.now() - s.mtimeMs > leaseMs);
  for (;;) {
    const mine: LockHolder = { runId: o.runId, pid: process.pid, host: hostname(), since: new Date(now()).toISOString(), leaseUntil: new Date(now() + leaseMs).toISOString(), nonce: randomBytes(16).toString('hex') };
    if (createIfAbsent(path, mine)) return { acquired: true, lock: held(path, mine, leaseMs, now) };
    const seen = look(path);
    if (!seen) continue; // released meanwhile
    let reason = `another run holds the lock since ${seen.holder?.since ?? 'an unknown time'} (run ${seen.holder?.runId ?? 'unknown: the lock file is unreadable'})`;
    if (stale(seen)) {
      const taken = underClaim(path, seen.key, () => {
        const again = look(path);
        if (!again || again.key !== seen.key || !stale(again)) return false;
        writeWhole(path, mine, (tmp) => renameSync(tmp, path));
        return true;
      });
      if (taken === true) {
        clearClaims(path, seen.key);
        return { acquired: true, lock: held(path, mine, leaseMs, now) };
      }
      if (taken === false) continue; // the lock changed under us: look again
      reason = `another run is taking over the stale lock of run ${seen.holder?.runId ?? 'unknown'}`;
    }
    if (now() >= deadline) return { acquired: false, holder: seen.holder, reason };
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
  }
}

export function isStale(h: LockHolder, nowMs: number, pidAlive: (pid: number) => boolean): boolean {
  if (Date.parse(h.leaseUntil) < nowMs) return true;
  return h.host === hostname() && !pidAlive(h.pid);
}

/** The lock as it is now, read through one descriptor so content and mtime belong to the same file. */
function look(path: string): Seen | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    const holder = parseHolder(readFileSync(fd, 'utf8'));
    const key = holder?.nonce && NONCE.test(holder.nonce) ? holder.nonce : `i${st.ino}-${Math.floor(st.mtimeMs)}`;
    return { holder, key, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function parseHolder(text: string): LockHolder | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const h = v as Partial<LockHolder> | null;
  if (!h || typeof h !== 'object' || typeof h.runId !== 'string' || !Number.isInteger(h.pid) || typeof h.host !== 'string' || typeof h.since !== 'string' || typeof h.leaseUntil !== 'string' || Number.isNaN(Date.parse(h.leaseUntil))) return undefined;
  return h as LockHolder;
}

function writeWhole(path: string, h: LockHolder, place: (tmp: string) => void): void {
  const tmp = `${path}.${h.nonce}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(h), { mode: 0o600 });
  try {
    place(tmp);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function createIfAbsent(path: string, h: LockHolder): boolean {
  try {
    writeWhole(path, h, (tmp) => linkSync(tmp, path));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Runs `fn` holding the claim on lock version `key`; 'busy' when another process holds it. */
function underClaim(path: string, key: string, fn: () => boolean): boolean | 'busy' {
  for (let g = 0; g < CLAIM_GENERATIONS; g++) {
    const claim = `${path}.${key}.claim.${g}`;
    let fd: number;
    try {
      fd = openSync(claim, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let age: number;
      try {
        age = Date.now() - statSync(claim).mtimeMs;
      } catch {
        return 'busy'; // released as we looked: the caller looks again
      }
      if (age > CLAIM_STALE_MS) continue;
      return 'busy';
    }
    try {
      writeSync(fd, `${process.pid}@${hostname()}`);
      closeSync(fd);
      return fn();
    } finally {
      rmSync(claim, { force: true });
    }
  }
  return 'busy';
}

/** After a takeover nobody needs the old version's claims; older generations were left by dead processes. */
function clearClaims(path: string, key: string): void {
  for (let g = 0; g < CLAIM_GENERATIONS; g++) rmSync(`${path}.${key}.claim.${g}`, { force: true });
}

function held(path: string, h: LockHolder, leaseMs: number, now: () => number): HeldLock {
  let lost = false;
  // Renew the lease while the run lasts; unref so it never keeps the process alive.
  const timer = setInterval(() => {
    try {
      underClaim(path, h.nonce!, () => {
        if (look(path)?.key !== h.nonce) {
          lost = true;
          return false;
        }
        writeWhole(path, { ...h, leaseUntil: new Date(now() + leaseMs).toISOString() }, (tmp) => renameSync(tmp, path));
        return true;
      });
    } catch {
      /* the next renewal tries again */
    }
    if (lost) clearInterval(timer);
  }, Math.max(1000, leaseMs / 3));
  timer.unref();
  return {
    path,
    release() {
      clearInterval(timer);
      // A busy claim on our own lock is a waiter checking it; it lets go within a few system calls.
      for (let i = 0; i < 50; i++) {
        const r = underClaim(path, h.nonce!, () => {
          if (look(path)?.key === h.nonce) rmSync(path, { force: true });
          return true;
        });
        if (r !== 'busy') return clearClaims(path, h.nonce!);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    },
  };
}

/** Whether a process of this host is alive (EPERM: alive, another user's). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
