// bench/plan: runPlan on a 200-app project over 10 targets with 500 commits of history.
//   node --import tsx bench/plan.ts [--apps N] [--phases] [--keep]
// Needs `scripts/testenv up` (the local engine and 2 SSH targets). The 10 Steward targets share
// those 3 engines (1 on the local engine, the only one network.yml allows; 5 and 4 on the SSH hosts), each with its own dir and its own
// SSH connection; a driver wrapper keeps, per target, the containers labelled for it (see
// bench/_testenv-bench.ts). The apps are deployed once with runConverge (or reused when a
// previous `--keep` left them), then every figure is a runPlan against that deployed state:
//   - no-change plan: the converged ref is HEAD; median of 3 after one cold run, in a fresh process;
//   - one-app-change plan: HEAD changes app7's env, the converged ref is HEAD~1;
//   - the same no-change plan on a repo with 50 commits instead of 500 (same tree, same targets).
// --phases times the parts of a plan from outside, by calling them one by one: load+render,
// diff (git), observe (10 targets at once, with the SSH handshakes), and the per-app `git show`
// of the previous compose file that runPlan does for the compose diffs.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { runPlan } from '../src/plan/run-plan';
import { loadProject } from '../src/project/load';
import { renderProject } from '../src/render/render';
import { runDiff } from '../src/diff/run-diff';
import { GitRepo } from '../src/git/repo';
import { GitProject } from '../test/support/git-project';
import {
  appendHistory,
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
const FLEET = 'benchfleet'; // shared with bench/converge (its no-change converge reuses a --keep deployment)

if (args[0] === '--child') {
  // One scenario in a fresh process: a cold run, then 3 measured runs.
  const [, dir, withPhases] = args;
  const env = requireTestenv();
  const createTarget = benchTargetFactory(env);
  const runs: number[] = [];
  let last: Awaited<ReturnType<typeof runPlan>> | undefined;
  let observeLog: number[] = [];
  for (let i = 0; i < 4; i++) {
    const lines: number[] = [];
    const t0 = process.hrtime.bigint();
    last = await runPlan({ projectDir: dir!, createTarget, log: (l) => { const m = / in (\d+) ms$/.exec(l); if (m) lines.push(Number(m[1])); } });
    runs.push(ms(t0));
    observeLog = lines;
  }
  const out: Record<string, unknown> = {
    coldMs: runs[0],
    ms: median(runs.slice(1)),
    runsMs: runs.slice(1),
    exitCode: last!.exitCode,
    summary: last!.plan.summary,
    steps: last!.plan.steps.length,
    firstSteps: last!.plan.steps.slice(0, 4).map((s) => `${s.id}: ${s.reasons.map((r) => r.why).join('; ')}`),
    observeMsPerTarget: { max: Math.max(...observeLog), median: median(observeLog) },
  };
  if (withPhases === 'phases') {
    const phase: Record<string, number[]> = { loadRender: [], diff: [], observeAll: [], observeAllWarm: [], composeShows: [] };
    for (let i = 0; i < 3; i++) {
      let t = process.hrtime.bigint();
      const project = loadProject(dir!);
      const rendered = renderProject(project);
      phase.loadRender!.push(ms(t));
      t = process.hrtime.bigint();
      const cs = await runDiff({ projectDir: dir! });
      phase.diff!.push(ms(t));
      t = process.hrtime.bigint();
      const opened = Object.values(project.network.targets).map((spec) => createTarget(spec));
      await Promise.all(opened.map((target) => target.observe({ project: project.name })));
      phase.observeAll!.push(ms(t));
      t = process.hrtime.bigint(); // again over the open SSH connections: what the handshakes cost
      await Promise.all(opened.map((target) => target.observe({ project: project.name })));
      phase.observeAllWarm!.push(ms(t));
      await Promise.all(opened.map((target) => target.close()));
      t = process.hrtime.bigint();
      const repo = new GitRepo(dir!);
      for (const app of rendered.manifest.apps) if (app.compose && cs.from) await repo.show(cs.from, app.compose);
      phase.composeShows!.push(ms(t));
    }
    out.phasesMsMedianOf3 = Object.fromEntries(Object.entries(phase).map(([k, v]) => [k, median(v)]));
    out.phasesNote = 'loadRender runs twice in runPlan (runPlan and runDiff each load and render); diff (git) includes one of them; observeAll: 10 targets at once, SSH handshakes included; observeAllWarm: the same over open connections; composeShows: one `git show` per app, sequential';
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}

const APPS = args.includes('--apps') ? Number(args[args.indexOf('--apps') + 1]) : 200;
const keep = args.includes('--keep');
const phases = args.includes('--phases');
const env = requireTestenv();
const targets = fleetTargets(env, 10);
const fleet = { project: FLEET, apps: APPS, targets, parallelism: 1, image: env.images.v1, secret: true };
const files = await fleetFiles(fleet);

function child(dir: string): Record<string, unknown> {
  const text = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', dir, phases ? 'phases' : ''], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(text) as Record<string, unknown>;
}

function repoWithHistory(commits: number): { p: GitProject; buildMs: number } {
  const t0 = process.hrtime.bigint();
  const p = new GitProject(files); // the first commit: the whole project, rendered
  appendHistory(p, commits - 1);
  return { p, buildMs: ms(t0) };
}

const out: Record<string, unknown> = { bench: 'plan', machine: `2 cores; ${targets.length} Steward targets on ${new Set(targets.map((t) => t.line.replace(/dir: .*/, ''))).size} engines (the local one and SSH network namespaces; STEWARD_TESTENV_TARGETS=9 gives one engine per target)`, loadAvgAtStart: loadavg().map((x) => +x.toFixed(1)) };
const repos: GitProject[] = [];
const preexisting = countContainers(env, FLEET);
try {
  const r500 = repoWithHistory(500);
  const r50 = repoWithHistory(50);
  repos.push(r500.p, r50.p);
  out.setup = {
    apps: APPS,
    targets: targets.map((t) => t.name),
    historyBuildMs: { commits500: r500.buildMs, commits50: r50.buildMs },
    commits: { r500: Number(r500.p.git('rev-list', '--count', 'HEAD')), r50: Number(r50.p.git('rev-list', '--count', 'HEAD')) },
  };
  if (preexisting < APPS) {
    precreateNetwork(env, FLEET);
    const t0 = process.hrtime.bigint();
    const rec = await converge(env, r500.p, benchTargetFactory(env));
    (out.setup as Record<string, unknown>).deploy = { ms: ms(t0), result: rec.result, summary: rec.summary, note: 'runConverge, parallelism 1 per Steward target (10 applies at once over 3 engines); not a figure' };
    if (rec.result !== 'success') throw new Error(`deploying the fleet failed: ${rec.summary}: ${rec.errors.slice(0, 3).join('; ')}`);
  } else (out.setup as Record<string, unknown>).deploy = { reused: preexisting };
  r500.p.markConverged();
  r50.p.markConverged();

  const noChange500 = child(r500.p.dir);
  const noChange50 = child(r50.p.dir);
  r500.p.commit({ 'services/app7/service.yml': appYml(fleet, 7, ', REV: "2"') }, 'app7: REV 2');
  const oneChange = child(r500.p.dir);

  out.noChange = { commits: 500, ...noChange500, goalMs: 2000 };
  out.oneAppChange = { commits: 501, ...oneChange };
  out.history = {
    noChangeMs: { commits50: noChange50.ms, commits500: noChange500.ms },
    ratio500to50: +((noChange500.ms as number) / (noChange50.ms as number)).toFixed(2),
    diffPhaseMs: phases ? { commits50: (noChange50.phasesMsMedianOf3 as Record<string, number>).diff, commits500: (noChange500.phasesMsMedianOf3 as Record<string, number>).diff } : undefined,
    goal: 'no growth with history',
  };
} catch (e) {
  out.error = (e as Error).message;
} finally {
  for (const p of repos) p.cleanup();
  if (!keep) await purgeProject(env, FLEET);
}
out.loadAvgAtEnd = loadavg().map((x) => +x.toFixed(1));
console.log(JSON.stringify(out, null, 2));
