import { spawn } from 'node:child_process';

export interface RunOptions {
  input?: Buffer | string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Ends the command (code 0) as soon as its output so far satisfies this; stdin
   * then stays open until the end, as a client that half-closes early may be
   * dropped by the other side (an HTTP server behind `ssh -W`).
   */
  doneWhen?: (stdout: string) => boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a command to its end or to its timeout, whichever comes first. The child
 * gets its own process group so a timeout also ends what it started (ssh, the
 * docker CLI's ssh helper), and a stuck remote never hangs the caller.
 */
export function run(cmd: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (options.doneWhen) killGroup();
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    };
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      if (options.doneWhen?.(Buffer.concat(out).toString('utf8'))) finish(0);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      err.push(Buffer.from(String(e.message)));
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
    child.stdin.on('error', () => undefined);
    if (options.doneWhen) child.stdin.write(options.input ?? '');
    else child.stdin.end(options.input ?? '');
  });
}
