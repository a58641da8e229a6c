import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isKnownHostsContent, SshContext } from '../../../src/targets/ssh';
import { hostKeyUnknownMessage } from '../../../src/targets/errors';

test('every ssh argument list ends its options with -- before the host, so a host like -oProxyCommand=x is never an option', async (t) => {
  const ctx = await SshContext.create({ knownHosts: 'h1 ssh-ed25519 AAAA\n' });
  t.after(() => ctx.close([]));
  const e = { host: '-oProxyCommand=touch /tmp/pwned', user: 'deploy', port: 2222 };
  const F = ['-F', ctx.configPath, '-p', '2222', '-l', 'deploy'];
  assert.deepEqual(ctx.args(e, 'sh -c true'), [...F, '--', e.host, 'sh -c true']);
  assert.deepEqual(ctx.forwardArgs(e, '/l.sock', '/r.sock'), [...F, '-O', 'forward', '-L', '/l.sock:/r.sock', '--', e.host]);
  assert.deepEqual(ctx.stdioForwardArgs(e, '172.18.0.2', 80), [...F, '-W', '172.18.0.2:80', '--', e.host]);
});

test('STEWARD_KNOWN_HOSTS: content is written to the private directory (0600, removed on close); a path is used as it is', async () => {
  assert.equal(isKnownHostsContent('/etc/ssh/known_hosts'), false);
  assert.equal(isKnownHostsContent('10.0.0.1 ssh-ed25519 AAAAC3Nza'), true);
  assert.equal(isKnownHostsContent('a ssh-rsa X\nb ssh-ed25519 Y'), true);
  const ctx = await SshContext.create({ knownHosts: '10.0.0.1 ssh-ed25519 AAAAC3Nza' });
  const file = join(ctx.dir, 'known_hosts');
  assert.equal(readFileSync(file, 'utf8'), '10.0.0.1 ssh-ed25519 AAAAC3Nza\n');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(readFileSync(ctx.configPath, 'utf8'), new RegExp(`^  UserKnownHostsFile ${file}$`, 'm'));
  await ctx.close([]);
  assert.equal(existsSync(file), false);
});

test('the unknown-host-key message names where known_hosts comes from and the ssh-keyscan line', () => {
  assert.equal(
    hostKeyUnknownMessage('10.0.0.1', 2222, 'the known-hosts input'),
    'host key unknown: 10.0.0.1 is not in the known_hosts given by the known-hosts input; add the line(s) that `ssh-keyscan -p 2222 10.0.0.1` prints (after checking the key out of band) to the known-hosts input',
  );
  assert.match(hostKeyUnknownMessage("-o x'y", 22, 'STEWARD_KNOWN_HOSTS'), /`ssh-keyscan -p 22 -- '-o x'\\''y'`/);
});
