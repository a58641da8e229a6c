import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  changedSopsKeys,
  createSopsFile,
  decryptSops,
  listSopsKeys,
  removeSopsKey,
  rotateSopsDataKey,
  setSopsValue,
  SopsError,
  type SopsFormat,
} from '../../../src/secrets/sops';
import { ALICE, ALICE_RECIPIENT, BOB, BOB_RECIPIENT, GETSOPS_KEYS, HUMPHD_KEYS, readContract } from './helpers';

const NOW = new Date('2026-05-06T07:08:09Z');
/** The encrypted data values of a file (its MAC left out). */
const encValues = (text: string) => {
  const mac = /mac"?\s*[:=]\s*"?(ENC\[[^\]]+\])/.exec(text)?.[1];
  return [...text.matchAll(/ENC\[AES256_GCM,data:[^\]]+type:(?:str|int|float|bool)\]/g)].map((m) => m[0]).filter((v) => v !== mac);
};

for (const [format, file] of [['yaml', 'secrets/app.sops.yaml'], ['json', 'secrets/app.sops.json'], ['dotenv', 'secrets/app.sops.env']] as Array<[SopsFormat, string]>) {
  test(`${format}: create, set, keys, rm, rotate round trip`, async () => {
    const created = await createSopsFile({ DB_PASSWORD: 'hunter2-db', API_TOKEN: 'tok-123456' }, { file, recipients: [ALICE_RECIPIENT], now: NOW });
    assert.ok(!created.includes('hunter2-db') && !created.includes('tok-123456'));
    assert.match(created, /lastmodified["]?\s*[:=]\s*"?2026-05-06T07:08:09Z/);
    assert.deepEqual((await decryptSops(created, { file, identities: ALICE })).data, { DB_PASSWORD: 'hunter2-db', API_TOKEN: 'tok-123456' });
    assert.deepEqual(listSopsKeys(created, format), ['DB_PASSWORD', 'API_TOKEN']);

    const set = await setSopsValue(created, 'SMTP_PASSWORD', 'mail-pass-9', { file, identities: ALICE, now: NOW });
    for (const enc of encValues(created)) assert.ok(set.includes(enc), 'unchanged values keep their ciphertext');
    assert.deepEqual((await decryptSops(set, { file, identities: ALICE })).data, { DB_PASSWORD: 'hunter2-db', API_TOKEN: 'tok-123456', SMTP_PASSWORD: 'mail-pass-9' });
    assert.deepEqual(changedSopsKeys(created, set, format), [{ key: 'SMTP_PASSWORD', change: 'added' }]);

    const updated = await setSopsValue(set, 'DB_PASSWORD', 'hunter3-db', { file, identities: ALICE, now: NOW });
    assert.deepEqual(changedSopsKeys(set, updated, format), [{ key: 'DB_PASSWORD', change: 'changed' }]);
    assert.deepEqual(listSopsKeys(updated, format), ['DB_PASSWORD', 'API_TOKEN', 'SMTP_PASSWORD'], 'a replaced key keeps its place');

    const removed = await removeSopsKey(updated, 'API_TOKEN', { file, identities: ALICE, now: NOW });
    assert.deepEqual(listSopsKeys(removed, format), ['DB_PASSWORD', 'SMTP_PASSWORD']);
    assert.deepEqual(changedSopsKeys(updated, removed, format), [{ key: 'API_TOKEN', change: 'removed' }]);
    assert.deepEqual((await decryptSops(removed, { file, identities: ALICE })).data, { DB_PASSWORD: 'hunter3-db', SMTP_PASSWORD: 'mail-pass-9' });

    const rotated = await rotateSopsDataKey(removed, [BOB_RECIPIENT], { file, identities: ALICE, now: NOW });
    for (const enc of encValues(removed)) assert.ok(!rotated.includes(enc), 'every value is re-encrypted with the new data key');
    assert.deepEqual((await decryptSops(rotated, { file, identities: BOB })).data, { DB_PASSWORD: 'hunter3-db', SMTP_PASSWORD: 'mail-pass-9' });
    await assert.rejects(decryptSops(rotated, { file, identities: ALICE }), SopsError, 'a recipient dropped by rotation can no longer decrypt');
  });

  test(`${format}: setting the value a key already has leaves the file unchanged`, async () => {
    const created = await createSopsFile({ A: 'value-a' }, { file, recipients: [ALICE_RECIPIENT], now: NOW });
    assert.equal(await setSopsValue(created, 'A', 'value-a', { file, identities: ALICE }), created);
  });
}

const fixtures: Array<[string, string[]]> = [
  ['getsops/example.yaml', GETSOPS_KEYS],
  ['getsops/example.json', GETSOPS_KEYS],
  ['humphd/secret.enc.yaml', HUMPHD_KEYS],
  ['humphd/secret.enc.json', HUMPHD_KEYS],
  ['humphd/secret.enc.env', HUMPHD_KEYS],
];

for (const [file, keys] of fixtures) {
  test(`${file}: a value set by Steward keeps every other ciphertext and still decrypts`, async () => {
    const original = readContract(file);
    const before = (await decryptSops(original, { file, identities: keys })).data;
    const out = await setSopsValue(original, 'STEWARD_TEST', 'added-by-steward', { file, identities: keys, now: NOW });
    for (const enc of encValues(original)) assert.ok(out.includes(enc));
    const after = (await decryptSops(out, { file, identities: keys })).data;
    assert.deepEqual(after, { ...before, STEWARD_TEST: 'added-by-steward' });
    assert.deepEqual(changedSopsKeys(original, out, file.endsWith('.env') ? 'dotenv' : file.endsWith('.json') ? 'json' : 'yaml'), [{ key: 'STEWARD_TEST', change: 'added' }]);
  });

  test(`${file}: rotation keeps every value and re-wraps for the new recipients`, async () => {
    const original = readContract(file);
    const before = (await decryptSops(original, { file, identities: keys })).data;
    const rotated = await rotateSopsDataKey(original, [ALICE_RECIPIENT, BOB_RECIPIENT], { file, identities: keys, now: NOW });
    assert.deepEqual((await decryptSops(rotated, { file, identities: BOB })).data, before);
    assert.deepEqual((await decryptSops(rotated, { file, identities: ALICE })).data, before);
    await assert.rejects(decryptSops(rotated, { file, identities: keys }), SopsError);
  });
}

test('rotation re-encrypts sops-encrypted YAML comments with the new data key', async () => {
  const original = readContract('getsops/example.yaml');
  const comments = (t: string) => [...t.matchAll(/ENC\[[^\]]+type:comment\]/g)].map((m) => m[0]);
  assert.equal(comments(original).length, 4);
  const rotated = await rotateSopsDataKey(original, [ALICE_RECIPIENT], { file: 'example.yaml', identities: GETSOPS_KEYS });
  const after = comments(rotated);
  assert.equal(after.length, 4);
  for (const c of comments(original)) assert.ok(!rotated.includes(c), 'every comment was opened with the old key and sealed with the new one');
});

test('removing a missing key is an error naming the file and key', async () => {
  const created = await createSopsFile({ A: 'value-a' }, { file: 's.yaml', recipients: [ALICE_RECIPIENT] });
  await assert.rejects(removeSopsKey(created, 'B', { file: 's.yaml', identities: ALICE }), (e: unknown) => e instanceof SopsError && e.key === 'B' && e.file === 's.yaml');
});

test('set refuses names that are not environment variable names, and the sops key', async () => {
  const created = await createSopsFile({ A: 'value-a' }, { file: 's.yaml', recipients: [ALICE_RECIPIENT] });
  for (const bad of ['sops', 'sops_mac', '1ABC', 'A-B', '']) {
    await assert.rejects(setSopsValue(created, bad, 'x', { file: 's.yaml', identities: ALICE }), SopsError);
  }
});

test('set honours the file\'s unencrypted_suffix', async () => {
  const created = await createSopsFile({ A: 'value-a' }, { file: 's.yaml', recipients: [ALICE_RECIPIENT] });
  const out = await setSopsValue(created, 'LOG_LEVEL_unencrypted', 'debug', { file: 's.yaml', identities: ALICE });
  assert.match(out, /^LOG_LEVEL_unencrypted: debug$/m);
  assert.equal((await decryptSops(out, { file: 's.yaml', identities: ALICE })).data.LOG_LEVEL_unencrypted, 'debug');
});

test('encrypted_regex rules from creation are recorded and honoured', async () => {
  const out = await createSopsFile({ PASSWORD: 'pw-secret', USER: 'admin' }, {
    file: 's.yaml', recipients: [ALICE_RECIPIENT], rules: { encryptedRegex: '^PASS', macOnlyEncrypted: true },
  });
  assert.match(out, /^USER: admin$/m);
  assert.match(out, /encrypted_regex: \^PASS/);
  assert.match(out, /mac_only_encrypted: true/);
  assert.deepEqual((await decryptSops(out, { file: 's.yaml', identities: ALICE })).data, { PASSWORD: 'pw-secret', USER: 'admin' });
  // mac_only_encrypted: the clear-text value is outside the MAC, as in sops.
  await decryptSops(out.replace('USER: admin', 'USER: root'), { file: 's.yaml', identities: ALICE });
});

test('INI files are read but not written', async () => {
  await assert.rejects(setSopsValue(readContract('getsops/example.ini'), 'X', 'y', { file: 'example.ini', identities: GETSOPS_KEYS }), /does not write them/);
});

test('a multi-line value survives YAML, JSON and dotenv', async () => {
  const pem = '-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----\n';
  for (const file of ['m.yaml', 'm.json', 'm.env']) {
    const created = await createSopsFile({ TLS_KEY: pem }, { file, recipients: [ALICE_RECIPIENT] });
    assert.equal((await decryptSops(created, { file, identities: ALICE })).data.TLS_KEY, pem);
  }
});

test('secretEnvValues gives env strings; changedSopsKeys handles a new or deleted file', async () => {
  const { secretEnvValues } = await import('../../../src/secrets/sops');
  const out = await decryptSops(readContract('humphd/secret.enc.yaml'), { file: 's.yaml', identities: HUMPHD_KEYS });
  const env = secretEnvValues(out);
  assert.equal(env.int, '7');
  assert.equal(env.boolean, 'true');
  assert.equal(env.complex, '{"value":"this is a secret","array":["one","two","three"]}');
  const text = readContract('humphd/secret.enc.env');
  assert.deepEqual(changedSopsKeys(null, text, 'dotenv'), [{ key: 'another_secret', change: 'added' }, { key: 'secret', change: 'added' }]);
  assert.deepEqual(changedSopsKeys(text, null, 'dotenv').map((c) => c.change), ['removed', 'removed']);
  assert.deepEqual(changedSopsKeys(text, text, 'dotenv'), []);
});
