import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checkReleaseId, envValues, releaseDigests, releaseId, splitParts, withReleaseMounts } from '../../../src/targets/release';
import { envFile } from '../../../src/targets/env-file';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

test('release ids sort by time and carry the hash; hostile ids are refused', () => {
  const a = releaseId(new Date('2026-01-02T03:04:05.678Z'), '0123456789abcdef', 'beef');
  assert.equal(a, '20260102T030405678Z-01234567-beef');
  assert.ok(releaseId(new Date('2026-01-02T03:04:05.679Z'), 'ffffffff', '0000') > a);
  assert.equal(checkReleaseId(a), a);
  for (const bad of ['../x', "20260102T030405678Z-01234567-beef'; rm -rf /", '', 'current']) assert.throws(() => checkReleaseId(bad), /invalid release id/);
});

test('bind mounts of the app files move into the release dir; everything else stays', () => {
  const compose = [
    'name: lab-web',
    'services:',
    '  web:',
    '    image: web:1',
    '    volumes:',
    '      - type: bind',
    '        source: /srv/steward/lab/web/files/motd.txt',
    '        target: /etc/motd.txt',
    '        read_only: true',
    '      - type: bind',
    '        source: /srv/steward/lab/web/filesystem',
    '        target: /x',
    '      - /srv/steward/lab/web/files/conf.d:/etc/conf.d:ro',
    '      - data:/data',
    '      - /srv/media:/media',
    '',
  ].join('\n');
  const out = withReleaseMounts(compose, '/srv/steward/lab/web', '/srv/steward/lab/web/releases/R1');
  assert.equal(
    out,
    compose
      .replace('/srv/steward/lab/web/files/motd.txt', '/srv/steward/lab/web/releases/R1/files/motd.txt')
      .replace('/srv/steward/lab/web/files/conf.d:', '/srv/steward/lab/web/releases/R1/files/conf.d:'),
  );
});

test('digests: what sha256sum over the release dir prints, hashed again', () => {
  const files = [
    { path: 'files/b.txt', content: Buffer.from('b\n') },
    { path: 'files/a.txt', content: Buffer.from('a\n') },
  ];
  const listing = [`${sha('a\n')}  files/a.txt\n`, `${sha('b\n')}  files/b.txt\n`].sort().join('');
  assert.deepEqual(releaseDigests(files, Buffer.from('K=1\n'), Buffer.from('c')), { files: sha(listing), env: sha('K=1\n'), compose: sha('c') });
  assert.equal(releaseDigests([], Buffer.alloc(0), Buffer.alloc(0)).files, sha(''));
});

test('the env file reads back to its values, quotes and escapes undone', () => {
  const env = { A: 'plain', B: "it's", C: 'two\nlines $HOME "q"', D: '' };
  assert.deepEqual(envValues(envFile(env)).sort(), ['plain', "it's", 'two\nlines $HOME "q"'].sort());
});

test('parts are split exactly, content that looks like a marker of another call included', () => {
  const m = '@@steward-part-0123456789abcdef';
  const out = `${m} release.json\n{"a":1}\n\n${m} compose.yaml\nx: 1\n@@steward-part-ffffffffffffffff secrets.env\n\n${m} secrets.env\nK='v'\n\n`;
  const parts = splitParts(out, m);
  assert.deepEqual([...parts.entries()], [
    ['release.json', '{"a":1}\n'],
    ['compose.yaml', 'x: 1\n@@steward-part-ffffffffffffffff secrets.env\n'],
    ['secrets.env', "K='v'\n"],
  ]);
});
