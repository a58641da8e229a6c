import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import * as contracts from '../../support/contracts';

// A clone must pass on its own: nothing may reach for the hand-off folder that
// sat beside the checkout while the project was built. The pattern is written
// with escapes so that this file does not match itself.
const OUTSIDE = /\.\.\/shared\b|shared\/(?:contracts|DESIGN)/;
const ROOT = join(import.meta.dirname, '..', '..', '..');

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
}

test('no tracked file outside test/contracts/ reads or links the hand-off folder', () => {
  const hits: string[] = [];
  for (const file of trackedFiles()) {
    if (file.startsWith('test/contracts/')) continue;
    const abs = join(ROOT, file);
    const stat = lstatOrUndefined(abs);
    if (!stat) continue; // deleted in the work tree, not yet committed
    if (stat.isSymbolicLink()) {
      const target = readlinkSync(abs);
      if (OUTSIDE.test(target) || /(^|\/)shared(\/|$)/.test(target)) hits.push(`${file}: symlink to ${target}`);
      continue;
    }
    const lines = readFileSync(abs, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (OUTSIDE.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(hits, []);
});

test('the pattern catches each way of pointing outside the repo', () => {
  // Assembled from parts, as the pattern is, so that this file does not match itself.
  const [dots, shared] = ['..', 'shared'];
  for (const bad of [`${dots}/${shared}/DESIGN.md`, `/work/${shared}/contracts/sops`, `see ${shared}/DESIGN.md`, `join(x, '${dots}/${shared}')`]) {
    assert.match(bad, OUTSIDE, bad);
  }
  for (const fine of ['sharedNetworkName(p.name)', 'definitions shared between output schemas', 'test/contracts/sops']) {
    assert.doesNotMatch(fine, OUTSIDE, fine);
  }
});

test('every contract folder says where it comes from, and every exported path exists', () => {
  const folders = readdirSync(contracts.CONTRACTS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory());
  assert.ok(folders.length > 0);
  for (const d of folders) {
    assert.ok(existsSync(join(contracts.CONTRACTS_DIR, d.name, 'SOURCE.md')), `test/contracts/${d.name}/SOURCE.md is missing`);
    assert.ok(!existsSync(join(contracts.CONTRACTS_DIR, d.name, 'DESIGN.md')), `test/contracts/${d.name}/DESIGN.md does not belong here`);
  }
  for (const [name, value] of Object.entries(contracts)) {
    if (typeof value === 'string') assert.ok(existsSync(value), `${name}: ${value} does not exist`);
  }
});

function lstatOrUndefined(abs: string): Stats | undefined {
  try {
    return lstatSync(abs);
  } catch {
    return undefined;
  }
}

test('.ci/run runs exactly a command line of the README', () => {
  const readme = new Set(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').map((l) => l.trim()));
  const commands = readFileSync(join(ROOT, '.ci/run'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !/^(set |cd )/.test(l));
  assert.deepEqual(commands, ['bash scripts/test.sh']);
  for (const c of commands) assert.ok(readme.has(c), `README.md has no line "${c}"`);
});

test('private keys (throwaway ones, for tests) live only under test/fixtures/', () => {
  // Real key material, not the word: an age identity or a PEM/OpenSSH private key block.
  const KEY = new RegExp(['AGE-SECRET-' + 'KEY-1[0-9A-Z]{50,}', '-----BEGIN [A-Z ]*PRIVATE' + ' KEY-----'].join('|'));
  const hits = trackedFiles().filter((f) => !f.startsWith('test/fixtures/') && !f.startsWith('dist/') && existsSync(join(ROOT, f)) && KEY.test(readFileSync(join(ROOT, f), 'utf8')));
  assert.deepEqual(hits, []);
});
