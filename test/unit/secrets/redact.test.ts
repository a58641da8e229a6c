import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor } from '../../../src/secrets/redact';

test('redacts every occurrence', () => {
  const r = new Redactor().add('hunter2-secret');
  assert.equal(r.redact('a hunter2-secret b hunter2-secret'), 'a *** b ***');
});

test('longest value first, so a value containing another is masked whole', () => {
  const r = new Redactor().add('abcd').add('abcdefgh');
  assert.equal(r.redact('x abcdefgh y abcd'), 'x *** y ***');
});

test('values shorter than 4 characters are left alone', () => {
  const r = new Redactor().add('1').add('yes').add('true1');
  assert.equal(r.redact('1 yes true1'), '1 yes ***');
  assert.equal(new Redactor().add('abc').size, 0);
});

test('base64, base64url, URL-encoded and JSON-escaped forms are masked', () => {
  const value = 'p@ss word/with?chars"\\';
  const r = new Redactor().add(value);
  const b64 = Buffer.from(value).toString('base64');
  for (const form of [b64, b64.replace(/=+$/, ''), Buffer.from(value).toString('base64url'), encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) {
    assert.ok(!r.redact(`before ${form} after`).includes(form), form);
  }
  assert.equal(r.redact(JSON.stringify({ v: value })), '{"v":"***"}');
});

test('regex metacharacters in values are matched literally', () => {
  const r = new Redactor().add('a.b*c+d');
  assert.equal(r.redact('aXbbbc+d a.b*c+d'), 'aXbbbc+d ***');
});

test('each line of a multi-line secret is masked', () => {
  const pem = '-----BEGIN KEY-----\nMIIBPAIBAAJBAPTMNIy\nHuZtpLYc7VsHQtwOk\n-----END KEY-----';
  const r = new Redactor().add(pem);
  assert.ok(!r.redact('line: HuZtpLYc7VsHQtwOk').includes('HuZtpLYc7VsHQtwOk'));
  assert.equal(r.redact(pem), '***');
});

test('a custom mask', () => {
  assert.equal(new Redactor('[secret]').add('topsecret').redact('x topsecret'), 'x [secret]');
});

test('no values: text unchanged', () => {
  assert.equal(new Redactor().redact('plain'), 'plain');
});
