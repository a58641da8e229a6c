// A child process for lock-race.test.ts: waits for a start instant, calls
// acquireLock once (waitMs 0), and while holding marks a sentinel with O_EXCL
// so two holders at once cannot go unnoticed.
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../../../src/converge/lock';

interface Go {
  trial: number;
  dir: string;
  at: number; // Date.now() at which every contender calls acquireLock
  holdMs: number;
}

const send = (m: unknown) => new Promise<void>((r) => process.send!(m, undefined, undefined, () => r()));

process.on('message', (m: Go | 'exit') => {
  if (m === 'exit') process.exit(0);
  void contend(m);
});
void send('ready');

async function contend(g: Go): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, g.at - Date.now() - 3)));
  while (Date.now() < g.at) {
    /* spin to the shared instant: a timer alone scatters the start over milliseconds */
  }
  let error: string | undefined;
  let acquired = false;
  let doubled = false;
  let enter = 0n;
  let leave = 0n;
  try {
    const r = await acquireLock({ dir: g.dir, project: 'race', runId: `c${process.pid}-${g.trial}`, waitMs: 0 });
    if (r.acquired) {
      acquired = true;
      enter = process.hrtime.bigint();
      const sentinel = join(g.dir, 'held');
      let fd: number | undefined;
      try {
        fd = openSync(sentinel, 'wx');
      } catch {
        doubled = true;
      }
      await new Promise((res) => setTimeout(res, g.holdMs));
      if (fd !== undefined) {
        closeSync(fd);
        rmSync(sentinel);
      }
      leave = process.hrtime.bigint();
      r.lock.release();
    }
  } catch (e) {
    error = (e as Error).message;
  }
  await send({ trial: g.trial, pid: process.pid, acquired, doubled, enter: String(enter), leave: String(leave), error });
}
