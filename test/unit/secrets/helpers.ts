import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAgeIdentities } from '../../../src/secrets/age-keys';
import { readSopsVector } from '../../support/contracts';

export const readContract = readSopsVector;

const FIXTURES = join(import.meta.dirname, '../../fixtures/secrets');
const key = (name: string) => parseAgeIdentities(readFileSync(join(FIXTURES, `${name}.agekey.txt`), 'utf8'), name);

/** Test-only identities (see test/fixtures/secrets/README.md). */
export const ALICE = key('alice');
export const BOB = key('bob');
export const ALICE_RECIPIENT = 'age1vxcwg0az0mh865cp8fqd3n40v8qamr2r5cnqctcza5chdytltulskz2pxx';
export const BOB_RECIPIENT = /public key: (age1\w+)/.exec(readFileSync(join(FIXTURES, 'bob.agekey.txt'), 'utf8'))![1]!;

export const GETSOPS_KEYS = parseAgeIdentities(readContract('getsops/keys.txt'), 'getsops/keys.txt');
export const HUMPHD_KEYS = parseAgeIdentities(readContract('humphd/key.txt'), 'humphd/key.txt');

/** Flips one base64 character inside the first match of `re`'s capture group 1. */
export function flipBase64(text: string, re: RegExp): string {
  const m = re.exec(text);
  if (!m || m[1] === undefined) throw new Error(`no match for ${re}`);
  const start = m.index + m[0].indexOf(m[1]);
  const c = text[start]!;
  const replacement = c === 'A' ? 'B' : 'A';
  return text.slice(0, start) + replacement + text.slice(start + 1);
}
