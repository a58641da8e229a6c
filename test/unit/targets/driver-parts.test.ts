import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { classifyFailure, redact } from '../../../src/targets/errors';
import { evaluateHealth } from '../../../src/targets/health';
import { groupApps, parseInspectOutput } from '../../../src/targets/observe-parse';
import { MARK_CONTAINERS, MARK_IMAGES } from '../../../src/targets/scripts';
import { checkRelativePath, tar } from '../../../src/targets/tar';
import type { ObservedContainer } from '../../../src/targets/target';
import { scratchDir } from '../../support/cleanup';

test('tar: GNU tar extracts what we write, with modes and long paths', () => {
  const long = `files/${'d'.repeat(90)}/${'f'.repeat(60)}.txt`;
  const dir = scratchDir('stw-tar-');
  const archive = tar([
    { path: 'secrets.env', content: Buffer.from("A='b'\n"), mode: 0o600 },
    { path: long, content: Buffer.alloc(1000, 'x'), mode: 0o644 },
  ]);
  execFileSync('tar', ['-xf', '-', '-C', dir], { input: archive });
  assert.equal(readFileSync(join(dir, 'secrets.env'), 'utf8'), "A='b'\n");
  assert.equal(statSync(join(dir, 'secrets.env')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(dir, long), 'utf8'), 'x'.repeat(1000));
  assert.deepEqual(tar([{ path: 'a', content: Buffer.from('1'), mode: 0o644 }]), tar([{ path: 'a', content: Buffer.from('1'), mode: 0o644 }]));
});

test('upload paths stay inside the app dir', () => {
  assert.equal(checkRelativePath('files/./a.xml'), 'files/a.xml');
  for (const bad of ['/etc/passwd', 'files/../../x', 'files//a', '']) assert.throws(() => checkRelativePath(bad));
});

test('classifyFailure names SSH causes', () => {
  assert.equal(classifyFailure('ssh: connect to host 10.0.0.1 port 22: Connection refused')?.kind, 'refused');
  assert.equal(classifyFailure('ssh: connect to host 10.0.0.1 port 22: Connection timed out')?.kind, 'timeout');
  assert.equal(classifyFailure('root@10.0.0.1: Permission denied (publickey).')?.kind, 'auth');
  assert.equal(classifyFailure('@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @')?.kind, 'host-key-changed');
  assert.equal(classifyFailure('No ED25519 host key is known for 10.0.0.1 and you have requested strict checking.\nHost key verification failed.')?.kind, 'host-key-unknown');
  assert.equal(classifyFailure('compose: service "web" has neither an image nor a build context'), undefined);
});

test('redact masks every secret value, longest first', () => {
  assert.equal(redact('key=abcdef and abc', ['abc', 'abcdef']), 'key=*** and ***');
});

const container = (over: Partial<ObservedContainer>): ObservedContainer => ({
  id: 'id', name: 'n', image: 'i', imageId: 'sha256:1', imageDigests: [], state: 'running', exitCode: 0, labels: {}, ...over,
});

test('parseInspectOutput reads containers and image digests', () => {
  const line = JSON.stringify({ id: 'c1', name: '/p-a-a-1', image: 'r/web:1', imageId: 'sha256:aa',
    labels: { 'steward.project': 'p', 'steward.app': 'a', 'steward.hash': 'h', 'com.docker.compose.project': 'p-a', 'com.docker.compose.service': 'a' },
    state: { Status: 'running', ExitCode: 0, Health: { Status: 'healthy' } } });
  const out = `${MARK_CONTAINERS}\nsha256:aa ${line}\n${MARK_IMAGES}\n"sha256:aa" ["r/web@sha256:bb"]\n`;
  const [c] = parseInspectOutput(out).containers;
  assert.equal(c!.name, 'p-a-a-1');
  assert.equal(c!.health, 'healthy');
  assert.equal(c!.hash, 'h');
  assert.deepEqual(c!.imageDigests, ['r/web@sha256:bb']);
});

test('groupApps: apps by labels; leftovers; foreign containers ignored', () => {
  const ours = { project: 'p', app: 'a', composeProject: 'p-a' };
  const { apps, leftovers } = groupApps([
    container({ ...ours, id: '1', name: 'p-a-a-1', hash: 'h1' }),
    container({ ...ours, id: '2', name: 'p-a-b-1', hash: 'h1', state: 'exited', exitCode: 1 }),
    container({ project: 'p', id: '3', name: 'stray' }),
    container({ project: 'p', app: 'x', composeProject: 'p-x', id: '4', name: 'p-x-x-1' }),
    container({ id: '5', name: 'foreign' }),
  ], { project: 'p', knownApps: ['a'] });
  assert.equal(apps.length, 1);
  assert.equal(apps[0]!.hash, 'h1');
  assert.equal(apps[0]!.status, 'degraded');
  assert.deepEqual(leftovers.map((l) => l.container.name), ['p-x-x-1', 'stray']);
});

test('groupApps: disagreeing hashes leave hash undefined', () => {
  const ours = { project: 'p', app: 'a', composeProject: 'p-a' };
  const { apps } = groupApps([container({ ...ours, hash: 'h1', name: 'x' }), container({ ...ours, hash: 'h2', name: 'y' })]);
  assert.equal(apps[0]!.hash, undefined);
  assert.deepEqual(apps[0]!.hashes, ['h1', 'h2']);
});

test('evaluateHealth: own healthcheck wins, HTTP check otherwise, exits fail', () => {
  assert.equal(evaluateHealth([]).status, 'missing');
  assert.equal(evaluateHealth([container({ health: 'healthy' })], { code: 1, url: 'u' }).status, 'healthy');
  assert.equal(evaluateHealth([container({ health: 'unhealthy' })]).status, 'unhealthy');
  assert.equal(evaluateHealth([container({ health: 'starting' })]).status, 'starting');
  const http = evaluateHealth([container({})], { code: 1, url: 'http://x/health' });
  assert.equal(http.status, 'unhealthy');
  assert.equal(http.httpOnly, true);
  assert.equal(evaluateHealth([container({})], { code: 0, url: 'u' }).status, 'healthy');
  assert.equal(evaluateHealth([container({ state: 'exited', exitCode: 0 })]).status, 'failed');
});
