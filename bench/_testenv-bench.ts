// Shared helpers for the benches that run against `scripts/testenv` (bench/plan, bench/converge).
// Not a bench itself. Nothing here asserts: the benches print figures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSopsFile } from '../src/secrets';
import { runConverge } from '../src/converge/run-converge';
import type { RunRecord } from '../src/converge/run-record';
import type { ObservedTarget, ObserveOptions, Target, TargetSpec, TargetFactory } from '../src/targets/target';
import { ALICE_IDS, ALICE_RECIPIENT } from '../test/support/converge-fixture';
import { GitProject, git } from '../test/support/git-project';
import { loadTestenv, TESTENV_STATE, type Testenv } from '../test/support/testenv';
import { serviceYml, testenvTargetFactory } from '../test/support/testenv-project';

export { ALICE_IDS };

export function requireTestenv(): Testenv {
  const env = loadTestenv();
  if (!env) {
    console.error(`test environment not up (${TESTENV_STATE} missing): run scripts/testenv up`);
    process.exit(2);
  }
  if (env.targets.length < 2) {
    console.error('need 2 SSH targets: scripts/testenv up (default STEWARD_TESTENV_TARGETS=2)');
    process.exit(2);
  }
  return env;
}

export const ms = (t0: bigint) => Math.round(Number(process.hrtime.bigint() - t0) / 1e6);
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

/**
 * Several Steward targets on one testenv host: each has its own `dir:` and its
 * own SSH connection, but they share an engine, so a plain observe would show
 * each target its neighbours' apps (and plan to remove them as "moved"). This
 * driver keeps only the containers whose `steward.target` label names it, i.e.
 * what a dedicated engine would hold. The remote call is unchanged (it still
 * lists the whole engine's containers of the project: pessimistic).
 */
class SharedEngineTarget implements Target {
  constructor(private readonly inner: Target) {}
  get spec(): TargetSpec {
    return this.inner.spec;
  }
  get roundTrips(): number {
    return this.inner.roundTrips;
  }
  async observe(options?: ObserveOptions): Promise<ObservedTarget> {
    const o = await this.inner.observe(options);
    const mine = (labels: Record<string, string>) => labels['steward.target'] === this.spec.name;
    return {
      ...o,
      apps: o.apps.filter((a) => a.containers.some((c) => mine(c.labels))),
      leftovers: o.leftovers.filter((l) => mine(l.container.labels)),
    };
  }
  prepare: Target['prepare'] = (p, a) => this.inner.prepare(p, a);
  apply: Target['apply'] = (a) => this.inner.apply(a);
  remove: Target['remove'] = (a) => this.inner.remove(a);
  removeContainers: Target['removeContainers'] = (ids) => this.inner.removeContainers(ids);
  syncFiles: Target['syncFiles'] = (ref, dir, files, options) => this.inner.syncFiles(ref, dir, files, options);
  health: Target['health'] = (a) => this.inner.health(a);
  logs: Target['logs'] = (a, n) => this.inner.logs(a, n);
  currentRelease: Target['currentRelease'] = (a) => this.inner.currentRelease(a);
  rollback: Target['rollback'] = (a) => this.inner.rollback(a);
  close: Target['close'] = () => this.inner.close();
}

export function benchTargetFactory(env: Testenv, hooks: { onCreate?: (t: Target) => Target } = {}): TargetFactory {
  const base = testenvTargetFactory(env);
  return (spec, runtime) => {
    const t = new SharedEngineTarget(base(spec, runtime));
    return hooks.onCreate ? hooks.onCreate(t) : t;
  };
}

/** The hosts of the testenv: the local engine and the SSH targets, as network.yml fields. */
function hosts(env: Testenv): { key: string; fields: (dir: string) => string; dir: string }[] {
  return [
    { key: 'l', dir: env.localDir, fields: (dir: string) => `address: local, dir: ${dir}` },
    ...env.targets.map((t, i) => ({ key: `s${i + 1}`, dir: t.dir, fields: (dir: string) => `address: ${t.address}, port: ${t.port}, user: ${t.user}, dir: ${dir}` })),
  ];
}

/**
 * `n` Steward targets spread over the testenv hosts: 1 on the local engine (the only one allowed), the
 * rest shared evenly by the SSH hosts (observe in production is mostly SSH).
 * Each has its own dir under the host's apps dir.
 */
const FLEET_TARGET = /^(l|s\d+)[a-z]$/;

export function fleetTargets(env: Testenv, n: number): { name: string; line: string }[] {
  const hs = hosts(env);
  const local = Math.min(1, n); // network.yml allows one `address: local` target
  const out: { name: string; line: string }[] = [];
  const add = (h: (typeof hs)[number], i: number) => {
    const name = `${h.key}${String.fromCharCode(97 + i)}`;
    out.push({ name, line: `  ${name}: { ${h.fields(`${h.dir}/${name}`)} }` });
  };
  for (let i = 0; i < local; i++) add(hs[0]!, i);
  const ssh = hs.slice(1);
  for (let i = 0; i < n - local; i++) add(ssh[i % ssh.length]!, Math.floor(i / ssh.length));
  return out;
}

export interface FleetOptions {
  project: string;
  apps: number;
  targets: { name: string; line: string }[];
  parallelism: number;
  image: string;
  /** Every app uses the secret API_TOKEN (so converge decrypts, as a real project would). */
  secret?: boolean;
  healthTimeout?: string;
}

export async function fleetFiles(o: FleetOptions): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    'project.yml': `name: ${o.project}\ndomain: ${o.project}.test\nconverge: { health_timeout: ${o.healthTimeout ?? '60s'}, parallelism: ${o.parallelism}, lock_timeout: 1s }\n`,
    'network.yml': `edge: ${o.targets[0]!.name}\ntargets:\n${o.targets.map((t) => t.line).join('\n')}\n`,
  };
  if (o.secret) files['secrets/app.sops.yaml'] = await createSopsFile({ API_TOKEN: 'bench-token-1' }, { file: 'secrets/app.sops.yaml', recipients: [ALICE_RECIPIENT] });
  for (let i = 0; i < o.apps; i++) files[`services/app${i}/service.yml`] = appYml(o, i);
  return files;
}

export function appYml(o: Pick<FleetOptions, 'targets' | 'image' | 'secret'>, i: number, extraEnv = ''): string {
  const t = o.targets[i % o.targets.length]!.name;
  return serviceYml(t, o.image, `env: { APP: "app${i}"${extraEnv} }\n${o.secret ? 'secrets: [API_TOKEN]\n' : ''}`);
}

/**
 * Appends `count` commits of history on top of HEAD with `git fast-import`
 * (each touches one small file under docs/, as day-to-day commits to a repo
 * do), then checks the new HEAD out. 500 commits take well under a second.
 */
export function appendHistory(p: GitProject, count: number): void {
  if (count <= 0) return;
  const parent = p.head();
  const chunks: string[] = [];
  const t0 = 1_700_000_000;
  for (let k = 0; k < count; k++) {
    const msg = `docs: note ${k}\n`;
    const body = `note ${k}\n`;
    chunks.push(
      'commit refs/heads/main\n',
      `committer Bench <bench@example.invalid> ${t0 + k * 60} +0000\n`,
      `data ${Buffer.byteLength(msg)}\n${msg}`,
      k === 0 ? `from ${parent}\n` : '',
      `M 100644 inline docs/notes/n${k % 40}.md\n`,
      `data ${Buffer.byteLength(body)}\n${body}\n`,
    );
  }
  execFileSync('git', ['fast-import', '--quiet', '--force'], { cwd: p.repoDir, input: chunks.join(''), stdio: ['pipe', 'ignore', 'pipe'] });
  git(p.repoDir, 'reset', '-q', '--hard', 'main');
}

export function convergeOpts(env: Testenv, p: GitProject, createTarget: (spec: TargetSpec) => Target, log?: (l: string) => void) {
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-bench-state-'));
  return {
    opts: { projectDir: p.dir, identities: ALICE_IDS, stateDir, runId: `bench-${Math.random().toString(36).slice(2, 8)}`, trigger: 'cli' as const, createTarget, log, pushRef: false },
    cleanup: () => rmSync(stateDir, { recursive: true, force: true }),
  };
}

export async function converge(env: Testenv, p: GitProject, createTarget: (spec: TargetSpec) => Target, log?: (l: string) => void): Promise<RunRecord> {
  const { opts, cleanup } = convergeOpts(env, p, createTarget, log);
  try {
    return await runConverge(opts);
  } finally {
    cleanup();
  }
}

/** Containers of a project, per engine socket (root-namespace sockets: set-up and checks only). */
export function engines(env: Testenv): { name: string; socket: string }[] {
  return [{ name: 'local', socket: env.localDockerHost }, ...env.targets.map((t) => ({ name: t.name, socket: t.socket }))];
}

export function countContainers(env: Testenv, project: string): number {
  let n = 0;
  for (const e of engines(env)) {
    const out = execFileSync('docker', ['-H', e.socket, 'ps', '-q', '--filter', `label=steward.project=${project}`], { encoding: 'utf8' });
    n += out.split('\n').filter(Boolean).length;
  }
  return n;
}

/**
 * Creates the project network on every engine (set-up, not timed). Several Steward targets share
 * an engine here, and their prepare steps would race to create the same network at once (one
 * fails with "cannot create the network"); a host per target, as in production, has no such race.
 */
export function precreateNetwork(env: Testenv, project: string): void {
  for (const e of engines(env)) {
    try {
      execFileSync('docker', ['-H', e.socket, 'network', 'create', '--label', `steward.project=${project}`, `steward-${project}`], { stdio: 'ignore' });
    } catch {
      /* exists */
    }
  }
}

/** Removes every container, network and volume of the project on every engine, and its app dirs. Not timed. */
export async function purgeProject(env: Testenv, project: string, opts: { keepNetwork?: boolean } = {}): Promise<void> {
  await Promise.all(engines(env).map(async (e) => {
    const dockerOut = (args: string[]) => execFileSync('docker', ['-H', e.socket, ...args], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const ids = dockerOut(['ps', '-aq', '--filter', `label=steward.project=${project}`]);
    for (let i = 0; i < ids.length; i += 50) execFileSync('docker', ['-H', e.socket, 'rm', '-f', '-v', ...ids.slice(i, i + 50)], { stdio: 'ignore' });
    const vols = dockerOut(['volume', 'ls', '-q', '--filter', `label=steward.project=${project}`]);
    if (vols.length) execFileSync('docker', ['-H', e.socket, 'volume', 'rm', '-f', ...vols], { stdio: 'ignore' });
    // By id: a race between targets sharing an engine can leave two networks of that name.
    const nets = opts.keepNetwork ? [] : dockerOut(['network', 'ls', '-q', '--filter', `name=^steward-${project}$`]);
    if (nets.length) execFileSync('docker', ['-H', e.socket, 'network', 'rm', ...nets], { stdio: 'ignore' });
  }).map((p) => p.catch(() => undefined)));
  for (const h of [env.localDir, ...env.targets.map((t) => t.dir)]) {
    // Per-target dirs (fleet) and the plain layout (<dir>/<project>).
    rmSync(join(h, project), { recursive: true, force: true });
    try {
      for (const sub of readdirSync(h).filter((d) => FLEET_TARGET.test(d))) rmSync(join(h, sub, project), { recursive: true, force: true });
    } catch {
      /* no dir */
    }
  }
}
