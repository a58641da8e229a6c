import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Manifest, ManifestApp } from '../../../src/render/manifest';
import { buildStatus, formatStatus } from '../../../src/status/status';
import type { ObservedApp, ObservedContainer } from '../../../src/targets/target';

const app = (name: string, target: string, hash: string | undefined, extra: Partial<ManifestApp> = {}): ManifestApp => ({
  name, kind: 'service', target, state: 'present', hash, files: [], secrets: [], dependsOn: [], image: `${name}:1`, ...extra,
});

const manifest: Manifest = {
  schema: 1,
  project: 'lab',
  domain: 'lab.test',
  edge: 'core',
  targets: { core: { address: 'local', user: 'root', port: 22, dir: '/d' }, media: { address: '10.0.0.2', user: 'root', port: 22, dir: '/d' }, nas: { address: '10.0.0.3', user: 'root', port: 22, dir: '/d' } },
  apps: [
    app('web', 'core', 'aaaaaaaa11112222'),
    app('db', 'core', 'bbbbbbbb11112222'),
    app('old', 'core', undefined, { state: 'absent', image: undefined }),
    app('jellyfin', 'media', 'cccccccc11112222'),
    app('photos', 'media', 'dddddddd11112222'),
    app('files', 'nas', 'eeeeeeee11112222'),
  ],
};

const container = (app: string, hash: string, state: ObservedContainer['state'] = 'running'): ObservedContainer => ({
  id: `id-${app}`, name: `lab-${app}-${app}-1`, project: 'lab', app, hash, image: `${app}:1`, imageId: 'sha256:x', imageDigests: [], state, exitCode: 0, labels: {},
});
const observed = (name: string, hash: string, status: ObservedApp['status'] = 'running', image?: string): ObservedApp => {
  const c = container(name, hash, status === 'stopped' ? 'exited' : 'running');
  if (image) c.image = image;
  return { project: 'lab', app: name, composeProject: `lab-${name}`, hash, hashes: [hash], status, containers: [c] };
};

test('status rows: in sync, stopped, another version, missing, absent, not in the project; exit 2 when drifted', () => {
  const s = buildStatus(
    manifest,
    {
      core: { target: 'core', apps: [observed('web', 'aaaaaaaa11112222'), observed('db', 'bbbbbbbb11112222', 'stopped'), observed('stray', '9999999911112222')], leftovers: [], roundTrips: 1 },
      media: { target: 'media', apps: [observed('jellyfin', '0000000011112222', 'running', 'jellyfin:0'), observed('files', 'eeeeeeee11112222')], leftovers: [], roundTrips: 1 },
      nas: { target: 'nas', apps: [observed('files', 'eeeeeeee11112222')], leftovers: [], roundTrips: 1 },
    },
    { commit: '0123456789abcdef0123', head: '0123456789abcdef0123', from: 'remote' },
  );
  assert.equal(s.exitCode, 2);
  assert.deepEqual(s.summary, { apps: 8, inSync: 3, drifted: 5, unknown: 0 });
  assert.equal(
    formatStatus(s),
    `project lab, converged: 0123456789ab (HEAD)

TARGET  APP       DESIRED              RUNNING              HEALTH   SYNC
core    db        bbbbbbbb db:1        bbbbbbbb db:1        stopped  drift: container stopped
core    old       absent               -                    absent   in sync
core    web       aaaaaaaa web:1       aaaaaaaa web:1       running  in sync
core    stray     -                    99999999 stray:1     running  drift: not in the project
media   jellyfin  cccccccc jellyfin:1  00000000 jellyfin:0  running  drift: running 00000000, desired cccccccc
media   photos    dddddddd photos:1    -                    missing  drift: not running (removed by hand, or never deployed)
media   files     -                    eeeeeeee files:1     running  drift: running here, desired on nas
nas     files     eeeeeeee files:1     eeeeeeee files:1     running  in sync

3 in sync, 5 drifted (3 of 3 targets reached)`,
  );
});

test('status: an unreachable target makes its apps unknown and the exit 1; all in sync is exit 0; no converged ref says never', () => {
  const small: Manifest = { ...manifest, targets: { core: manifest.targets.core, nas: manifest.targets.nas }, apps: [manifest.apps[0], manifest.apps[5]] };
  const down = buildStatus(small, { core: { target: 'core', apps: [observed('web', 'aaaaaaaa11112222')], leftovers: [], roundTrips: 1 }, nas: { target: 'nas', error: 'target nas: root@10.0.0.3:22: connection refused: no SSH server listening' } }, null);
  assert.equal(down.exitCode, 1);
  assert.equal(
    formatStatus(down),
    `project lab, converged: never (no refs/steward/converged)

TARGET  APP    DESIRED           RUNNING         HEALTH   SYNC
core    web    aaaaaaaa web:1    aaaaaaaa web:1  running  in sync
nas     files  eeeeeeee files:1  -               unknown  unknown

unreachable: target nas: root@10.0.0.3:22: connection refused: no SSH server listening

1 in sync, 0 drifted, 1 unknown (1 of 2 targets reached)`,
  );
  const ok = buildStatus({ ...small, targets: { core: small.targets.core }, apps: [small.apps[0]] }, { core: { target: 'core', apps: [observed('web', 'aaaaaaaa11112222')], leftovers: [], roundTrips: 1 } }, { commit: 'f'.repeat(40), head: 'e'.repeat(40), from: 'local' });
  assert.equal(ok.exitCode, 0);
  assert.equal(formatStatus(ok).split('\n')[0], 'project lab, converged: ffffffffffff (HEAD is eeeeeeeeeeee), local ref');
});
