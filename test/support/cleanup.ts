// What a fixture or test started, closed in reverse order, also when a later
// start throws: without it a server started before the throw keeps node:test
// waiting for ever, and a temp dir outlives the run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class Cleanup {
  private readonly closers: Array<() => unknown> = [];

  /** Registers a closer and returns the value it closes, so a start and its registration are one line. */
  add<T>(value: T, close: (v: T) => unknown): T {
    this.closers.push(() => close(value));
    return value;
  }

  /** A fresh temp dir under os.tmpdir(), removed by close(). */
  dir(prefix: string): string {
    return this.add(mkdtempSync(join(tmpdir(), prefix)), (d) => rmSync(d, { recursive: true, force: true }));
  }

  /** Runs every closer, newest first; each runs even if an earlier one threw, and the first error is rethrown. */
  async close(): Promise<void> {
    let first: unknown;
    while (this.closers.length) {
      try {
        await this.closers.pop()!();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }

  /** Runs `start` with this cleanup; if it throws, closes what it had started and rethrows. */
  async guard<T>(start: (c: Cleanup) => Promise<T>): Promise<T> {
    try {
      return await start(this);
    } catch (e) {
      await this.close().catch(() => undefined);
      throw e;
    }
  }
}

const exitDirs = new Set<string>();
process.on('exit', () => {
  for (const d of exitDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A temp dir removed when the test file's process exits, for fixtures that hand
 * a dir to code outliving the call (a converge state dir, a runner's RUNNER_TEMP)
 * and so cannot remove it themselves. node:test runs each file in its own process.
 */
export function scratchDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  exitDirs.add(d);
  return d;
}
