import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureMarkdown, failureSummary, type StageFailure } from '../../../src/report/stage-failure';

const base: StageFailure = { schema: 1, stage: 'render', runId: '7-1', project: 'lab', commit: 'a'.repeat(40), message: '2 problems', diagnostics: [] };

test('failureMarkdown: a table of file, line, key and problem, cells escaped', () => {
  const md = failureMarkdown({
    ...base,
    diagnostics: [
      { file: 'services/api/service.yml', line: 4, column: 1, key: 'replicas', message: 'unknown key "replicas" | did you mean `scale`?' },
      { file: 'network.yml', line: 0, column: 0, key: '', message: 'no edge target' },
    ],
  });
  assert.equal(
    md,
    [
      '### ❌ Steward `render` failed for `lab` at aaaaaaa: nothing was planned or applied',
      '',
      '**2 problems in the project.**',
      '',
      '| file | line | key | problem |',
      '| --- | --- | --- | --- |',
      "| `services/api/service.yml` | 4:1 | `replicas` | unknown key \"replicas\" \\| did you mean 'scale'? |",
      '| `network.yml` |  |  | no edge target |',
      '',
      'Fix it and push again: this comment and the commit status follow the next run.',
      '',
    ].join('\n'),
  );
});

test('failureMarkdown without diagnostics shows the message; a long list is capped', () => {
  assert.match(failureMarkdown({ ...base, stage: 'diff', message: 'base 123 is not a commit here or on origin' }), /```\nbase 123 is not a commit here or on origin\n```/);
  const many = Array.from({ length: 130 }, (_, i) => ({ file: `f${i}.yml`, line: 1, column: 1, key: 'k', message: 'bad' }));
  const md = failureMarkdown({ ...base, diagnostics: many });
  assert.equal(md.split('\n').filter((l) => l.startsWith('| `f')).length, 100);
  assert.match(md, /…and 30 more; `steward render` lists them all\./);
});

test('failureSummary: one short line for the commit status', () => {
  assert.equal(failureSummary({ ...base, diagnostics: [{ file: 'a.yml', line: 3, column: 2, key: 'x', message: 'bad value' }] }), 'render failed: a.yml:3 bad value');
  assert.equal(failureSummary({ ...base, diagnostics: [{ file: 'rendered/x', line: 0, column: 0, key: '', message: 'stale' }, { file: 'rendered/y', line: 0, column: 0, key: '', message: 'stale' }] }), 'render failed: rendered/x stale (+1 more)');
  const long = failureSummary({ ...base, message: 'x'.repeat(300) });
  assert.equal(long.length, 140);
  assert.ok(long.endsWith('…'));
});
