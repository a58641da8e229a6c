// Debian's headless Chromium, for tests that look at a page as a browser does.
// Every host but the ones given resolves to nothing, and Chromium's own
// background traffic is off: the browser reaches only the loopback proxy.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function chromiumPath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export interface Browser {
  /** The DOM after load, as Chromium serialises it. */
  dom(url: string): Promise<string>;
  /** A PNG of the page at that window size. */
  screenshot(url: string, file: string, size: { width: number; height: number }): Promise<void>;
  /** Kills whatever still runs and removes the profile. */
  close(): void;
}

/** A browser whose names `hosts` all go to 127.0.0.1 and nothing else resolves. */
export function openBrowser(hosts: string[], timeoutMs = 60_000): Browser {
  const bin = chromiumPath();
  if (!bin) throw new Error('chromium is not installed: apt-get install -y --no-install-recommends chromium');
  const profile = mkdtempSync(join(tmpdir(), 'steward-chromium-'));
  const running = new Set<number>();
  const rules = [...hosts.map((h) => `MAP ${h} 127.0.0.1`), 'MAP * ~NOTFOUND'].join(', ');
  const base = [
    '--headless',
    `--user-data-dir=${profile}`,
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    `--host-resolver-rules=${rules}`,
    '--no-proxy-server',
    '--disable-gpu',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--disable-default-apps',
    '--disable-domain-reliability',
    '--disable-breakpad',
    '--metrics-recording-only',
    '--hide-scrollbars',
  ];
  const run = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      // Its own process group, so the zygote and renderers go with it.
      const child = spawn(bin, [...base, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child.pid!);
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => kill(child.pid!), timeoutMs);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        kill(child.pid!);
        if (code === 0) resolve(out);
        else reject(new Error(`chromium ${args.join(' ')} ended with ${signal ?? code}: ${err.split('\n').slice(-5).join('\n')}`));
      });
    });
  const kill = (pid: number) => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* the group is gone already */
    }
    running.delete(pid);
  };
  return {
    dom: (url) => run(['--dump-dom', url]),
    screenshot: async (url, file, size) => void (await run([`--screenshot=${file}`, `--window-size=${size.width},${size.height}`, url])),
    close: () => {
      for (const pid of [...running]) kill(pid);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
