import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSecretHashKey, secretValuesHash } from '../../../src/secrets/secret-hash';
import { ALICE, BOB } from './helpers';

const key = deriveSecretHashKey(ALICE[0]!);

test('stable for the same values, whatever the insertion order', () => {
  assert.equal(secretValuesHash({ A: 'one-1', B: 'two-2' }, key), secretValuesHash({ B: 'two-2', A: 'one-1' }, key));
});

test('a rotated value changes the hash, which does not contain the value', () => {
  const before = secretValuesHash({ DB_PASSWORD: 'hunter2-db' }, key);
  const after = secretValuesHash({ DB_PASSWORD: 'hunter3-db' }, key);
  assert.notEqual(before, after);
  assert.match(before, /^hmac-sha256:[0-9a-f]{64}$/);
  assert.ok(!before.includes('hunter2'));
});

test('the encoding is unambiguous', () => {
  assert.notEqual(secretValuesHash({ a: 'bc' }, key), secretValuesHash({ ab: 'c' }, key));
  assert.notEqual(secretValuesHash({ a: 'b', c: 'd' }, key), secretValuesHash({ a: 'b\u0000c\u0000d' }, key));
});

test('the key is derived stably from the identity and differs per identity', () => {
  assert.deepEqual(deriveSecretHashKey(ALICE[0]!), deriveSecretHashKey(`  ${ALICE[0]!}\n`));
  assert.notDeepEqual(deriveSecretHashKey(ALICE[0]!), deriveSecretHashKey(BOB[0]!));
  assert.notEqual(secretValuesHash({ A: 'x' }, key), secretValuesHash({ A: 'x' }, deriveSecretHashKey(BOB[0]!)));
});
