import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { Loop } from '../../support/loop-fixture';
import { startGitRemote, type GitRemote } from '../../support/git-remote';
import type { Testenv } from '../../support/testenv';

const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

/** A closed server's handle is released a turn of the event loop after close() calls back. */
async function serversSettle(expected: number): Promise<number> {
  for (let i = 0; i < 100 && servers() !== expected; i++) await new Promise((r) => setTimeout(r, 10));
  return servers();
}

function reachable(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

test('Loop.create closes the git remote it started when the Forgejo double then fails to start', { timeout: 30_000 }, async () => {
  const before = servers();
  let remote: GitRemote | undefined;
  const boom = new Error('the double could not start');
  // The environment is not read before both servers are up: none is needed to fail there.
  const env = {} as Testenv;
  await assert.rejects(
    Loop.create(env, {
      startGitRemote: async (opts) => (remote = await startGitRemote(opts)),
      startForgejoDouble: () => Promise.reject(boom),
    }),
    (e) => e === boom,
  );
  assert.ok(remote, 'the remote was started first');
  assert.equal(await serversSettle(before), before, 'no server handle is left open');
  assert.equal(await reachable(remote.url('alice/lab')), false, 'the remote no longer answers');
  assert.equal(existsSync(remote.root), false, "the remote's repositories are removed");
});
