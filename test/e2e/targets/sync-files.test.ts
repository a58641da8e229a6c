// syncFiles against real hosts: the testenv's local engine dir and an SSH
// target. The dir ends up exactly as asked, changed files are renamed into
// place (a new inode), unchanged ones are left alone, and observe reports the
// same digest as liveDigest computes, in its one round trip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { DockerTarget } from '../../../src/targets/docker-target';
import { liveDigest } from '../../../src/targets/live';
import { loadTestenv, testenvSkip, type Testenv } from '../../support/testenv';

const skip = testenvSkip();
const env = loadTestenv() as Testenv;
const PROJECT = 'e2esyncfiles';
const APP = 'mon';

const cases = skip
  ? [{ label: 'skipped', spec: undefined }]
  : [
      { label: 'local target', spec: { name: 'core', address: 'local', dir: env.localDir } },
      { label: 'SSH target', spec: { name: env.targets[0]!.name, address: env.targets[0]!.address, port: env.targets[0]!.port, user: env.targets[0]!.user, dir: env.targets[0]!.dir } },
    ];

const f = (path: string, text: string) => ({ path, content: Buffer.from(text) });

function listTree(root: string, rel = ''): string[] {
  return readdirSync(`${root}/${rel}`, { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? listTree(root, p) : [p];
  }).sort();
}

for (const c of cases) {
  describe(`syncFiles, ${c.label}`, { skip, timeout: 120_000 }, () => {
    let target: DockerTarget;
    const appDir = () => `${c.spec!.dir}/${PROJECT}/${APP}`;
    const live = () => `${appDir()}/targets`;

    before(async () => {
      target = new DockerTarget(c.spec!, { key: env.sshKey, knownHosts: env.knownHosts, localDockerHost: env.localDockerHost });
      rmSync(`${c.spec!.dir}/${PROJECT}`, { recursive: true, force: true });
    });

    after(async () => {
      await target?.close();
      rmSync(`${c.spec!.dir}/${PROJECT}`, { recursive: true, force: true });
    });

    test('writes the dir exactly, reports changes, leaves unchanged files alone', async () => {
      const ref = { project: PROJECT, app: APP };
      const first = [f('a.json', '[1]\n'), f('sub/b.json', '[2]\n')];
      const before = target.roundTrips;
      assert.deepEqual(await target.syncFiles(ref, 'targets', first), { changed: true });
      assert.equal(target.roundTrips - before, 1);
      assert.deepEqual(listTree(live()), ['a.json', 'sub/b.json']);
      assert.equal(readFileSync(`${live()}/sub/b.json`, 'utf8'), '[2]\n');
      assert.equal(statSync(`${live()}/a.json`).mode & 0o777, 0o644);
      assert.equal(statSync(live()).mode & 0o777, 0o755);
      const inodeA = statSync(`${live()}/a.json`).ino;

      assert.deepEqual(await target.syncFiles(ref, 'targets', first), { changed: false });
      assert.equal(statSync(`${live()}/a.json`).ino, inodeA);

      // A stray file by hand, one changed, one dropped.
      writeFileSync(`${live()}/stray.json`, 'x');
      mkdirSync(`${live()}/odd dir`);
      writeFileSync(`${live()}/odd dir/it's.json`, 'y');
      assert.deepEqual(await target.syncFiles(ref, 'targets', [f('a.json', '[1]\n'), f('c.json', '[3]\n')]), { changed: true });
      assert.deepEqual(listTree(live()), ['a.json', 'c.json']);
      assert.equal(statSync(`${live()}/a.json`).ino, inodeA);
      assert.ok(!existsSync(`${live()}/sub`), 'emptied dirs go too');
      assert.deepEqual(readdirSync(appDir()).filter((n) => n.startsWith('.')), [], 'no staging left behind');

      assert.deepEqual(await target.syncFiles(ref, 'targets', [f('a.json', '[1, 9]\n'), f('c.json', '[3]\n')]), { changed: true });
      assert.notEqual(statSync(`${live()}/a.json`).ino, inodeA, 'a changed file is renamed into place, not rewritten');
      assert.equal(readFileSync(`${live()}/a.json`, 'utf8'), '[1, 9]\n');
    });

    test('observe reports the live dir with the digest liveDigest computes, still one round trip', async () => {
      const ref = { project: PROJECT, app: APP };
      const files = [f('x.json', '[]\n'), f('deep/y.json', '{}\n')];
      await target.syncFiles(ref, 'targets', files);
      await target.syncFiles(ref, 'status', []);
      const o = await target.observe({ project: PROJECT, knownApps: [APP] });
      assert.equal(o.roundTrips, 1);
      assert.deepEqual(o.live, [
        { app: APP, dir: 'status', digest: liveDigest([]) },
        { app: APP, dir: 'targets', digest: liveDigest(files) },
      ]);
    });

    test('bad dirs and paths are refused before anything runs', async () => {
      const ref = { project: PROJECT, app: APP };
      const n = target.roundTrips;
      for (const dir of ['releases', 'files', 'current', '../x', 'a/b', '.hidden', "x';reboot;'"]) {
        await assert.rejects(target.syncFiles(ref, dir, []), /invalid live dir/);
      }
      for (const path of ['../a', '/etc/passwd', '.hidden', 'a b', "it's"]) {
        await assert.rejects(target.syncFiles(ref, 'targets', [f(path, '')]), /file path/);
      }
      await assert.rejects(target.syncFiles(ref, 'targets', [f('a', ''), f('a', '')]), /given twice/);
      assert.equal(target.roundTrips, n);
    });
  });
}
