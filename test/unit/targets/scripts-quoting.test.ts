// The scripts Steward runs on a host, as exact text, for hostile values: every
// value reaches sh inside single quotes (or is refused), never inside double quotes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activateReleaseScript,
  containerLogsScript,
  healthScript,
  observeScript,
  prepareScript,
  pruneStraysScript,
  readReleaseScript,
  removeContainersScript,
  removeDirScript,
  syncFilesScript,
  uploadReleaseScript,
} from '../../../src/targets/scripts';

const DIR = `/srv/$(touch /tmp/pwned)/it's "x"`;
const Q = `'/srv/$(touch /tmp/pwned)/it'\\''s "x"`; // DIR, single-quoted, without the closing quote
const ID = '20260102T030405678Z-01234567-beef';

test('prepare: the apps dir in messages is quoted as a whole, not spliced into double quotes', () => {
  const lines = prepareScript('lab', DIR, ['web']).split('\n');
  assert.equal(
    lines[5],
    `mkdir -p ${Q}/lab' ${Q}/lab/web' 2>/dev/null && chmod 711 ${Q}/lab' ${Q}/lab/web' 2>/dev/null || echo '@@steward-problem cannot create the apps directory /srv/$(touch /tmp/pwned)/it'\\''s "x"/lab (permissions?)'`,
  );
  assert.equal(
    lines[6],
    `docker network inspect 'steward-lab' >/dev/null 2>&1 || docker network create --label 'steward.project=lab' 'steward-lab' >/dev/null 2>&1 || docker network inspect 'steward-lab' >/dev/null 2>&1 || echo '@@steward-problem cannot create the network steward-lab'`,
  );
});

test('release scripts: the app dir and the release id are single-quoted assignments, then used in double quotes', () => {
  assert.equal(
    uploadReleaseScript(`${DIR}/lab/web`, ID),
    [
      'set -eu',
      'umask 077',
      `D=${Q}/lab/web'`,
      `I='${ID}'`,
      'mkdir -p "$D/releases"',
      'chmod 711 "$D" "$D/releases"',
      'rm -rf "$D"/releases/.incoming-*',
      'T="$D/releases/.incoming-$I"',
      'mkdir "$T"',
      'tar -xf - -C "$T"',
      'if [ -d "$T/files" ]; then chmod -R a+rX "$T/files"; fi',
      'chmod 600 "$T/compose.yaml" "$T/secrets.env" "$T/release.json"',
      'chmod 711 "$T"',
      'mv "$T" "$D/releases/$I"',
    ].join('\n'),
  );
  assert.deepEqual(activateReleaseScript(`${DIR}/lab/web`, ID, 5).split('\n').slice(0, 6), [
    'set -eu',
    `cd ${Q}/lab/web'`,
    `I='${ID}'`,
    '[ -d "releases/$I" ] || { echo "release $I is missing" >&2; exit 3; }',
    'rm -f .current.new',
    'ln -s "releases/$I" .current.new',
  ]);
  assert.deepEqual(readReleaseScript(`${DIR}/lab/web`, '@@steward-part-0123456789abcdef').split('\n').slice(0, 4), [
    `C=${Q}/lab/web'/current`,
    '[ -f "$C/release.json" ] && [ -f "$C/compose.yaml" ] && [ -f "$C/secrets.env" ] || exit 44',
    'set -e',
    'echo "@@steward-part-0123456789abcdef release.json"; cat "$C/release.json"; echo',
  ]);
  assert.equal(removeDirScript(`${DIR}/lab/web`), `rm -rf ${Q}/lab/web'`);
  assert.match(observeScript('lab', DIR), new RegExp(`\\nfor c in ${Q.replace(/[$()|\\.'"]/g, '\\$&')}/lab'/\\*/current; do\\n`));
});

test('hostile ids, release ids, markers and ports are refused before any script exists', () => {
  for (const bad of [`${ID}'; rm -rf /; '`, '../../etc', `${ID}\n`]) {
    assert.throws(() => uploadReleaseScript('/d', bad), /invalid release id/);
    assert.throws(() => activateReleaseScript('/d', bad, 5), /invalid release id/);
  }
  assert.throws(() => readReleaseScript('/d', '@@steward-part-$(id)'), /invalid marker/);
  assert.throws(() => removeContainersScript(['abc; docker rm -f $(docker ps -q)']), /invalid container id/);
  assert.throws(() => pruneStraysScript('lab', 'web', ['$(reboot)']), /invalid container id/);
  assert.throws(() => containerLogsScript('`reboot`', 10), /invalid container id/);
  assert.throws(() => healthScript('lab', 'web', { path: '/health', port: '80; reboot' as unknown as number }), /invalid port/);
});

test('health: app and label values inside single quotes; the URL path keeps URL characters only', () => {
  const s = healthScript('lab', "we'b", { path: '/h$(id)`x`"q"', port: 8080 });
  assert.ok(s.includes(`--filter 'label=steward.app=we'\\''b'`), s);
  assert.ok(s.includes(`awk -v cp='lab-we'\\''b' -v svc='we'\\''b'`), s);
  assert.ok(s.includes('url="http://$ip:8080/hidxq"'), s);
});

test('leftover removal: ids single-quoted, removed and listed by id alone', () => {
  const a = 'a'.repeat(64);
  assert.equal(
    removeContainersScript([a]),
    [
      'command -v docker >/dev/null 2>&1 || { echo "the docker CLI is not installed on the host" >&2; exit 127; }',
      `for id in '${a}'; do docker rm -f "$id" >/dev/null 2>&1 || true; done`,
      'echo @@steward-remaining',
      `for id in '${a}'; do docker inspect --format '{{.Id}}' "$id" 2>/dev/null || true; done`,
    ].join('\n'),
  );
});

test('syncFiles: dirs single-quoted, wanted paths matched and moved literally', () => {
  assert.equal(
    syncFilesScript(`${DIR}/lab/mon/`, 'targets', ['a.json', 'sub/b-1.json']),
    [
      'set -eu',
      'umask 022',
      `D=${Q}/lab/mon/targets'`,
      `S=${Q}/lab/mon/.sync-targets'`,
      'mkdir -p "$D"',
      `chmod 711 ${Q}/lab/mon'`,
      'chmod 755 "$D"',
      'rm -rf "$S"',
      'mkdir "$S"',
      'tar -xf - -C "$S"',
      'cd "$D"',
      'find . ! -type d | while IFS= read -r f; do',
      '  f=${f#./}',
      '  case "$f" in',
      "    'a.json'|'sub/b-1.json') ;;",
      '    *) rm -f "./$f"; echo "@@steward-synced removed $f"; : > "$S/.changed" ;;',
      '  esac',
      'done',
      'find . -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true',
      "for f in 'a.json' 'sub/b-1.json'; do",
      '  cmp -s "$S/$f" "./$f" && continue',
      '  mkdir -p "$(dirname "./$f")"',
      '  mv -f "$S/$f" "./$f"',
      '  echo "@@steward-synced wrote $f"',
      '  : > "$S/.changed"',
      'done',
      'rm -rf "$S"',
    ].join('\n'),
  );
  // With a reload: after a change, the signal to the app's running containers, in the same call.
  const hup = syncFilesScript('/d/lab/prometheus', 'config', ['prometheus.yml'], { project: 'lab', app: 'prometheus', signal: 'HUP' });
  assert.ok(
    hup.endsWith(
      [
        'c=0',
        '[ ! -e "$S/.changed" ] || c=1',
        'rm -rf "$S"',
        'if [ "$c" = 1 ]; then',
        '  command -v docker >/dev/null 2>&1 || { echo "the docker CLI is not installed on the host" >&2; exit 127; }',
        "  ids=$(docker ps -q --no-trunc --filter 'label=steward.project=lab' --filter 'label=steward.app=prometheus' --filter status=running)",
        '  [ -z "$ids" ] || docker kill --signal HUP $ids >/dev/null',
        '  echo @@steward-reloaded $ids',
        'fi',
      ].join('\n'),
    ),
    hup,
  );
  assert.throws(() => syncFilesScript('/d', 't', [], { project: 'lab', app: 'p', signal: 'KILL; id' as never }), /invalid reload signal/);
  // Nothing wanted: every file goes.
  assert.ok(syncFilesScript('/d/lab/mon', 'status', []).includes('  case "$f" in\n    *) rm -f'));
  assert.throws(() => syncFilesScript('/d', 'releases', []), /invalid live dir/);
  assert.throws(() => syncFilesScript('/d', "t'$(id)", []), /invalid live dir/);
  assert.throws(() => syncFilesScript('/d', 't', ["a'b"]), /invalid live file path/);
  assert.throws(() => syncFilesScript('/d', 't', ['../x']), /file path must be relative/);
});
