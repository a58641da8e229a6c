// SSH failures end in a TargetError naming the target and the cause, never a hang.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerTarget, type DockerTargetOptions } from '../../../src/targets/docker-target';
import { TargetError } from '../../../src/targets/errors';
import { loadTestenv, testenvSkip, type Testenv } from '../../support/testenv';
import { scratchDir } from '../../support/cleanup';

const skip = testenvSkip();
const env = loadTestenv() as Testenv;

async function observeError(spec: { name: string; address: string; port?: number }, options: DockerTargetOptions): Promise<TargetError> {
  const target = new DockerTarget({ user: 'root', dir: '/var/lib/steward', ...spec }, { connectTimeoutMs: 3000, commandTimeoutMs: 10_000, ...options });
  try {
    await target.observe();
  } catch (e) {
    assert.ok(e instanceof TargetError, `not a TargetError: ${String(e)}`);
    return e;
  } finally {
    await target.close();
  }
  assert.fail('observe succeeded');
}

describe('SSH failures', { skip }, () => {
  const tmp = skip ? '' : scratchDir('stw-sshfail-');
  const t1 = skip ? undefined : env.targets[0]!;

  test('unreachable host: an error naming the target, within the timeout', async () => {
    const e = await observeError({ name: 'ghost', address: '10.231.77.99' }, { key: env.sshKey, knownHosts: env.knownHosts });
    assert.match(e.message, /^target ghost: root@10\.231\.77\.99:22: /);
    assert.ok(['timeout', 'unreachable'].includes(e.kind), e.kind);
  });

  test('connection refused', async () => {
    const e = await observeError({ name: 'closed', address: t1!.address, port: 2222 }, { key: env.sshKey, knownHosts: env.knownHosts });
    assert.equal(e.kind, 'refused');
    assert.match(e.message, /target closed: .*connection refused/);
  });

  test('a key the host does not accept', async () => {
    const other = join(tmp, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const e = await observeError({ name: t1!.name, address: t1!.address }, { key: other, knownHosts: env.knownHosts });
    assert.equal(e.kind, 'auth');
    assert.match(e.message, new RegExp(`target ${t1!.name}: .*authentication failed`));
  });

  test('a key given as content (as from an action secret) works', async () => {
    const target = new DockerTarget({ name: t1!.name, address: t1!.address, user: 'root', dir: t1!.dir },
      { key: readFileSync(env.sshKey, 'utf8'), knownHosts: env.knownHosts });
    try {
      const o = await target.observe();
      assert.equal(o.roundTrips, 1);
    } finally {
      await target.close();
    }
  });

  test('a changed host key is refused', async () => {
    const known = join(tmp, 'known_changed');
    const fake = join(tmp, 'fake_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', fake]);
    const pub = readFileSync(`${fake}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(known, `${t1!.address} ${pub}\n`);
    const e = await observeError({ name: t1!.name, address: t1!.address }, { key: env.sshKey, knownHosts: known });
    assert.equal(e.kind, 'host-key-changed');
  });

  test('an unknown host is refused under strict checking and learned with accept-new', async () => {
    const known = join(tmp, 'known_empty');
    writeFileSync(known, '');
    const e = await observeError({ name: t1!.name, address: t1!.address }, { key: env.sshKey, knownHosts: known });
    assert.equal(e.kind, 'host-key-unknown');
    const target = new DockerTarget({ name: t1!.name, address: t1!.address, user: 'root', dir: t1!.dir },
      { key: env.sshKey, knownHosts: known, hostKeyPolicy: 'accept-new' });
    try {
      await target.observe();
    } finally {
      await target.close();
    }
    assert.match(readFileSync(known, 'utf8'), new RegExp(`^${t1!.address.replace(/\./g, '\\.')} ssh-ed25519 `));
  });
});
