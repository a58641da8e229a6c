// Observe 2 SSH targets carrying 50 apps each; prints wall time and round trips per target.
//   node --import tsx bench/observe.ts [--apps N] [--keep]
// Needs `scripts/testenv up`. The apps are containers labelled as Steward's
// compose projects would be, started straight on each target's engine.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DockerTarget } from '../src/targets/docker-target';
import { loadTestenv, TESTENV_STATE } from '../test/support/testenv';

const exec = promisify(execFile);
const args = process.argv.slice(2);
const perTarget = Number(args[args.indexOf('--apps') + 1]) || 50;
const keep = args.includes('--keep');
const PROJECT = 'bench';

const loaded = loadTestenv();
if (!loaded) {
  console.error(`test environment not up (${TESTENV_STATE} missing): run scripts/testenv up`);
  process.exit(2);
}
const env = loaded;
const targets = env.targets.slice(0, 2);
if (targets.length < 2) {
  console.error('need 2 SSH targets: STEWARD_TESTENV_TARGETS=2 scripts/testenv up');
  process.exit(2);
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

async function existing(socket: string): Promise<string[]> {
  const { stdout } = await exec('docker', ['-H', socket, 'ps', '-aq', '--filter', `label=steward.project=${PROJECT}`]);
  return stdout.split('\n').filter(Boolean);
}

async function seed(socket: string): Promise<void> {
  const have = (await existing(socket)).length;
  const apps = Array.from({ length: Math.max(0, perTarget - have) }, (_, i) => `app${have + i}`);
  await pool(apps, 8, async (app) => {
    const labels = [`steward.project=${PROJECT}`, `steward.app=${app}`, `steward.hash=h-${app}`,
      `com.docker.compose.project=${PROJECT}-${app}`, `com.docker.compose.service=${app}`, 'com.docker.compose.oneoff=False'];
    await exec('docker', ['-H', socket, 'run', '-d', '--name', `${PROJECT}-${app}-${app}-1`, '--stop-timeout', '1',
      ...labels.flatMap((l) => ['--label', l]), env.images.v1]);
  });
}

async function clean(socket: string): Promise<void> {
  const ids = await existing(socket);
  if (ids.length) await exec('docker', ['-H', socket, 'rm', '-f', ...ids]);
}

await Promise.all(targets.map((t) => seed(t.socket)));
const drivers = targets.map((t) => new DockerTarget({ name: t.name, address: t.address, port: t.port, user: t.user, dir: t.dir },
  { key: env.sshKey, knownHosts: env.knownHosts }));

async function observeAll() {
  const start = process.hrtime.bigint();
  const results = await Promise.all(drivers.map((d) => d.observe({ project: PROJECT })));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, results };
}

try {
  const cold = await observeAll(); // includes the SSH handshakes
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push((await observeAll()).ms);
  warm.sort((a, b) => a - b);
  console.log(JSON.stringify({
    targets: drivers.length,
    appsPerTarget: cold.results.map((r) => r.apps.length),
    apps: cold.results.reduce((n, r) => n + r.apps.length, 0),
    wallMsCold: Math.round(cold.ms),
    wallMsWarmMedian: Math.round(warm[Math.floor(warm.length / 2)]!),
    roundTripsPerTarget: Object.fromEntries(cold.results.map((r) => [r.target, r.roundTrips])),
    goal: { roundTripsPerTarget: 1, wallMs: 1500 },
  }, null, 2));
} finally {
  await Promise.all(drivers.map((d) => d.close()));
  if (!keep) await Promise.all(targets.map((t) => clean(t.socket)));
}
