import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { parseActionsRef } from '../../../src/init/actions-ref';
import { scaffoldProject, WORKFLOW_PATHS, type ScaffoldOptions } from '../../../src/init/scaffold';
import { readTemplates } from '../../../src/init/template-files';
import { stageAction, stepOutputRefs, withoutComments } from './action-defs';
import { workflowErrors } from './schemas';

const RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const base: ScaffoldOptions = {
  name: 'homelab',
  domain: 'home.example.org',
  actions: parseActionsRef(undefined),
  runnerLabel: 'steward-host',
  planRunnerLabel: 'steward-host',
  branch: 'main',
  recipient: RECIPIENT,
};
const variants: [string, ScaffoldOptions][] = [
  ['defaults', base],
  ['a mirror by full URL, other labels and branch', { ...base, actions: parseActionsRef('https://git.example.org/ops/steward@v0.1.0'), runnerLabel: 'lab-1', planRunnerLabel: 'docker', branch: 'production' }],
];
const workflow = (o: ScaffoldOptions, which: keyof typeof WORKFLOW_PATHS) => scaffoldProject(o, readTemplates()).find((f) => f.path === WORKFLOW_PATHS[which])!.content;

interface Step {
  id?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}
const steps = (text: string): Step[] => Object.values(parse(text).jobs as Record<string, { steps: Step[] }>)[0]!.steps;
const stage = (s: Step) => /\/steward\/actions\/(render|diff|plan|converge|report)@/.exec(s.uses ?? '')?.[1];

for (const [label, o] of variants) {
  test(`every generated workflow validates against github-workflow.json (${label})`, () => {
    for (const which of ['converge', 'plan'] as const) assert.deepEqual(workflowErrors(workflow(o, which)), [], which);
  });
}

test('converge: push to the branch, a 5-minute schedule, dispatch with dry-run, app and full', () => {
  const w = parse(workflow(base, 'converge'));
  assert.deepEqual(w.on.push, { branches: ['main'] });
  assert.deepEqual(w.on.schedule, [{ cron: '*/5 * * * *' }]);
  const inputs = w.on.workflow_dispatch.inputs;
  assert.equal(inputs['dry-run'].type, 'boolean');
  assert.equal(inputs.app.type, 'string');
  assert.equal(inputs.full.type, 'boolean');
});

test('converge: one concurrency group whose runs queue and are never cancelled', () => {
  assert.deepEqual(parse(workflow(base, 'converge')).concurrency, { group: 'steward-converge', 'cancel-in-progress': false });
});

test('converge: runs on the host runner label; checkout, then render (commit a stale rendered/) → diff → plan → converge → report', () => {
  const w = parse(workflow(base, 'converge'));
  assert.equal(w.jobs.converge['runs-on'], 'steward-host');
  const s = steps(workflow(base, 'converge'));
  assert.equal(s[0]!.uses, 'https://data.forgejo.org/actions/checkout@v4');
  assert.deepEqual(s.slice(1).map((x) => [x.id, stage(x)]), [['render', 'render'], ['diff', 'diff'], ['plan', 'plan'], ['converge', 'converge'], ['report', 'report']]);
  const byId = Object.fromEntries(s.map((x) => [x.id, x]));
  assert.deepEqual(byId.render!.with, { commit: 'true' });
  assert.equal(byId.converge!.with!.plan, '${{ steps.plan.outputs.plan }}');
  assert.equal(byId.converge!.with!['age-key'], '${{ secrets.STEWARD_AGE_KEY }}');
  assert.equal(byId.converge!.with!['ssh-key'], '${{ secrets.STEWARD_SSH_KEY }}');
  assert.equal(byId.converge!.with!['known-hosts'], '${{ vars.STEWARD_KNOWN_HOSTS }}');
  assert.equal(byId.converge!.with!.app, '${{ inputs.app }}');
  assert.equal(byId.converge!.with!['dry-run'], '${{ inputs.dry-run == true }}');
  assert.equal(byId.converge!.with!.full, '${{ inputs.full == true }}');
  assert.equal(byId.report!.if, 'always()');
  assert.equal(byId.report!.with!['run-record'], '${{ steps.converge.outputs.run-record }}');
});

test('plan: on pull_request, read-only: no secret, no observation, diff and plan against the base', () => {
  const text = workflow(base, 'plan');
  const w = parse(text);
  assert.deepEqual(Object.keys(w.on), ['pull_request']);
  assert.doesNotMatch(withoutComments(text), /secrets\./);
  const byId = Object.fromEntries(steps(text).map((x) => [x.id, x]));
  assert.deepEqual(steps(text).slice(1).map(stage), ['render', 'diff', 'plan', 'report']);
  assert.equal(byId.render!.with!.check, 'true');
  assert.equal(byId.diff!.with!.base, '${{ github.event.pull_request.base.sha }}');
  assert.equal(byId.plan!.with!.base, '${{ github.event.pull_request.base.sha }}');
  assert.equal(byId.plan!.with!.observe, 'false');
  assert.equal(byId.plan!.with!['ssh-key'], undefined);
  assert.equal(byId.report!.if, 'always()');
  assert.equal(byId.report!.with!.plan, '${{ steps.plan.outputs.plan }}');
  assert.equal(byId.report!.with!['run-record'], undefined);
});

test('every with: key is an input of that action, and every step output used exists and comes earlier', () => {
  for (const which of ['converge', 'plan'] as const) {
    const s = steps(workflow(base, which));
    const seen = new Map<string, string>();
    for (const step of s) {
      const name = stage(step);
      if (!name) continue;
      const def = stageAction(name);
      for (const key of Object.keys(step.with ?? {})) assert.ok(key in def.inputs, `${which}: ${step.id} passes "${key}", which actions/${name}/action.yml does not declare`);
      for (const ref of stepOutputRefs(JSON.stringify(step))) {
        const from = seen.get(ref.id);
        assert.ok(from, `${which}: ${step.id} uses steps.${ref.id}, which does not come before it`);
        assert.ok(ref.output in stageAction(from).outputs, `${which}: actions/${from} has no output "${ref.output}"`);
      }
      assert.ok(step.id, `${which}: a Steward step has no id`);
      seen.set(step.id, name);
    }
  }
});
