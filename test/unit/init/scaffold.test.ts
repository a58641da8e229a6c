import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { parseActionsRef, TOOLKIT_VERSION } from '../../../src/init/actions-ref';
import { scaffoldProject, type ScaffoldOptions } from '../../../src/init/scaffold';
import { fillTemplate } from '../../../src/init/template';
import { readTemplates } from '../../../src/init/template-files';

const RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const options = (over: Partial<ScaffoldOptions> = {}): ScaffoldOptions => ({
  name: 'homelab',
  domain: 'home.example.org',
  actions: parseActionsRef(undefined),
  runnerLabel: 'steward-host',
  planRunnerLabel: 'steward-host',
  branch: 'main',
  recipient: RECIPIENT,
  ...over,
});
const byPath = (o: ScaffoldOptions) => new Map(scaffoldProject(o, readTemplates()).map((f) => [f.path, f.content]));

test('the scaffold is the same bytes for the same options and key', () => {
  assert.deepEqual(scaffoldProject(options(), readTemplates()), scaffoldProject(options(), readTemplates()));
});

test('the scaffold writes the project, the sample app, .sops.yaml, .gitignore, both workflows and a README', () => {
  assert.deepEqual([...byPath(options()).keys()].sort(), [
    '.forgejo/workflows/steward-converge.yml',
    '.forgejo/workflows/steward-plan.yml',
    '.gitignore',
    '.sops.yaml',
    'README.md',
    'network.yml',
    'project.yml',
    'services/hello/service.yml',
  ]);
});

test('no placeholder is left, and workflow expressions are kept', () => {
  for (const [path, content] of byPath(options())) {
    assert.doesNotMatch(content.replace(/\$\{\{/g, ''), /\{\{/, path);
  }
  assert.match(byPath(options()).get('.forgejo/workflows/steward-converge.yml')!, /\$\{\{ secrets\.STEWARD_AGE_KEY \}\}/);
});

test('project files carry the yaml-language-server modeline of their schema, at the pinned version', () => {
  const files = byPath(options({ actions: parseActionsRef(undefined, 'https://git.home.arpa') }));
  for (const [path, schema] of [['project.yml', 'project'], ['network.yml', 'network'], ['services/hello/service.yml', 'service']] as const) {
    const first = files.get(path)!.split('\n')[0];
    assert.equal(first, `# yaml-language-server: $schema=https://git.home.arpa/steward/steward/raw/tag/${TOOLKIT_VERSION}/schemas/${schema}.schema.json`);
  }
  // owner/repo without --schemas-host: the host is unknown, so no modeline rather than a wrong one.
  assert.doesNotMatch(byPath(options()).get('project.yml')!, /yaml-language-server/);
  const mirrored = byPath(options({ actions: parseActionsRef('https://git.home.example.org/infra/steward@v0.2.0') }));
  assert.match(mirrored.get('project.yml')!, /^# yaml-language-server: \$schema=https:\/\/git\.home\.example\.org\/infra\/steward\/raw\/tag\/v0\.2\.0\/schemas\/project\.schema\.json\n/);
});

test('project.yml, network.yml and the sample app say what the options say', () => {
  const files = byPath(options());
  assert.deepEqual(parse(files.get('project.yml')!).name, 'homelab');
  assert.deepEqual(parse(files.get('project.yml')!).domain, 'home.example.org');
  const network = parse(files.get('network.yml')!);
  assert.deepEqual(network, { edge: 'core', targets: { core: { address: 'local' } } });
  const hello = parse(files.get('services/hello/service.yml')!);
  assert.equal(hello.target, 'core');
  assert.deepEqual(hello.route, { subdomain: 'hello', port: 80 });
});

test('.sops.yaml names the public key, and .gitignore keeps keys and working files out', () => {
  const files = byPath(options());
  const sops = parse(files.get('.sops.yaml')!);
  assert.equal(sops.creation_rules[0].age, RECIPIENT);
  assert.ok(new RegExp(sops.creation_rules[0].path_regex).test('secrets/apps.sops.yaml'));
  assert.doesNotMatch(files.get('.sops.yaml')!, /AGE-SECRET-KEY/);
  const ignored = files.get('.gitignore')!.split('\n');
  assert.ok(ignored.includes('*.agekey'));
  assert.ok(ignored.includes('.steward/'));
});

test('the workflows reference the actions as --actions says', () => {
  const short = byPath(options());
  assert.match(short.get('.forgejo/workflows/steward-converge.yml')!, /uses: 'steward\/steward\/actions\/converge@v0\.1\.0'/);
  const url = byPath(options({ actions: parseActionsRef('https://git.home.example.org/infra/steward@v0.2.0'), runnerLabel: 'lab', planRunnerLabel: 'docker', branch: 'trunk' }));
  const converge = parse(url.get('.forgejo/workflows/steward-converge.yml')!);
  assert.equal(converge.jobs.converge.steps.find((s: { id?: string }) => s.id === 'converge').uses, 'https://git.home.example.org/infra/steward/actions/converge@v0.2.0');
  assert.equal(converge.jobs.converge['runs-on'], 'lab');
  assert.deepEqual(converge.on.push.branches, ['trunk']);
  const plan = parse(url.get('.forgejo/workflows/steward-plan.yml')!);
  assert.equal(plan.jobs.plan['runs-on'], 'docker');
  assert.deepEqual(plan.on.pull_request.branches, ['trunk']);
});

test('parseActionsRef: short and full forms, default version, raw URL kinds', () => {
  assert.deepEqual(parseActionsRef(undefined), { repo: 'steward/steward', version: TOOLKIT_VERSION, schemaBase: undefined });
  assert.equal(parseActionsRef('me/steward@main', 'https://git.home.arpa').schemaBase, 'https://git.home.arpa/me/steward/raw/branch/main/schemas');
  const sha = 'a'.repeat(40);
  assert.deepEqual(parseActionsRef(`http://10.0.0.2:3000/ops/steward@${sha}`), {
    repo: 'http://10.0.0.2:3000/ops/steward',
    version: sha,
    schemaBase: `http://10.0.0.2:3000/ops/steward/raw/commit/${sha}/schemas`,
  });
  assert.equal(parseActionsRef('https://git.example.org/ops/steward/').repo, 'https://git.example.org/ops/steward');
  for (const bad of ['steward', 'a/b/c@v1', 'https://host/only@v1', 'https://host/a/b/c@v1', "a/b@v1'x", 'a/b@../x', 'ftp://h/a/b']) {
    assert.throws(() => parseActionsRef(bad), /--actions/, bad);
  }
});

test('fillTemplate leaves ${{ }} alone and refuses an unknown placeholder', () => {
  assert.equal(fillTemplate("a: '{{X}}' b: ${{ inputs.x }}", { X: '1' }, 't'), "a: '1' b: ${{ inputs.x }}");
  assert.throws(() => fillTemplate('{{NOPE}}', {}, 'tmpl'), /tmpl: no value for the placeholder \{\{NOPE\}\}/);
});
