// A hostile apps dir against a real host shell and engine: the text reaches
// messages and paths literally, and nothing in it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerTarget } from '../../../src/targets/docker-target';
import { loadTestenv, testenvSkip } from '../../support/testenv';

const env = loadTestenv()!;
const skip = testenvSkip();

test('prepare with a $(...) in the apps dir runs nothing: the dir is made literally, or the problem names it literally', { skip }, async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'steward-quote-'));
  const pwned = join(scratch, 'pwned');
  const target = (dir: string) => new DockerTarget({ name: 'core', address: 'local', dir }, { localDockerHost: env.localDockerHost });
  t.after(() => {
    rmSync(scratch, { recursive: true, force: true });
    execFileSync('docker', ['-H', env.localDockerHost, 'network', 'rm', 'steward-qte'], { stdio: 'ignore' });
  });

  const made = `${scratch}/a$(touch ${pwned})'b"c`;
  const ok = await target(made).prepare('qte', ['web']);
  assert.equal(ok.ok, true, ok.problems.join('; '));
  assert.ok(existsSync(join(made, 'qte', 'web')), 'the directory has the literal name');
  assert.ok(!existsSync(pwned), 'nothing in the name ran');

  // A file where the apps dir should be: mkdir fails and the message carries the hostile text.
  writeFileSync(join(scratch, 'file'), '');
  const blocked = `${scratch}/file/$(touch ${pwned})`;
  const r = await target(blocked).prepare('qte', []);
  assert.equal(r.ok, false);
  assert.deepEqual(r.problems, [`cannot create the apps directory ${blocked}/qte (permissions?)`]);
  assert.ok(!existsSync(pwned), 'nothing in the message ran');
});
