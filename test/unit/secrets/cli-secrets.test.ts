import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runSecretsCommand } from '../../../src/cli/secrets';
import { decryptSops } from '../../../src/secrets/sops';
import { ALICE, ALICE_RECIPIENT, BOB, BOB_RECIPIENT } from './helpers';
import { scratchDir } from '../../support/cleanup';

const SECRET = 'sup3r-s3cret-value';

function project(): string {
  const dir = scratchDir('steward-secrets-');
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: secrets/.*\\.sops\\.(yaml|json|env)$\n    age: >-\n      ${ALICE_RECIPIENT},\n      ${BOB_RECIPIENT}\n`);
  return dir;
}

async function run(argv: string[], cwd: string, opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runSecretsCommand(argv, {
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: opts.env ?? { STEWARD_AGE_KEY: ALICE.join('\n') },
    cwd,
  });
  return { code, stdout, stderr, all: stdout + stderr };
}

test('set creates the file from .sops.yaml, then keys/set/rm/rotate/decrypt-check work and never print a value', async () => {
  const dir = project();
  const file = 'secrets/app.sops.yaml';
  const outputs: string[] = [];
  const step = async (argv: string[], o: { stdin?: string; env?: NodeJS.ProcessEnv } = {}, expected = 0) => {
    const r = await run(argv, dir, o);
    outputs.push(r.all);
    assert.equal(r.code, expected, r.all);
    return r;
  };

  await step(['set', file, 'DB_PASSWORD'], { stdin: `${SECRET}\n` });
  const created = readFileSync(join(dir, file), 'utf8');
  assert.ok(!created.includes(SECRET));
  assert.equal((await decryptSops(created, { file, identities: BOB })).data.DB_PASSWORD, SECRET, 'trailing newline dropped, encrypted for every rule recipient');

  await step(['set', file, 'API_TOKEN'], { stdin: 'token-abcdef' });
  assert.equal((await step(['keys', file], { env: {} })).stdout, 'DB_PASSWORD\nAPI_TOKEN\n', 'keys needs no age key');
  const check = await step(['decrypt-check', file]);
  assert.match(check.stdout, /ok secrets\/app\.sops\.yaml: .*DB_PASSWORD, API_TOKEN/);

  await step(['rm', file, 'API_TOKEN']);
  assert.equal((await step(['keys', file])).stdout, 'DB_PASSWORD\n');

  await step(['rotate', file], { env: { SOPS_AGE_KEY_FILE: join(import.meta.dirname, '../../fixtures/secrets/bob.agekey.txt') } });
  await step(['decrypt-check', file]);

  for (const o of outputs) {
    assert.ok(!o.includes(SECRET) && !o.includes('token-abcdef'), `output leaked a value: ${o}`);
  }
});

test('the value is never taken from argv', async () => {
  const dir = project();
  const r = await run(['set', 'secrets/a.sops.yaml', 'KEY', 'value-on-argv'], dir, { stdin: '' });
  assert.equal(r.code, 2);
  assert.ok(!existsSync(join(dir, 'secrets/a.sops.yaml')));
});

test('an empty stdin is refused', async () => {
  const r = await run(['set', 'secrets/a.sops.yaml', 'KEY'], project(), { stdin: '' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no value on stdin/);
});

test('a missing age key is a clear error', async () => {
  const dir = project();
  await run(['set', 'secrets/a.sops.yaml', 'KEY'], dir, { stdin: 'value-1234' });
  const r = await run(['decrypt-check', 'secrets/a.sops.yaml'], dir, { env: {} });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /STEWARD_AGE_KEY/);
});

test('decrypt-check refuses a tampered file with exit code 1 and names it', async () => {
  const dir = project();
  await run(['set', 'secrets/a.sops.yaml', 'KEY'], dir, { stdin: SECRET });
  const path = join(dir, 'secrets/a.sops.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/lastmodified: "(\d{4})/, (_m, y: string) => `lastmodified: "${Number(y) + 1}`));
  const r = await run(['decrypt-check', 'secrets/a.sops.yaml'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /secrets\/a\.sops\.yaml: .*MAC/);
  assert.ok(!r.all.includes(SECRET));
});

test('set without a .sops.yaml for a new file explains what is missing', async () => {
  const dir = scratchDir('steward-secrets-');
  const r = await run(['set', 'x.sops.yaml', 'KEY'], dir, { stdin: 'value-1234' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no \.sops\.yaml/);
});

test('unknown commands and missing arguments print usage with exit code 2', async () => {
  assert.equal((await run(['frobnicate', 'x'], project())).code, 2);
  assert.equal((await run(['set', 'x.yaml'], project())).code, 2);
  assert.equal((await run([], project())).code, 2);
  const help = await run(['--help'], project());
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: steward secrets/);
});
