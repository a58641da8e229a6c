import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { canonicalJson, canonicalYaml, sortKeys } from '../../../src/render/canonical';

const tricky = [
  '', ' ', 'yes', 'No', 'on', 'OFF', 'null', '~', 'true', '1', '0x1F', '1e3', '-1', '.5', '+1', '08', '.inf', 'nan',
  'a: b', 'a #b', '#x', '- x', '[x]', '{x}', '*alias', '&anchor', '!tag', '%dir', '@at', '`tick', '|', '>', "'q'", '"dq"',
  'multi\nline', 'tab\there', 'trailing ', ' leading', 'ünïcödé', 'p$$ss', 'host.docker.internal:host-gateway', 'CMD-SHELL',
  'a:b', 'http://x/y?z=1', 'x=y', '/abs/path', 'C:\\win', '2026-01-01', '12:30', '---', '...', '?', ':', ',', 'a,b',
];

test('canonicalYaml round-trips every tricky string as a string', () => {
  const value = { list: tricky, map: Object.fromEntries(tricky.map((s, i) => [`k${i}`, s])), keys: Object.fromEntries(tricky.filter(Boolean).map((s) => [s, 1])) };
  assert.deepEqual(parse(canonicalYaml(value)), sortKeys(value));
});

test('canonicalYaml handles nesting, empty collections, numbers and booleans', () => {
  const value = { b: [{ x: 1, y: [true, false, null] }, [], {}, [[1, 2], { z: 'q' }]], a: { nested: { deep: 3.5 } }, e: [], f: {} };
  const text = canonicalYaml(value);
  assert.deepEqual(parse(text), sortKeys(value));
  assert.ok(text.startsWith('a:\n'), 'keys sorted');
});

test('canonicalJson sorts keys at every depth and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[{"y":2,"z":1}]},"b":1}');
});
