import { chmod, mkdtemp, rm, writeFile, mkdir, access } from 'node:fs/promises';
import { constants, lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, delimiter, dirname } from 'node:path';
import { run } from './process';

export interface SshOptions {
  /** Private key: a path, or the key itself (as from an action secret). Default: STEWARD_SSH_KEY. */
  key?: string;
  /** known_hosts: a path, or the content (ssh-keyscan lines). Default: STEWARD_KNOWN_HOSTS, else ~/.local/state/steward/known_hosts. */
  knownHosts?: string;
  /** How errors name where known_hosts comes from: an environment variable or an action input. Default: STEWARD_KNOWN_HOSTS. */
  knownHostsSource?: string;
  /** strict: only hosts already in known_hosts; accept-new: learn unknown hosts, still refuse changed keys. */
  hostKeyPolicy?: 'strict' | 'accept-new';
  connectTimeoutMs?: number;
  /** A private (0700) directory for the key copy, cleared if the run is killed; default: the ssh dir in tmp. */
  runtimeDir?: string;
}

export interface SshEndpoint {
  host: string;
  user: string;
  port: number;
}

/**
 * One private ssh setup: a config file (key, known_hosts, timeouts, a control
 * master so that the many short calls share one connection) and a directory
 * holding an `ssh` wrapper. The Docker CLI and Compose find `ssh` on PATH for
 * DOCKER_HOST=ssh://, so putting the wrapper first makes them use the same
 * settings without touching the user's ~/.ssh.
 */
const SSH_DIR_PREFIX = 'stw-ssh-';
const OWNER_FILE = 'owner';

/**
 * Removes the private ssh dirs (config, control sockets; never a secret when
 * converge gives a runtime dir) of processes of this host that are gone.
 * Returns the dirs removed.
 */
export function clearDeadSshDirs(pidAlive: (pid: number) => boolean, tmp = tmpdir()): string[] {
  const gone: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tmp).filter((n) => n.startsWith(SSH_DIR_PREFIX));
  } catch {
    return gone;
  }
  for (const name of names) {
    const dir = join(tmp, name);
    let pid: number;
    try {
      if (lstatSync(dir).uid !== process.getuid?.()) continue;
      pid = Number.parseInt(readFileSync(join(dir, OWNER_FILE), 'utf8'), 10);
    } catch {
      continue; // not ours, or made by a Steward that wrote no owner: leave it
    }
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || pidAlive(pid)) continue;
    rmSync(dir, { recursive: true, force: true });
    gone.push(dir);
  }
  return gone;
}

export class SshContext {
  private constructor(
    readonly dir: string,
    readonly configPath: string,
    readonly binDir: string,
    private readonly keyCopy?: string,
  ) {}

  static async create(options: SshOptions = {}): Promise<SshContext> {
    const dir = await mkdtemp(join(tmpdir(), SSH_DIR_PREFIX));
    await chmod(dir, 0o700);
    // Who made it: a run killed before close() leaves the dir, and the next converge removes it (clearDeadSshDirs).
    await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`, { mode: 0o600 });
    const keyDir = options.runtimeDir ? await mkdtemp(join(options.runtimeDir, 'ssh-')) : undefined;
    const keyPath = await materializeKey(keyDir ?? dir, options.key ?? process.env.STEWARD_SSH_KEY);
    const knownHosts = await materializeKnownHosts(dir, options.knownHosts ?? process.env.STEWARD_KNOWN_HOSTS ?? defaultKnownHosts());
    const configPath = join(dir, 'config');
    await writeFile(configPath, sshConfig({ keyPath, knownHosts, controlDir: dir, policy: options.hostKeyPolicy ?? 'strict',
      connectTimeoutS: Math.max(1, Math.round((options.connectTimeoutMs ?? 10_000) / 1000)) }), { mode: 0o600 });
    const binDir = join(dir, 'bin');
    await mkdir(binDir, { mode: 0o700 });
    const realSsh = await findOnPath('ssh');
    if (!realSsh) throw new Error('the ssh client is not installed on the runner (apt-get install openssh-client)');
    await writeFile(join(binDir, 'ssh'), `#!/bin/sh\nexec ${shQuote(realSsh)} -F ${shQuote(configPath)} "$@"\n`, { mode: 0o700 });
    return new SshContext(dir, configPath, binDir, keyDir);
  }

  /** Arguments for `ssh` that run `command` on the endpoint. */
  args(endpoint: SshEndpoint, command: string): string[] {
    return ['-F', this.configPath, '-p', String(endpoint.port), '-l', endpoint.user, '--', endpoint.host, command];
  }

  private forwards = 0;

  /** A fresh path in Steward's private directory for a forwarded socket (short: sun_path holds 108 bytes). */
  socketPath(): string {
    return join(this.dir, `engine-${++this.forwards}.sock`);
  }

  /** Arguments for `ssh` that make the running control master forward `local` to the host's Unix socket `remote`. */
  forwardArgs(endpoint: SshEndpoint, local: string, remote: string): string[] {
    return ['-F', this.configPath, '-p', String(endpoint.port), '-l', endpoint.user, '-O', 'forward', '-L', `${local}:${remote}`, '--', endpoint.host];
  }

  /** Arguments for `ssh` that connect its stdin and stdout to host:port as seen from the endpoint. */
  stdioForwardArgs(endpoint: SshEndpoint, host: string, port: number): string[] {
    return ['-F', this.configPath, '-p', String(endpoint.port), '-l', endpoint.user, '-W', `${bracket(host)}:${port}`, '--', endpoint.host];
  }

  /** Environment for the Docker CLI and Compose talking to the endpoint over ssh. */
  dockerEnv(endpoint: SshEndpoint): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${this.binDir}${delimiter}${process.env.PATH ?? ''}` };
    delete env.DOCKER_CONTEXT;
    env.DOCKER_HOST = `ssh://${endpoint.user}@${bracket(endpoint.host)}:${endpoint.port}`;
    return env;
  }

  async close(endpoints: SshEndpoint[]): Promise<void> {
    await Promise.all(endpoints.map((e) =>
      run('ssh', ['-F', this.configPath, '-p', String(e.port), '-l', e.user, '-O', 'exit', '--', e.host], { timeoutMs: 5000 })));
    await rm(this.dir, { recursive: true, force: true });
    if (this.keyCopy) await rm(this.keyCopy, { recursive: true, force: true });
  }
}

export function sshConfig(o: { keyPath?: string; knownHosts: string; controlDir: string; policy: 'strict' | 'accept-new'; connectTimeoutS: number }): string {
  return [
    'Host *',
    ...(o.keyPath ? [`  IdentityFile ${quoteConfig(o.keyPath)}`, '  IdentitiesOnly yes'] : []),
    `  UserKnownHostsFile ${quoteConfig(o.knownHosts)}`,
    '  GlobalKnownHostsFile /dev/null',
    `  StrictHostKeyChecking ${o.policy === 'strict' ? 'yes' : 'accept-new'}`,
    '  HashKnownHosts no',
    '  BatchMode yes',
    '  PasswordAuthentication no',
    '  KbdInteractiveAuthentication no',
    `  ConnectTimeout ${o.connectTimeoutS}`,
    '  ServerAliveInterval 5',
    '  ServerAliveCountMax 3',
    '  ControlMaster auto',
    // %C (a hash) keeps the socket path short enough for sun_path.
    `  ControlPath ${quoteConfig(join(o.controlDir, 'cm-%C'))}`,
    '  ControlPersist 60',
    // A forward left by a master that timed out is replaced, not refused.
    '  StreamLocalBindUnlink yes',
    '  LogLevel ERROR',
    '',
  ].join('\n');
}

async function materializeKey(dir: string, key: string | undefined): Promise<string | undefined> {
  if (!key) return undefined;
  // The key itself (PEM or OpenSSH armour) rather than a path to it.
  if (!/^-----BEGIN [A-Z0-9 ]+-----$/m.test(key)) return key;
  const path = join(dir, 'id');
  await writeFile(path, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600 });
  return path;
}

/**
 * known_hosts given as content (an action secret, ssh-keyscan output) goes to
 * Steward's private directory, removed with it; a path is used in place, so
 * that accept-new remembers what it learns.
 */
async function materializeKnownHosts(dir: string, value: string): Promise<string> {
  if (!isKnownHostsContent(value)) {
    await mkdir(dirname(value), { recursive: true, mode: 0o700 });
    return value;
  }
  const path = join(dir, 'known_hosts');
  await writeFile(path, value.endsWith('\n') ? value : `${value}\n`, { mode: 0o600 });
  return path;
}

/** Content: several lines, or one `host keytype key` line; a path is one line without blanks. */
export function isKnownHostsContent(value: string): boolean {
  return value.includes('\n') || /^\S+\s+\S+\s+\S+/.test(value.trim());
}

function defaultKnownHosts(): string {
  const state = process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  return join(state, 'steward', 'known_hosts');
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host);
const quoteConfig = (s: string) => (/[\s"]/.test(s) ? `"${s}"` : s);

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
