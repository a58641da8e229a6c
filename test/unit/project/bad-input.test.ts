import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProject } from '../../../src/project/build';
import { readProjectFiles } from '../../../src/project/read';
import { formatDiagnostic } from '../../../src/project/diagnostics';
import { writeProject } from '../../support/project-fixture';
import { CASES } from './bad-projects';

test('the bad-input corpus has at least 30 broken projects', () => {
  assert.ok(CASES.length >= 30, `only ${CASES.length} cases`);
});

for (const c of CASES) {
  test(`bad input: ${c.name}`, () => {
    const p = writeProject(c.files);
    try {
      const r = buildProject(readProjectFiles(p.dir));
      assert.equal(r.project, undefined, 'a broken project must not produce a model');
      assert.deepEqual(r.diagnostics.map(formatDiagnostic), c.expect);
    } finally {
      p.cleanup();
    }
  });
}
