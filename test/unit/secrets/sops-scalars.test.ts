import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goFormatFloat, macBytes, typedFromPlaintext } from '../../../src/secrets/sops-scalars';
import { goRfc3339 } from '../../../src/secrets/sops-metadata';

test('floats print like Go\'s strconv.FormatFloat(f, \'f\', -1, 64)', () => {
  const cases: Array<[number, string]> = [
    [1234568000, '1234568000'], [3.14, '3.14'], [7, '7'], [25.4, '25.4'], [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'], [-2.5e-8, '-0.000000025'], [1.2345e22, '12345000000000000000000'], [-0, '-0'],
    [Infinity, '+Inf'], [-Infinity, '-Inf'], [NaN, 'NaN'], [0.1, '0.1'],
  ];
  for (const [n, s] of cases) assert.equal(goFormatFloat(n), s, String(n));
});

test('the MAC hashes booleans as True/False and ints exactly', () => {
  assert.equal(macBytes(true).toString(), 'True');
  assert.equal(macBytes(false).toString(), 'False');
  assert.equal(macBytes(12345678901234567890n).toString(), '12345678901234567890');
});

test('decrypted bytes are typed by their ENC tag as Go parses them', () => {
  assert.equal(typedFromPlaintext(Buffer.from('True'), 'bool'), true);
  assert.equal(typedFromPlaintext(Buffer.from('0'), 'bool'), false);
  assert.equal(typedFromPlaintext(Buffer.from('maybe'), 'bool'), null);
  assert.equal(typedFromPlaintext(Buffer.from('+7'), 'int'), 7n);
  assert.equal(typedFromPlaintext(Buffer.from('7.5'), 'int'), null);
  assert.equal(typedFromPlaintext(Buffer.from('1234568000'), 'float'), 1234568000);
  assert.equal(typedFromPlaintext(Buffer.from(''), 'float'), null);
});

test('lastmodified is normalised like Go\'s RFC 3339 round trip', () => {
  assert.equal(goRfc3339('2022-03-15T22:11:15Z'), '2022-03-15T22:11:15Z');
  assert.equal(goRfc3339('2022-03-15T22:11:15.123+00:00'), '2022-03-15T22:11:15Z');
  assert.equal(goRfc3339('2022-03-15T22:11:15+01:00'), '2022-03-15T22:11:15+01:00');
  assert.equal(goRfc3339('2022-02-30T22:11:15Z'), null);
  assert.equal(goRfc3339('yesterday'), null);
});
