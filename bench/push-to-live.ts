// bench/push-to-live: scenario 1 of the end-to-end loop, timed. `steward init`,
// two routed apps (and a worker on an SSH target), push, run the converge
// workflow as forgejo-runner would, and poll the edge proxy until both apps
// answer. Prints JSON. Needs `scripts/testenv up`.
import { execFileSync } from 'node:child_process';
import { loadTestenv } from '../test/support/testenv';
import { pushEvent } from '../test/support/events';
import { Loop, REPO, webApp } from '../test/support/loop-fixture';

const env = loadTestenv();
if (!env) {
  console.error('test environment not up: run scripts/testenv up');
  process.exit(1);
}
const runs = Number(process.argv[2] ?? 3);
const results: { pushToLiveMs: number; workflowMs: number }[] = [];
for (let i = 0; i < runs; i++) {
  const loop = await Loop.create(env);
  try {
    await loop.setSecret('secrets/apps.sops.yaml', 'API_TOKEN', 'bench-secret');
    const sha = await loop.commitAndPush(
      {
        'services/web/service.yml': webApp(env.images.v1, 'web'),
        'services/api/service.yml': webApp(env.images.v1, 'api'),
        'services/worker/service.yml': `target: t1\nimage: ${env.images.v1}\nsecrets: [API_TOKEN]\n`,
      },
      'two apps',
    );
    const t0 = Date.now();
    const run = await loop.run('steward-converge.yml', pushEvent({ fullName: REPO, serverUrl: loop.forge.url }, { before: '0'.repeat(40), after: sha }));
    const workflowMs = Date.now() - t0;
    if (!run.success) throw new Error('the converge workflow failed');
    for (;;) {
      const [a, b] = await Promise.all([loop.http('web.lab.test'), loop.http('api.lab.test')]);
      if (a.status === 200 && b.status === 200) break;
      if (Date.now() - t0 > 120_000) throw new Error('not live after 120 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    results.push({ pushToLiveMs: Date.now() - t0, workflowMs });
  } finally {
    for (const app of ['web', 'api', 'worker', 'caddy']) {
      for (const host of [env.localDockerHost, ...env.targets.map((x) => x.socket)]) {
        try {
          execFileSync('docker', ['-H', host, 'compose', '-p', `lab-${app}`, 'down', '-v'], { stdio: 'ignore' });
        } catch {
          /* not there */
        }
      }
    }
    await loop.close();
  }
}
const sorted = results.map((r) => r.pushToLiveMs).sort((a, b) => a - b);
console.log(
  JSON.stringify(
    {
      bench: 'push-to-live',
      note: 'from the push event to both routed apps answering through the edge proxy; the workflow runs checkout, render (commit if stale), diff, plan, converge, report as node processes; images come from the local registry',
      runs: results,
      medianPushToLiveMs: sorted[Math.floor(sorted.length / 2)],
      goal: { pushToLiveMs: 30_000 },
    },
    null,
    2,
  ),
);
