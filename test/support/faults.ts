// Fault injection on real engines: a converge killed with SIGKILL at seeded
// random moments, then run again. Shared by test/e2e/faults and bench/faults,
// which differ only in the number of trials.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../src/converge/run-record';
import type { Manifest } from '../../src/render/manifest';
import { createSopsFile } from '../../src/secrets';
import { ALICE, ALICE_RECIPIENT, observeAll, removeAll } from './converge-fixture';
import { GitProject } from './git-project';
import type { Testenv } from './testenv';
import { serviceYml, testenvNetwork } from './testenv-project';

/** mulberry32: a small seeded generator, so a failing trial can be replayed from its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FAULT_SECRET = 'fault-secret-7f3a9c';

const CLI = new URL('../../src/cli/index.ts', import.meta.url).pathname;

/**
 * Five apps over the local engine and two SSH targets: a dependency chain
 * across targets, a secret, and a mounted file, so that a kill can land in
 * any kind of step.
 */
export async function faultProject(env: Testenv, name: string): Promise<GitProject> {
  const secrets = await createSopsFile({ API_TOKEN: FAULT_SECRET }, { file: 'secrets/app.sops.yaml', recipients: [ALICE_RECIPIENT] });
  return new GitProject({
    'project.yml': `name: ${name}\ndomain: ${name}.test\nconverge: { health_timeout: 20s, parallelism: 4, lock_timeout: 30s }\n`,
    'network.yml': testenvNetwork(env),
    ...faultApps(env, 0),
    'secrets/app.sops.yaml': secrets,
  });
}

/** The apps at generation `gen`: every generation changes every app (image and a mounted file). */
export function faultApps(env: Testenv, gen: number): Record<string, string> {
  const image = gen % 2 === 0 ? env.images.v1 : env.images.v2;
  const file = (app: string) => `files:\n  - { source: files/note.txt, path: /www/note.txt }\n# generation ${gen} of ${app}\n`;
  return {
    'services/web/service.yml': serviceYml('core', image, file('web')),
    'services/web/files/note.txt': `web note ${gen}\n`,
    'services/api/service.yml': serviceYml('t1', image, `depends_on: [web]\nsecrets: [API_TOKEN]\n${file('api')}`),
    'services/api/files/note.txt': `api note ${gen}\n`,
    'services/cache/service.yml': serviceYml('t1', image, `# generation ${gen}\n`),
    'services/worker/service.yml': serviceYml('t2', image, `depends_on: [api]\n# generation ${gen}\n`),
    'services/front/service.yml': serviceYml('t2', image, `# generation ${gen}\n`),
  };
}

export interface ConvergeProcess {
  /** Resolves when the process has ended, however. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** SIGKILL to the whole process group: the CLI and every ssh, docker and compose it started. */
  kill(): void;
}

export function cliEnv(env: Testenv, stateDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    STEWARD_AGE_KEY: ALICE,
    STEWARD_STATE_DIR: stateDir,
    // The key itself, as a runner's secret gives it: Steward must write it somewhere for ssh, and clear it.
    STEWARD_SSH_KEY: readFileSync(env.sshKey, 'utf8'),
    STEWARD_KNOWN_HOSTS: env.knownHosts,
    DOCKER_HOST: env.localDockerHost,
  };
}

/** `steward converge` as its own process group, as a runner's job would be. */
export function startConverge(env: Testenv, p: GitProject, stateDir: string, extra: string[] = []): ConvergeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'converge', '--project', p.dir, ...extra], {
    env: cliEnv(env, stateDir),
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    done,
    kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
  };
}

/** A converge run to its end, with its RunRecord. */
export async function convergeToEnd(env: Testenv, p: GitProject, stateDir: string): Promise<{ code: number | null; stderr: string; record: RunRecord }> {
  const out = join(stateDir, `record-${Date.now()}-${Math.random().toString(36).slice(2, 6)}.json`);
  const c = startConverge(env, p, stateDir, ['--out', out]);
  const timer = setTimeout(() => c.kill(), 180_000);
  try {
    const r = await c.done;
    if (!existsSync(out)) throw new Error(`converge wrote no record (exit ${r.code}, ${r.signal ?? 'no signal'}):\n${r.stderr}`);
    const record = JSON.parse(readFileSync(out, 'utf8')) as RunRecord;
    rmSync(out, { force: true });
    return { code: r.code, stderr: r.stderr, record };
  } finally {
    clearTimeout(timer);
  }
}

export interface AppState {
  app: string;
  target: string;
  hash?: string;
  status: string;
  containers: number;
}

/** Every app of the project as observed, across all targets (an app seen on two targets appears twice). */
export async function appStates(env: Testenv, p: GitProject): Promise<AppState[]> {
  const seen = await observeAll(env, p);
  return Object.values(seen).flatMap((t) => t.apps.map((a) => ({ app: a.app, target: t.target, hash: a.hash, status: a.status, containers: a.containers.length })));
}

export function desiredApps(p: GitProject): Map<string, { target: string; hash: string }> {
  const manifest = JSON.parse(readFileSync(join(p.dir, 'rendered/manifest.json'), 'utf8')) as Manifest;
  return new Map(manifest.apps.filter((a) => a.state === 'present').map((a) => [a.name, { target: a.target, hash: a.hash ?? '' }]));
}

/** What is wrong with the project's apps now, in words; empty when every app is at its desired release and healthy. */
export function convergenceProblems(desired: Map<string, { target: string; hash: string }>, states: AppState[]): string[] {
  const problems: string[] = [];
  for (const [app, want] of desired) {
    const here = states.filter((s) => s.app === app);
    if (here.length === 0) problems.push(`${app}: missing`);
    for (const s of here) {
      if (s.target !== want.target) problems.push(`${app}: also runs on ${s.target}`);
      else if (s.hash !== want.hash) problems.push(`${app}: hash ${s.hash ?? '(mixed)'} != ${want.hash}`);
      else if (s.status !== 'running') problems.push(`${app}: ${s.status}`);
      if (s.containers !== 1) problems.push(`${app} on ${s.target}: ${s.containers} containers`);
    }
  }
  for (const s of states) if (!desired.has(s.app)) problems.push(`${s.app}: not in the project but runs on ${s.target}`);
  return problems;
}

/** Compose projects of this Steward project per engine: each app must be exactly one. */
export function composeProjects(env: Testenv, project: string): string[] {
  const engines = [env.localDockerHost, ...env.targets.map((t) => t.socket)];
  const out: string[] = [];
  for (const host of engines) {
    const names = execFileSync('docker', ['-H', host, 'ps', '-a', '--filter', `label=steward.project=${project}`, '--format', '{{.Label "com.docker.compose.project"}}'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    out.push(...names.map((n) => `${host}:${n}`));
  }
  return out;
}

/**
 * Files under `roots` that hold `value` in clear. `allowed` says which of
 * them may: the secrets file of an app on its target, nowhere else.
 */
export function plaintextCopies(value: string, roots: string[], allowed: (path: string) => boolean, since = 0): string[] {
  const found: string[] = [];
  const needle = Buffer.from(value);
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      let st;
      try {
        st = statSync(path, { throwIfNoEntry: false });
      } catch {
        continue;
      }
      if (!st) continue;
      if (st.isDirectory()) {
        if (depth < 12) walk(path, depth + 1);
      } else if (st.isFile() && st.size < 4 << 20 && st.mtimeMs >= since) {
        try {
          if (readFileSync(path).includes(needle) && !allowed(path)) found.push(path);
        } catch {
          /* vanished or unreadable */
        }
      }
    }
  };
  for (const r of roots) walk(r, 0);
  return found;
}

/** Where an app's secrets may rest on a target: its app dir's secrets file, or one of its releases'. */
export function allowedSecretPath(env: Testenv, project: string): (path: string) => boolean {
  const dirs = [env.localDir, ...env.targets.map((t) => t.dir)].map((d) => `${d.replace(/\/+$/, '')}/${project}/`);
  return (path) => dirs.some((d) => path.startsWith(d)) && /\/secrets\.env$/.test(path);
}

export interface KillTrial {
  trial: number;
  delayMs: number;
  /** The killed run ended by itself before the kill landed. */
  finishedFirst: boolean;
  problemsAfterKill: number;
  rerun: RunRecord['result'];
  rerunSteps: number;
  problems: string[];
}

export interface KillFigures {
  seed: number;
  trials: number;
  failures: number;
  killedMidRun: number;
  leftPlaintext: string[];
  duplicates: number;
  fullConvergeMs: number;
  results: KillTrial[];
}

/**
 * K trials: commit a change to every app, start a converge, SIGKILL its
 * process group after a seeded random delay within one full converge's
 * duration, converge again, and check the result.
 */
export async function killTrials(env: Testenv, opts: { k: number; seed: number; name: string; log?: (l: string) => void }): Promise<KillFigures> {
  const log = opts.log ?? (() => {});
  const random = seededRandom(opts.seed);
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-faults-state-'));
  const started = Date.now();
  const p = await faultProject(env, opts.name);
  const figures: KillFigures = { seed: opts.seed, trials: opts.k, failures: 0, killedMidRun: 0, leftPlaintext: [], duplicates: 0, fullConvergeMs: 0, results: [] };
  try {
    // A full converge first, unkilled: the yardstick for where kills can land.
    const t0 = Date.now();
    const first = await convergeToEnd(env, p, stateDir);
    figures.fullConvergeMs = Date.now() - t0;
    if (first.record.result !== 'success') throw new Error(`the first converge failed: ${JSON.stringify(first.record.errors)}`);
    for (let i = 1; i <= opts.k; i++) {
      p.commit(faultApps(env, i), `generation ${i}`);
      const delayMs = Math.round(random() * figures.fullConvergeMs);
      const c = startConverge(env, p, stateDir);
      let finishedFirst = false;
      const timer = setTimeout(() => c.kill(), delayMs);
      const end = await c.done;
      clearTimeout(timer);
      finishedFirst = end.signal !== 'SIGKILL';
      if (!finishedFirst) figures.killedMidRun++;
      const desired = desiredApps(p);
      const afterKill = convergenceProblems(desired, await appStates(env, p));
      const again = await convergeToEnd(env, p, stateDir);
      const problems = convergenceProblems(desired, await appStates(env, p));
      if (again.record.result !== 'success') problems.push(`re-run ${again.record.result}: ${JSON.stringify(again.record.errors)}`);
      // The re-run's record says what it finished: each app the kill left behind is one of its steps.
      const stepped = new Set(again.record.steps.filter((s) => s.result === 'success').map((s) => s.app));
      for (const line of afterKill) {
        const app = line.split(/[: ]/)[0];
        if (!stepped.has(app)) problems.push(`${app} was left as "${line}" by the kill, and the re-run's record has no step for it`);
      }
      const projects = composeProjects(env, opts.name);
      const dupes = projects.length - new Set(projects).size;
      if (new Set(projects).size !== desired.size) problems.push(`compose projects: ${[...new Set(projects)].join(', ')}`);
      figures.duplicates += dupes;
      const trial: KillTrial = { trial: i, delayMs, finishedFirst, problemsAfterKill: afterKill.length, rerun: again.record.result, rerunSteps: again.record.steps.length, problems };
      figures.results.push(trial);
      if (problems.length) figures.failures++;
      log(`trial ${i}/${opts.k}: kill at ${delayMs} ms${finishedFirst ? ' (run had finished)' : ''}, ${afterKill.length} app(s) off, re-run ${again.record.result} in ${again.record.steps.length} step(s)${problems.length ? `: ${problems.join('; ')}` : ''}`);
    }
    const roots = [tmpdir(), stateDir, env.localDir, ...env.targets.map((t) => t.dir)];
    // The app's secret may rest only in its secrets files on the targets; the SSH key only where the user keeps it.
    const key = readFileSync(env.sshKey, 'utf8').split('\n').find((l) => l.length > 40 && !l.startsWith('-----'))!;
    figures.leftPlaintext = [
      ...plaintextCopies(FAULT_SECRET, roots, allowedSecretPath(env, opts.name), started),
      ...plaintextCopies(key, [tmpdir(), stateDir], () => false, started).map((f) => `${f} (SSH private key)`),
    ];
    return figures;
  } finally {
    await removeAll(env, p);
    p.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
