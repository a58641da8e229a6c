// bench/converge: deploy 20 changed apps over the 2 SSH targets with runConverge, beside the same
// `docker compose up -d` calls run by hand in a loop; then a no-change converge of a 200-app project.
//   node --import tsx bench/converge.ts [--runs N] [--apps N] [--phases] [--keep] [--skip-fleet]
// Needs `scripts/testenv up` (2 SSH targets). Every measured run starts from the same state: the
// project network exists and the image is cached on both engines, no app container exists (apps
// are removed between runs, not counted).
//
// The hand loop talks to the same engines the same way Steward does: DOCKER_HOST=ssh://root@<target>
// through an ssh config with the testenv key, its known_hosts and a ControlMaster (Steward also
// multiplexes one SSH connection per target). A second loop without ControlMaster is printed for
// reference (what `DOCKER_HOST=ssh://` does with a bare ~/.ssh/config).
//
// --phases: a `docker`/`ssh` shim first on PATH logs every call Steward makes (start, end, what),
// so the time of one apply splits into upload, pull, up, ps, prune and health polls, and the plan
// into observe; the shims add ~2 ms per call.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../src/converge/run-record';
import { GitProject } from '../test/support/git-project';
import {
  appYml,
  benchTargetFactory,
  converge,
  countContainers,
  fleetFiles,
  fleetTargets,
  median,
  ms,
  precreateNetwork,
  purgeProject,
  requireTestenv,
} from './_testenv-bench';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const RUNS = opt('--runs', 2);
const APPS = opt('--apps', 20);
const FLEET_APPS = opt('--fleet-apps', 200);
const keep = args.includes('--keep');
const phases = args.includes('--phases');
const PROJECT = 'benchconv';
const FLEET = 'benchfleet'; // shared with bench/plan: --keep there leaves it deployed for this bench

const env = requireTestenv();
const sshTargets = env.targets.slice(0, 2);

// ---- --phases: shims that log every docker / ssh call --------------------------------------
let traceFile: string | undefined;
let shimDir: string | undefined;
if (phases) {
  shimDir = mkdtempSync(join(tmpdir(), 'steward-bench-shim-'));
  traceFile = join(shimDir, 'trace.log');
  const real = (c: string) => execFileSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).trim();
  for (const c of ['docker', 'ssh']) {
    // One line per call: start end exit tag, where tag is what the call does (first words of a remote script).
    writeFileSync(join(shimDir, c), `#!/bin/sh
s=$(date +%s%N)
${real(c)} "$@"
rc=$?
for a; do last=$a; done
printf '%s %s %s ${c} %s\\n' "$s" "$(date +%s%N)" "$rc" "$(printf '%s' "$*" | tr '\\n' ' ' | cut -c1-4000)" >> ${traceFile}
exit $rc
`);
    chmodSync(join(shimDir, c), 0o755);
  }
  process.env.PATH = `${shimDir}:${process.env.PATH}`;
}

function classify(line: string): string {
  if (line.includes(' ssh ') && line.includes('dial-stdio')) return 'ssh: docker CLI connection (dial-stdio)';
  if (line.includes('-O exit')) return 'ssh: close master';
  if (line.includes(' docker ') && / compose .* pull /.test(line)) return 'apply: compose pull';
  if (line.includes(' docker ') && / compose .* up /.test(line)) return 'apply: compose up';
  if (line.includes(' docker ') && / compose .* ps /.test(line)) return 'apply: compose ps';
  if (line.includes(' docker ') && / compose .* down /.test(line)) return 'remove: compose down';
  if (line.includes(' docker ') && / compose version/.test(line)) return 'prepare: compose version (runner)';
  if (line.includes('.incoming')) return 'apply: upload files';
  if (line.includes('@@steward-http') || line.includes('label=com.docker.compose.project=')) return 'apply: health poll';
  if (line.includes('owned=')) return 'apply: prune strays';
  if (line.includes('@@steward-engine') || line.includes('network create')) return 'prepare: host';
  if (line.includes('label=steward.project=') && line.includes('@@steward-containers')) return 'observe';
  if (line.includes(' ssh ')) return `ssh: other (${line.split(' ').slice(5, 12).join(' ')})`;
  return `docker: other (${line.split(' ').slice(4, 9).join(' ')})`;
}

function readTrace(since: number): { total: Record<string, { calls: number; ms: number; medianMs: number }> } {
  if (!traceFile) return { total: {} };
  let text = '';
  try {
    text = readFileSync(traceFile, 'utf8');
  } catch {
    return { total: {} };
  }
  const by: Record<string, number[]> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const [s, e] = line.split(' ');
    if (Number(BigInt(s!) / 1_000_000n) < since) continue;
    const k = classify(line);
    (by[k] ??= []).push(Number((BigInt(e!) - BigInt(s!)) / 1000n) / 1000);
  }
  const total: Record<string, { calls: number; ms: number; medianMs: number }> = {};
  for (const [k, xs] of Object.entries(by).sort()) total[k] = { calls: xs.length, ms: Math.round(xs.reduce((a, b) => a + b, 0)), medianMs: Math.round(median(xs)) };
  return { total };
}

/** Share of the machine's CPU time that was busy between two samples of /proc/stat (all processes: runner, sshd, dockerd). */
function cpuSample(): number[] {
  return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
}
function cpuBusy(a: number[], b: number[]): number {
  const d = b.map((x, i) => x - a[i]!);
  const total = d.reduce((x, y) => x + y, 0);
  const idle = d[3]! + (d[4] ?? 0);
  return +((1 - idle / total) * 100).toFixed(0);
}

// ---- the 20-app project ------------------------------------------------------------------
const network = `edge: ${sshTargets[0]!.name}\ntargets:\n${sshTargets.map((t) => `  ${t.name}: { address: ${t.address}, port: ${t.port}, user: ${t.user}, dir: ${t.dir} }`).join('\n')}\n`;
const targetsForApps = sshTargets.map((t) => ({ name: t.name, line: '' }));

/** Commit A: no apps; commit B: 20 apps added. The converged ref is put back on A before each run. */
function makeProject(parallelism: number): { p: GitProject; base: string } {
  const p = new GitProject({
    'project.yml': `name: ${PROJECT}\ndomain: ${PROJECT}.test\nconverge: { health_timeout: 60s, parallelism: ${parallelism}, lock_timeout: 1s }\n`,
    'network.yml': network,
  });
  const base = p.head();
  const apps: Record<string, string> = {};
  for (let i = 0; i < APPS; i++) apps[`services/app${i}/service.yml`] = appYml({ targets: targetsForApps, image: env.images.v1 }, i);
  p.commit(apps, `add ${APPS} apps`);
  return { p, base };
}

const createTarget = benchTargetFactory(env);

async function stewardRun(parallelism: number): Promise<{ ms: number; record: RunRecord; trace?: ReturnType<typeof readTrace>; planMs?: number; cpuBusyPct: number }> {
  const { p, base } = makeProject(parallelism);
  try {
    p.git('update-ref', 'refs/steward/converged', base);
    const t0 = process.hrtime.bigint();
    const wall = Date.now();
    const cpu0 = cpuSample();
    let planAt = 0;
    const record = await converge(env, p, createTarget, (l) => {
      if (l.startsWith('plan: ')) planAt = ms(t0);
    });
    const took = ms(t0);
    return { ms: took, record, planMs: planAt, cpuBusyPct: cpuBusy(cpu0, cpuSample()), trace: phases ? readTrace(wall) : undefined };
  } finally {
    p.cleanup();
  }
}

/** An ssh config like Steward's (key, known_hosts, strict host keys), with or without a ControlMaster. */
function sshShim(mux: boolean): { env: NodeJS.ProcessEnv; close: () => void; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-ssh-'));
  const conf = join(dir, 'config');
  writeFileSync(conf, [
    'Host *', `  IdentityFile ${env.sshKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${env.knownHosts}`, '  StrictHostKeyChecking yes',
    '  BatchMode yes', '  LogLevel ERROR',
    ...(mux ? ['  ControlMaster auto', `  ControlPath ${dir}/cm-%C`, '  ControlPersist 60'] : []), '',
  ].join('\n'));
  mkdirSync(join(dir, 'bin'));
  const realSsh = execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'bin', 'ssh'), `#!/bin/sh\nexec ${realSsh} -F ${conf} "$@"\n`, { mode: 0o755 });
  return {
    dir,
    env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
    close: () => {
      for (const t of sshTargets) spawn(realSsh, ['-F', conf, '-O', 'exit', `${t.user}@${t.address}`], { stdio: 'ignore' });
      setTimeout(() => rmSync(dir, { recursive: true, force: true }), 500);
    },
  };
}

function runAsync(cmd: string, argv: string[], e: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, argv, { env: e, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (b) => (err += b));
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${argv.join(' ')}: exit ${code}: ${err.trim()}`))));
  });
}

/** The same compose files (rendered/<target>/<app>/compose.yaml), `docker compose up -d` one after the other. */
let handCpu = 0;
async function handLoop(mux: boolean): Promise<number> {
  const { p } = makeProject(1);
  const ssh = sshShim(mux);
  try {
    const t0 = process.hrtime.bigint();
    const cpu0 = cpuSample();
    for (let i = 0; i < APPS; i++) {
      const t = sshTargets[i % sshTargets.length]!;
      await runAsync('docker', ['compose', '-p', `${PROJECT}-app${i}`, '-f', join(p.dir, 'rendered', t.name, `app${i}`, 'compose.yaml'), 'up', '-d'], { ...ssh.env, DOCKER_HOST: `ssh://${t.user}@${t.address}:${t.port}` });
    }
    const took = ms(t0);
    handCpu = cpuBusy(cpu0, cpuSample());
    return took;
  } finally {
    ssh.close();
    p.cleanup();
  }
}

async function reset(): Promise<void> {
  await purgeProject(env, PROJECT, { keepNetwork: true });
}

const out: Record<string, unknown> = { bench: 'converge', machine: '2 cores; targets are network namespaces on this host (SSH over a veth, no WAN latency)', loadAvgAtStart: loadavg().map((x) => +x.toFixed(1)) };
try {
  // Warm-up, not counted: the network exists and the image is cached on both engines, as in every measured run.
  await reset();
  const warm = await stewardRun(4);
  if (warm.record.result !== 'success') throw new Error(`warm-up converge failed: ${warm.record.summary} ${warm.record.errors.join('; ')}`);

  const hand: number[] = [];
  const handNoMux: number[] = [];
  const steward: Record<number, number[]> = { 1: [], 4: [] };
  const details: Record<string, unknown> = {};
  for (let r = 0; r < RUNS; r++) {
    await reset();
    hand.push(await handLoop(true));
    if (r === 0) details.handLoopCpuBusyPct = handCpu;
    if (countContainers(env, PROJECT) !== APPS) throw new Error('hand loop did not start every app');
    if (r === 0) {
      await reset();
      handNoMux.push(await handLoop(false));
    }
    for (const par of [1, 4]) {
      await reset();
      const run = await stewardRun(par);
      const applied = run.record.steps.filter((s) => s.result === 'success' && s.action === 'deploy').length;
      if (run.record.result !== 'success' || applied !== APPS) throw new Error(`converge (parallelism ${par}) did not deploy ${APPS} apps: ${run.record.summary}: ${run.record.errors.join('; ')}`);
      steward[par]!.push(run.ms);
      if (r === 0) {
        const deploys = run.record.steps.filter((s) => s.action === 'deploy').map((s) => s.durationMs);
        details[`parallelism${par}`] = {
          planMs: run.planMs,
          cpuBusyPct: run.cpuBusyPct,
          applyMsPerAppMedian: median(deploys),
          applyMsPerAppSum: deploys.reduce((a, b) => a + b, 0),
          prepareMs: run.record.steps.filter((s) => s.action === 'prepare').map((s) => s.durationMs),
          ...(run.trace ? { calls: run.trace.total } : {}),
        };
      }
    }
  }
  const handMs = median(hand);
  out.changed = {
    apps: APPS,
    targets: sshTargets.map((t) => `${t.name} (ssh://${t.user}@${t.address})`),
    runs: RUNS,
    handLoop: {
      how: 'for each app: DOCKER_HOST=ssh://root@<target> docker compose -p <project>-<app> -f rendered/<target>/<app>/compose.yaml up -d; sequential; ssh config with the testenv key, known_hosts and a ControlMaster',
      ms: handMs,
      runsMs: hand,
      withoutControlMasterMs: handNoMux[0],
    },
    steward: Object.fromEntries([1, 4].map((par) => [`parallelism${par}`, { ms: median(steward[par]!), runsMs: steward[par], ratio: +(median(steward[par]!) / handMs).toFixed(2) }])),
    goal: { ratioParallelism1: 1.2, ratioParallelism4: 0.7 },
    stewardDoesMore: 'per app: upload files and secrets (1 ssh session), compose up (through the engine socket forwarded on the SSH connection), health polls (Engine API in-process; an HTTP check over the SSH connection when the app has one) that also catch hand-made strays; plus plan (diff, observe) and prepare per target',
    details,
  };
  await reset();
  if (!keep) await purgeProject(env, PROJECT);
} catch (e) {
  out.changedError = (e as Error).message;
  await purgeProject(env, PROJECT).catch(() => undefined);
}

// ---- no-change converge of the 200-app fleet -----------------------------------------------
if (!args.includes('--skip-fleet')) {
  const targets = fleetTargets(env, 10);
  const files = await fleetFiles({ project: FLEET, apps: FLEET_APPS, targets, parallelism: 1, image: env.images.v1, secret: true });
  const p = new GitProject(files);
  const preexisting = countContainers(env, FLEET);
  try {
    if (preexisting < FLEET_APPS) {
      precreateNetwork(env, FLEET);
      const t0 = process.hrtime.bigint();
      const rec = await converge(env, p, createTarget);
      out.fleetDeploy = { ms: ms(t0), result: rec.result, summary: rec.summary, note: 'setup, not a figure: parallelism 1 per Steward target (10 targets on 3 engines)' };
    } else out.fleetDeploy = { reused: preexisting };
    p.markConverged();
    const times: number[] = [];
    const planTimes: number[] = [];
    let last: RunRecord | undefined;
    const wall = Date.now();
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      let planAt = 0;
      last = await converge(env, p, createTarget, (l) => {
        if (l.startsWith('plan: ')) planAt = ms(t0);
      });
      times.push(ms(t0));
      planTimes.push(planAt);
    }
    out.noChange = {
      apps: FLEET_APPS,
      targets: `${targets.length} Steward targets on the local engine and the 2 SSH hosts (${targets.map((t) => t.name).join(' ')})`,
      secrets: 'every app uses API_TOKEN: converge decrypts and compares the keyed secrets hash',
      msMedianOf3: median(times),
      runsMs: times,
      untilPlanMs: planTimes,
      steps: last!.steps.length,
      summary: last!.summary,
      goalMs: 3000,
      ...(phases ? { calls: readTrace(wall).total } : {}),
    };
  } finally {
    p.cleanup();
    if (!keep && preexisting < FLEET_APPS) await purgeProject(env, FLEET);
  }
}
if (shimDir) rmSync(shimDir, { recursive: true, force: true });
out.loadAvgAtEnd = loadavg().map((x) => +x.toFixed(1));
console.log(JSON.stringify(out, null, 2));
