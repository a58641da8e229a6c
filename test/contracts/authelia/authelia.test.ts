// The Authelia configuration Steward generates for examples/homelab, checked against Authelia's
// own JSON Schema for 4.38 (SOURCE.md), compiled here independently of the product's validator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { loadProject } from '../../../src/project/load';
import { renderProject } from '../../../src/render/render';

const HERE = new URL('./', import.meta.url);
const CONTRACT = readFileSync(new URL('configuration.v4.38.json', HERE));
const BUNDLED = readFileSync(new URL('../../../schemas/authelia/configuration.v4.38.json', HERE));
const EXAMPLE = new URL('../../../examples/homelab', HERE).pathname;

test('the schema the product bundles is the contract, byte for byte', () => {
  assert.ok(CONTRACT.equals(BUNDLED));
});

test("examples/homelab's generated configuration.yml satisfies Authelia 4.38's schema", () => {
  const config = renderProject(loadProject(EXAMPLE)).files.get('rendered/core/authelia/configuration.yml');
  assert.ok(config, 'the example runs Steward\'s Authelia');
  // Go regular expressions in the schema: not valid with the u flag. Formats too are checked here.
  const ajv = new Ajv2020({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(CONTRACT.toString('utf8')));
  const value = parse(config);
  assert.equal(validate(value), true, JSON.stringify(validate.errors));
  assert.equal(validate({ ...value, session: { cookies: [{ domain: 'x', same_site: 'sometimes' }] } }), false, 'the schema does reject a bad value');
});
