import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDiff } from '../../../src/diff/run-diff';
import type { ChangeSet } from '../../../src/diff/changeset';
import { GitProject, git } from '../../support/git-project';
import { BASE_PROJECT } from '../../support/project-fixture';
import { createSopsFile } from '../../../src/secrets/sops';

const summary = (cs: ChangeSet) => Object.fromEntries(cs.apps.map((a) => [a.name, a.change]));

test('first run: no converged ref, every app is new', async () => {
  const p = new GitProject();
  try {
    const cs = await runDiff({ projectDir: p.dir });
    assert.equal(cs.mode, 'first-run');
    assert.equal(cs.from, null);
    assert.deepEqual(summary(cs), { caddy: 'added', db: 'added', web: 'added' });
  } finally {
    p.cleanup();
  }
});

test('add, change, absent and delete are attributed to their commit and file', async () => {
  const p = new GitProject();
  try {
    p.markConverged();
    const add = p.commit({ 'services/api/service.yml': 'target: core\nimage: api:1\n' }, 'add api');
    const change = p.commit({ 'services/web/service.yml': BASE_PROJECT['services/web/service.yml'].replace('web:1', 'web:2') }, 'web 2');
    const absent = p.commit({ 'services/db/service.yml': BASE_PROJECT['services/db/service.yml'] + 'state: absent\n' }, 'retire db');
    let cs = await runDiff({ projectDir: p.dir });
    assert.equal(cs.mode, 'incremental');
    assert.deepEqual(summary(cs), { api: 'added', db: 'removed', web: 'changed' });
    assert.deepEqual(cs.apps.find((a) => a.name === 'api')!.reasons, [{ commit: add.slice(0, 7), file: 'services/api/service.yml', why: 'service.yml added' }]);
    assert.deepEqual(cs.apps.find((a) => a.name === 'web')!.reasons, [{ commit: change.slice(0, 7), file: 'services/web/service.yml', why: 'service.yml changed' }]);
    assert.equal(cs.apps.find((a) => a.name === 'db')!.reasons[0].why, 'state: absent');
    assert.equal(cs.apps.find((a) => a.name === 'db')!.reasons[1].commit, absent.slice(0, 7));
    assert.equal(cs.commits.length, 3);

    p.markConverged();
    const del = p.commit({ 'services/api': null }, 'drop api');
    cs = await runDiff({ projectDir: p.dir });
    assert.deepEqual(summary(cs), { api: 'removed' });
    assert.deepEqual(cs.apps[0].reasons, [{ commit: del.slice(0, 7), file: 'services/api/service.yml', why: 'service.yml deleted' }]);
  } finally {
    p.cleanup();
  }
});

test('a changed network.yml touches every app', async () => {
  const p = new GitProject();
  try {
    p.markConverged();
    p.commit({ 'network.yml': BASE_PROJECT['network.yml'].replace('10.231.0.11', '10.231.0.12') }, 'move media');
    const cs = await runDiff({ projectDir: p.dir });
    assert.deepEqual(summary(cs), { caddy: 'changed', db: 'changed', web: 'changed' });
    assert.deepEqual(cs.targets, [{ name: 'media', change: 'changed', reasons: [{ file: 'network.yml', why: 'target changed' }] }]);
  } finally {
    p.cleanup();
  }
});

test('project.yml: a conventions change touches the edge proxy, a converge setting only the settings', async () => {
  const p = new GitProject();
  try {
    p.markConverged();
    p.commit({ 'project.yml': BASE_PROJECT['project.yml'].replace('tls: internal', 'tls: off') }, 'plain http');
    let cs = await runDiff({ projectDir: p.dir });
    assert.deepEqual(summary(cs), { caddy: 'changed' });
    assert.deepEqual(cs.conventions.map((c) => c.name), ['routing']);
    p.markConverged();
    p.commit({ 'project.yml': BASE_PROJECT['project.yml'].replace('tls: internal', 'tls: off') + 'converge: { parallelism: 2 }\n' }, 'slower');
    cs = await runDiff({ projectDir: p.dir });
    assert.deepEqual(summary(cs), {});
    assert.deepEqual(cs.conventions.map((c) => c.name), ['converge']);
  } finally {
    p.cleanup();
  }
});

test('a changed secrets file touches only the apps using the changed keys', async () => {
  const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
  const make = (db: string, api: string) => createSopsFile({ DB_PASSWORD: db, API_KEY: api }, { file: 'secrets/main.sops.yaml', recipients: [recipient] });
  const p = new GitProject({ ...BASE_PROJECT, 'secrets/main.sops.yaml': await make('one', 'k1'), 'services/api/service.yml': 'target: core\nimage: api:1\nsecrets: [API_KEY]\n' });
  try {
    p.markConverged();
    p.commit({ 'secrets/main.sops.yaml': await make('two', 'k1') }, 'rotate db password');
    const cs = await runDiff({ projectDir: p.dir });
    // A fresh file re-encrypts every value, so both keys' ciphertexts moved: both apps.
    assert.deepEqual(Object.keys(summary(cs)).sort(), ['api', 'db']);
    for (const a of cs.apps) assert.match(a.reasons[0].why, /^secret (DB_PASSWORD|API_KEY) changed$/);
    assert.ok(!JSON.stringify(cs).includes('two'), 'no secret value in the changeset');
  } finally {
    p.cleanup();
  }
});

test('only converge: commits since the last converge: skipped, and says why', async () => {
  const p = new GitProject();
  try {
    p.markConverged();
    p.commit({ 'services/web/files/x.conf': 'a\n' }, 'converge: re-render after conventions change');
    p.commit({}, 'converge: record');
    const cs = await runDiff({ projectDir: p.dir });
    assert.equal(cs.mode, 'skipped');
    assert.equal(cs.note, 'all 2 commits since the last converge start with "converge:"');
    assert.deepEqual(cs.apps, []);
    p.commit({ 'services/web/service.yml': BASE_PROJECT['services/web/service.yml'].replace('web:1', 'web:3') }, 'web 3');
    assert.equal((await runDiff({ projectDir: p.dir })).mode, 'incremental');
  } finally {
    p.cleanup();
  }
});

test('force-push: a converged commit that is no longer an ancestor gives a full comparison', async () => {
  const p = new GitProject();
  try {
    p.commit({ 'services/web/service.yml': BASE_PROJECT['services/web/service.yml'].replace('web:1', 'web:9') }, 'web 9');
    p.markConverged();
    p.git('reset', '-q', '--hard', 'HEAD~1');
    p.commit({ 'services/api/service.yml': 'target: core\nimage: api:1\n' }, 'rewritten history');
    const cs = await runDiff({ projectDir: p.dir });
    assert.equal(cs.mode, 'full');
    assert.match(cs.note!, /is not an ancestor of HEAD \(history rewritten by a force-push\?\); comparing everything/);
    assert.deepEqual(summary(cs), { api: 'added', caddy: 'changed', db: 'changed', web: 'changed' });
  } finally {
    p.cleanup();
  }
});

test('the converged ref is fetched from the remote, also into a shallow clone', async () => {
  const p = new GitProject();
  const work = mkdtempSync(join(tmpdir(), 'steward-clone-'));
  try {
    const bare = join(work, 'remote.git');
    git(work, 'clone', '-q', '--bare', p.repoDir, bare);
    const converged = p.head();
    git(work, '--git-dir', bare, 'update-ref', 'refs/steward/converged', converged);
    for (let i = 0; i < 5; i++) p.commit({ [`services/web/files/n${i}.txt`]: `${i}\n` }, `note ${i}`);
    p.commit({ 'services/web/service.yml': BASE_PROJECT['services/web/service.yml'].replace('web:1', 'web:4') }, 'web 4');
    p.git('push', '-q', bare, 'main');
    const clone = join(work, 'clone');
    git(work, 'clone', '-q', '--depth=1', `file://${bare}`, clone);
    const lines: string[] = [];
    const cs = await runDiff({ projectDir: clone, log: (l) => lines.push(l) });
    assert.equal(cs.from, converged);
    assert.equal(cs.mode, 'incremental');
    assert.deepEqual(summary(cs), { web: 'changed' });
    assert.equal(cs.commits.length, 6);
    assert.ok(lines.some((l) => l.startsWith('shallow clone: deepening')));
  } finally {
    p.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
});

test('a project in a subfolder of the repository: paths are project-relative', async () => {
  const p = new GitProject(BASE_PROJECT, { subdir: 'infra' });
  try {
    p.markConverged();
    p.commit({ 'services/web/service.yml': BASE_PROJECT['services/web/service.yml'].replace('web:1', 'web:5') }, 'web 5');
    const cs = await runDiff({ projectDir: p.dir });
    assert.deepEqual(cs.apps.map((a) => [a.name, a.reasons[0].file]), [['web', 'services/web/service.yml']]);
  } finally {
    p.cleanup();
  }
});

test('pull requests compare against the base commit instead of the converged ref', async () => {
  const p = new GitProject();
  try {
    const base = p.head();
    p.commit({ 'services/db/service.yml': BASE_PROJECT['services/db/service.yml'].replace('db:1', 'db:2') }, 'db 2');
    const cs = await runDiff({ projectDir: p.dir, base });
    assert.deepEqual(summary(cs), { db: 'changed' });
  } finally {
    p.cleanup();
  }
});
