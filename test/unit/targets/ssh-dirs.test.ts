import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearDeadSshDirs, SshContext } from '../../../src/targets/ssh';

test('a killed run\'s private ssh dir is removed by the next converge; live, foreign and unowned ones stay', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'steward-sshdirs-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const make = (name: string, owner?: string) => {
    mkdirSync(join(tmp, name));
    writeFileSync(join(tmp, name, 'config'), 'Host *\n');
    if (owner !== undefined) writeFileSync(join(tmp, name, 'owner'), owner);
  };
  make('stw-ssh-dead', '4000001\n');
  make('stw-ssh-alive', '4000002\n');
  make('stw-ssh-mine', `${process.pid}\n`);
  make('stw-ssh-unowned');
  make('other-dir', '4000001\n');
  const gone = clearDeadSshDirs((pid) => pid === 4000002, tmp);
  assert.deepEqual(gone, [join(tmp, 'stw-ssh-dead')]);
  assert.deepEqual(['stw-ssh-alive', 'stw-ssh-mine', 'stw-ssh-unowned', 'other-dir'].map((n) => existsSync(join(tmp, n))), [true, true, true, true]);
});

test('SshContext names its owner in its dir and removes the dir on close', async () => {
  const ctx = await SshContext.create({ key: undefined, knownHosts: join(tmpdir(), 'steward-sshdirs-kh-unused') });
  assert.equal(readFileSync(join(ctx.dir, 'owner'), 'utf8'), `${process.pid}\n`);
  await ctx.close([]);
  assert.equal(existsSync(ctx.dir), false);
});
