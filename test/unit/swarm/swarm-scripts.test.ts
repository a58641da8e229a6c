import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pruneObjectsScript, removeServicesScript, storeReleaseScript, taskLogsScript } from '../../../src/targets/swarm-scripts';
import { activateReleaseScript, uploadReleaseScript } from '../../../src/targets/scripts';

test('pruneObjectsScript: the filters quoted, one ls and one rm per kind, exact text', () => {
  assert.equal(
    pruneObjectsScript('lab', "we'b"),
    [
      'command -v docker >/dev/null 2>&1 || { echo "the docker CLI is not installed on the host" >&2; exit 127; }',
      'for kind in config secret; do',
      `  n=$(docker $kind ls --format '{{.Name}}' --filter 'label=steward.project=lab' --filter 'label=steward.app=we'\\''b') || continue`,
      '  [ -z "$n" ] || docker $kind rm $n 2>/dev/null | sed "s/^/removed $kind /"',
      'done',
      'true',
    ].join('\n'),
  );
});

test('storeReleaseScript: upload, activate and prune in one script, in that order', () => {
  const dir = '/var/lib/steward/lab/web';
  const id = '20260102T030405678Z-0123abcd-beef';
  assert.equal(storeReleaseScript(dir, id, 5, 'lab', 'web'), [uploadReleaseScript(dir, id), activateReleaseScript(dir, id, 5), pruneObjectsScript('lab', 'web')].join('\n'));
});

test('ids that are not swarm ids never reach a script', () => {
  assert.throws(() => removeServicesScript(['abc; rm -rf /']), /invalid swarm object id/);
  assert.throws(() => taskLogsScript('$(reboot)', 10), /invalid swarm object id/);
});
