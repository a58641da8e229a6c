import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAgeIdentities } from '../../../src/secrets/age-keys';
import { decryptSops, listSopsKeys, SopsError, type SopsFormat } from '../../../src/secrets/sops';
import { readSopsVector as read } from '../../support/contracts';

const getsopsKeys = parseAgeIdentities(read('getsops/keys.txt'), 'getsops/keys.txt');
const humphdKeys = parseAgeIdentities(read('humphd/key.txt'), 'humphd/key.txt');

const fixtures: Array<{ file: string; format: SopsFormat; keys: string[]; plain: string }> = [
  { file: 'getsops/example.yaml', format: 'yaml', keys: getsopsKeys, plain: 'getsops/example.yaml.plain.json' },
  { file: 'getsops/example.json', format: 'json', keys: getsopsKeys, plain: 'getsops/example.json.plain.json' },
  { file: 'getsops/example.ini', format: 'ini', keys: getsopsKeys, plain: 'getsops/example.ini.plain.json' },
  { file: 'humphd/secret.enc.yaml', format: 'yaml', keys: humphdKeys, plain: 'humphd/secret.enc.yaml.plain.json' },
  { file: 'humphd/secret.enc.json', format: 'json', keys: humphdKeys, plain: 'humphd/secret.json' },
  { file: 'humphd/secret.enc.env', format: 'dotenv', keys: humphdKeys, plain: 'humphd/secret.enc.env.plain.json' },
];

for (const f of fixtures) {
  test(`${f.file} decrypts to its recorded plaintext`, async () => {
    const out = await decryptSops(read(f.file), { file: f.file, format: f.format, identities: f.keys });
    assert.deepEqual(out.data, JSON.parse(read(f.plain)));
  });

  for (const [i, key] of f.keys.entries()) {
    test(`${f.file} decrypts with identity #${i + 1} alone`, async () => {
      await decryptSops(read(f.file), { file: f.file, format: f.format, identities: [key] });
    });
  }
}

test('getsops/example.txt (binary wrapper) decrypts to its text', async () => {
  const out = await decryptSops(read('getsops/example.txt'), { file: 'example.txt', format: 'binary', identities: getsopsKeys });
  assert.equal(out.data.data, read('getsops/example.txt.plain.txt'));
});

test('keys are listed without any age key', () => {
  assert.deepEqual(listSopsKeys(read('humphd/secret.enc.env'), 'dotenv'), ['secret', 'another_secret']);
  assert.deepEqual(listSopsKeys(read('humphd/secret.enc.yaml'), 'yaml'), ['secret', 'string', 'int', 'float', 'boolean', 'complex']);
  assert.deepEqual(listSopsKeys(read('getsops/example.json'), 'json'), ['firstName', 'lastName', 'age', 'address', 'phoneNumbers', 'anEmptyValue']);
});

test('a wrong key is refused with an error naming the file', async () => {
  await assert.rejects(
    decryptSops(read('getsops/example.yaml'), { file: 'secrets/example.yaml', format: 'yaml', identities: humphdKeys }),
    (e: unknown) => e instanceof SopsError && /secrets\/example\.yaml/.test(e.message) && /none of the given age identities/.test(e.message),
  );
});

test('the bundled example secrets decrypt with their test key (kept with the test fixtures, not the example)', async () => {
  const file = join(import.meta.dirname, '../../../examples/homelab/secrets/homelab.sops.yaml');
  const keyFile = join(import.meta.dirname, '../../fixtures/secrets/homelab.agekey.txt');
  const out = await decryptSops(readFileSync(file, 'utf8'), { file: 'secrets/homelab.sops.yaml', format: 'yaml', identities: parseAgeIdentities(readFileSync(keyFile, 'utf8'), keyFile) });
  assert.deepEqual(Object.keys(out.data).sort(), listSopsKeys(readFileSync(file, 'utf8'), 'yaml').sort());
  assert.ok(Object.values(out.data).every((v) => typeof v === 'string' && v.length > 0));
});
