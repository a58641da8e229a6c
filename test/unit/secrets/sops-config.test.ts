import { test } from 'node:test';
import assert from 'node:assert/strict';
import { creationRuleFor, parseSopsConfig, pathRelativeToConfig, sopsConfigCandidates } from '../../../src/secrets/sops-config';
import { SopsError } from '../../../src/secrets/sops';
import { ageKeySourceFromEnv, parseAgeIdentities } from '../../../src/secrets/age-keys';
import { ALICE, ALICE_RECIPIENT, BOB_RECIPIENT } from './helpers';

const CONFIG = `creation_rules:
  - path_regex: secrets/prod/.*
    age: ${BOB_RECIPIENT}
    encrypted_regex: ^(data|stringData)$
  - path_regex: secrets/.*\\.sops\\.yaml$
    age: "${ALICE_RECIPIENT}, ${BOB_RECIPIENT}"
  - age: [${ALICE_RECIPIENT}]
`;

test('the first rule whose path_regex matches wins; age is comma-separated or a list', () => {
  const rules = parseSopsConfig(CONFIG, '.sops.yaml');
  assert.deepEqual(creationRuleFor(rules, 'secrets/prod/db.sops.yaml', '.sops.yaml').recipients, [BOB_RECIPIENT]);
  assert.equal(creationRuleFor(rules, 'secrets/prod/db.sops.yaml', '.sops.yaml').rules.encryptedRegex, '^(data|stringData)$');
  assert.deepEqual(creationRuleFor(rules, 'secrets/app.sops.yaml', '.sops.yaml').recipients, [ALICE_RECIPIENT, BOB_RECIPIENT]);
  assert.equal(creationRuleFor(rules, 'secrets/app.sops.yaml', '.sops.yaml').rules.unencryptedSuffix, '_unencrypted');
  assert.deepEqual(creationRuleFor(rules, 'other.json', '.sops.yaml').recipients, [ALICE_RECIPIENT]);
});

test('no matching rule and bad recipients are errors naming .sops.yaml', () => {
  const rules = parseSopsConfig(`creation_rules:\n  - path_regex: only/.*\n    age: ${ALICE_RECIPIENT}\n`, 'repo/.sops.yaml');
  assert.throws(() => creationRuleFor(rules, 'secrets/x.yaml', 'repo/.sops.yaml'), (e: unknown) => e instanceof SopsError && e.file === 'repo/.sops.yaml');
  assert.throws(() => parseSopsConfig('creation_rules:\n  - age: not-a-recipient\n', '.sops.yaml'), /not an age recipient/);
  assert.throws(() => parseSopsConfig('foo: 1\n', '.sops.yaml'), /creation_rules/);
});

test('.sops.yaml is looked up from the file upward; paths are relative to it', () => {
  const c = sopsConfigCandidates('/repo/secrets/app.sops.yaml');
  assert.deepEqual(c.slice(0, 4), ['/repo/secrets/.sops.yaml', '/repo/secrets/.sops.yml', '/repo/.sops.yaml', '/repo/.sops.yml']);
  assert.equal(c.at(-2), '/.sops.yaml');
  assert.equal(pathRelativeToConfig('/repo/.sops.yaml', '/repo/secrets/app.sops.yaml'), 'secrets/app.sops.yaml');
});

test('age identities parse from key files; comments ignored; errors never quote the key', () => {
  const key = ALICE[0]!;
  assert.deepEqual(parseAgeIdentities(`# created: x\n# public key: age1...\n${key}\n\n`, 'k.txt'), [key]);
  assert.throws(() => parseAgeIdentities('# only comments\n', 'k.txt'), /no age identity/);
  assert.throws(
    () => parseAgeIdentities(`${key}x-broken y\n`, 'k.txt'),
    (e: unknown) => e instanceof SopsError && /k\.txt/.test(e.message) && /line 1 is not an age identity/.test(e.message) && !e.message.includes(key),
  );
});

test('age key lookup from an env object: content first, then key file path', () => {
  assert.deepEqual(ageKeySourceFromEnv({ STEWARD_AGE_KEY: 'K', SOPS_AGE_KEY_FILE: '/k' }), { kind: 'content', text: 'K', source: 'STEWARD_AGE_KEY' });
  assert.deepEqual(ageKeySourceFromEnv({ SOPS_AGE_KEY_FILE: '/k' }), { kind: 'file', path: '/k', source: '/k' });
  assert.equal(ageKeySourceFromEnv({}), null);
});
