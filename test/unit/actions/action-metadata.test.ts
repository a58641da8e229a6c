import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ROOT, STAGES, stageAction, stepOutputRefs } from '../init/action-defs';
import { actionErrors } from '../init/schemas';

const rootText = readFileSync(new URL('action.yml', ROOT), 'utf8');
const root = parse(rootText) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id?: string; run: string; shell?: string; env?: Record<string, string>; if?: string }[] };
};
const stageDirs = readdirSync(new URL('actions/', ROOT), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

test('the root action.yml validates against github-action.json', () => {
  assert.deepEqual(actionErrors(rootText), []);
});

for (const name of stageDirs) {
  test(`actions/${name}/action.yml validates against github-action.json`, () => {
    assert.deepEqual(actionErrors(readFileSync(new URL(`actions/${name}/action.yml`, ROOT), 'utf8')), []);
  });
}

test('every stage of the pipeline has its own action', () => {
  assert.deepEqual([...STAGES].sort(), stageDirs);
});

test('the root action is composite, with the documented inputs and outputs', () => {
  assert.equal(root.runs.using, 'composite');
  for (const input of ['project-path', 'mode', 'age-key', 'ssh-key', 'known-hosts', 'token', 'app', 'full', 'dry-run', 'base', 'webhook-url']) assert.ok(input in root.inputs, input);
  assert.equal(root.inputs.mode!.default, 'converge');
  assert.equal(root.inputs.token!.default, '${{ github.token }}');
  assert.deepEqual(Object.keys(root.outputs).sort(), ['plan', 'result', 'run-record', 'summary']);
});

test('the root action runs render → diff → plan → converge → report from its own dist/, with bash', () => {
  const stages = root.runs.steps.filter((s) => s.id);
  assert.deepEqual(stages.map((s) => s.id), [...STAGES]);
  for (const s of stages) {
    assert.equal(s.run, `node "\${{ github.action_path }}/dist/${s.id}/index.js"`);
    // Only bash hands variables with a "-" in their name (INPUT_PROJECT-PATH) on to node.
    assert.equal(s.shell, 'bash');
  }
  assert.equal(stages.find((s) => s.id === 'report')!.if, 'always()');
  assert.match(stages.find((s) => s.id === 'converge')!.if!, /inputs\.mode == 'converge'/);
});

test('each stage gets every input its action.yml declares, as INPUT_<NAME>, and nothing else', () => {
  for (const s of root.runs.steps.filter((x) => x.id)) {
    const declared = Object.keys(stageAction(s.id!).inputs).map((i) => `INPUT_${i.toUpperCase()}`).sort();
    assert.deepEqual(Object.keys(s.env ?? {}).sort(), declared, `step ${s.id}`);
  }
});

test('the root action refers only to its own inputs and to outputs its stages have, produced earlier', () => {
  const inputRefs = [...rootText.matchAll(/inputs\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
  for (const ref of inputRefs) assert.ok(ref in root.inputs, `inputs.${ref} is not declared`);
  const order: string[] = [];
  for (const s of root.runs.steps) {
    for (const ref of stepOutputRefs(JSON.stringify(s))) {
      assert.ok(order.includes(ref.id), `step ${s.id} uses steps.${ref.id}, which does not come before it`);
      assert.ok(ref.output in stageAction(ref.id).outputs, `actions/${ref.id} has no output "${ref.output}"`);
    }
    if (s.id) order.push(s.id);
  }
  for (const [name, o] of Object.entries(root.outputs)) {
    for (const ref of stepOutputRefs(o.value)) assert.ok(ref.output in stageAction(ref.id).outputs, `output ${name}: actions/${ref.id} has no output "${ref.output}"`);
  }
});

test("the toolkit's own CI workflow validates against github-workflow.json", async () => {
  const { workflowErrors } = await import('../init/schemas');
  assert.deepEqual(workflowErrors(readFileSync(new URL('.forgejo/workflows/ci.yml', ROOT), 'utf8')), []);
});
