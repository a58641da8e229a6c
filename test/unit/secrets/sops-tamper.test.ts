import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decryptSops, SopsError, type SopsFormat } from '../../../src/secrets/sops';
import { flipBase64, GETSOPS_KEYS, HUMPHD_KEYS, readContract } from './helpers';

const cases: Array<{ file: string; format: SopsFormat; keys: string[] }> = [
  { file: 'getsops/example.yaml', format: 'yaml', keys: GETSOPS_KEYS },
  { file: 'getsops/example.json', format: 'json', keys: GETSOPS_KEYS },
  { file: 'humphd/secret.enc.env', format: 'dotenv', keys: HUMPHD_KEYS },
];

const refused = (file: string, pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SopsError, `expected SopsError, got ${String(e)}`);
  assert.match(e.message, new RegExp(file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  assert.match(e.message, pattern);
  return true;
};

for (const c of cases) {
  const text = readContract(c.file);
  const open = (t: string) => decryptSops(t, { file: c.file, format: c.format, identities: c.keys });

  test(`${c.file}: the untouched file decrypts`, async () => {
    await open(text);
  });

  test(`${c.file}: a byte changed in a value is refused`, async () => {
    await assert.rejects(open(flipBase64(text, /ENC\[AES256_GCM,data:([^,]+),iv:[^\]]+type:str\]/)), refused(c.file, /does not decrypt/));
  });

  test(`${c.file}: a byte changed in the MAC is refused`, async () => {
    await assert.rejects(open(flipBase64(text, /mac["]?\s*[:=]\s*"?ENC\[AES256_GCM,data:([^,]+)/)), refused(c.file, /MAC/));
  });

  test(`${c.file}: a changed lastmodified is refused`, async () => {
    const tampered = text.replace(/(lastmodified["]?\s*[:=]\s*"?\d{4}-\d\d-\d\dT\d\d:\d\d:)(\d\d)/, (_m, head: string, s: string) => head + String((Number(s) + 1) % 60).padStart(2, '0'));
    assert.notEqual(tampered, text);
    await assert.rejects(open(tampered), refused(c.file, /MAC/));
  });

  test(`${c.file}: a value moved to another key is refused (the key path is authenticated)`, async () => {
    const values = [...text.matchAll(/ENC\[AES256_GCM,data:[^\]]+type:str\]/g)].map((m) => m[0]);
    const [a, b] = values;
    const swapped = text.replace(a!, '\u0000').replace(b!, a!).replace('\u0000', b!);
    await assert.rejects(open(swapped), refused(c.file, /does not decrypt/));
  });
}

test('a changed clear-text (_unencrypted) value fails the MAC', async () => {
  const text = readContract('getsops/example.yaml').replace('remain in clear text', 'remain in clear text!');
  await assert.rejects(decryptSops(text, { file: 'example.yaml', identities: GETSOPS_KEYS }), refused('example.yaml', /MAC mismatch/));
});

test('a removed value fails the MAC', async () => {
  const text = readContract('humphd/secret.enc.env').split('\n').filter((l) => !l.startsWith('another_secret=')).join('\n');
  await assert.rejects(decryptSops(text, { file: 'x.env', identities: HUMPHD_KEYS }), refused('x.env', /MAC mismatch/));
});

test('a file without sops metadata is refused as malformed', async () => {
  await assert.rejects(decryptSops('a: 1\n', { file: 'plain.yaml', identities: HUMPHD_KEYS }), refused('plain.yaml', /metadata not found/));
});

test('invalid YAML and JSON are refused naming the file', async () => {
  await assert.rejects(decryptSops('a: [\n', { file: 'bad.yaml', identities: HUMPHD_KEYS }), refused('bad.yaml', /invalid YAML/));
  await assert.rejects(decryptSops('{"a": }', { file: 'bad.json', identities: HUMPHD_KEYS }), refused('bad.json', /invalid JSON/));
});

test('a value left in clear text where it must be encrypted is refused, naming the key', async () => {
  const text = readContract('humphd/secret.enc.yaml').replace(/^string: .*$/m, 'string: plain');
  await assert.rejects(decryptSops(text, { file: 's.yaml', identities: HUMPHD_KEYS }), (e: unknown) => e instanceof SopsError && e.key === 'string');
});

test('error messages never contain decrypted values', async () => {
  const text = readContract('getsops/example.yaml').replace('remain in clear text', 'remain in clear text!');
  await assert.rejects(decryptSops(text, { file: 'example.yaml', identities: GETSOPS_KEYS }), (e: unknown) => {
    assert.ok(e instanceof SopsError, `expected a SopsError, got ${String(e)}`);
    for (const secret of ['t00m4nys3cr3tzupdated', 'c4r1b0u', 'secretuser1']) assert.ok(!e.message.includes(secret), `message leaks ${secret}`);
    return true;
  });
});
