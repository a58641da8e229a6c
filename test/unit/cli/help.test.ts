import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { COMMAND_NAMES, formatHelp, HELP } from '../../../src/cli/help';
import { cli } from './run-cli';

const CLI_DIR = new URL('../../../src/cli/', import.meta.url).pathname;


/**
 * Every option a command's parser knows, read from the source: the object
 * literals given to parseArgs as `options`, and the `*_OPTIONS` constants
 * (inline or not, so a new option cannot escape the check).
 */
function parserOptions(): Map<string, Set<string>> {
  const byCommand = new Map<string, Set<string>>();
  for (const file of readdirSync(CLI_DIR).filter((f) => f.endsWith('.ts'))) {
    const command = file === 'secrets.ts' ? 'secrets' : file.replace(/-command\.ts$/, '');
    const source = ts.createSourceFile(file, readFileSync(join(CLI_DIR, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const names = new Set<string>();
    const literal = (n: ts.Node | undefined): ts.ObjectLiteralExpression | undefined => {
      while (n && (ts.isAsExpression(n) || ts.isSatisfiesExpression(n) || ts.isParenthesizedExpression(n))) n = n.expression;
      return n && ts.isObjectLiteralExpression(n) ? n : undefined;
    };
    const collect = (o: ts.ObjectLiteralExpression | undefined) => {
      for (const p of o?.properties ?? []) if (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) names.add(p.name.text);
    };
    const visit = (n: ts.Node) => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && /_OPTIONS$/.test(n.name.text)) collect(literal(n.initializer));
      if (ts.isCallExpression(n) && n.expression.getText() === 'parseArgs') {
        const arg = literal(n.arguments[0]);
        const opts = arg?.properties.find((p) => p.name?.getText() === 'options');
        if (opts && ts.isPropertyAssignment(opts)) collect(literal(opts.initializer));
      }
      ts.forEachChild(n, visit);
    };
    visit(source);
    if (names.size > 0) byCommand.set(command, names);
  }
  return byCommand;
}

test('every parseArgs option of every command is in its help text', () => {
  const options = parserOptions();
  assert.deepEqual([...options.keys()].sort(), ['app', 'converge', 'diff', 'init', 'plan', 'render', 'secrets', 'status', 'validate']);
  for (const [command, names] of options) {
    const help = HELP[command];
    assert.ok(help, `no help table for ${command}`);
    const text = formatHelp(help);
    for (const name of names) assert.match(text, new RegExp(`--${name}\\b`), `steward ${command} --help does not list --${name}`);
    // And the reverse: the help names no option the parser would refuse.
    for (const o of help.options) assert.ok(names.has(o.name), `steward ${command} --help lists --${o.name}, which its parser does not know`);
  }
});

test('every command answers --help and -h with exit 0 and its own help on stdout', async () => {
  assert.deepEqual(COMMAND_NAMES, ['init', 'render', 'validate', 'diff', 'plan', 'converge', 'status', 'app', 'secrets', 'version']);
  for (const command of COMMAND_NAMES) {
    for (const flag of ['--help', '-h']) {
      const r = await cli([command, flag]);
      assert.equal(r.code, 0, `steward ${command} ${flag}: ${r.err}`);
      assert.equal(r.out, formatHelp(HELP[command]) + '\n');
      assert.match(r.out, new RegExp(`^usage: steward ${command}`));
      assert.equal(r.err, '');
    }
  }
  assert.equal((await cli(['help', 'plan'])).out, formatHelp(HELP.plan) + '\n');
});

test('each command\'s help lists the environment variables its code reads', () => {
  const ssh = ['DOCKER_HOST', 'STEWARD_SSH_KEY', 'STEWARD_KNOWN_HOSTS', 'STEWARD_HOST_KEY_POLICY'];
  const age = ['STEWARD_AGE_KEY', 'SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE'];
  const expect: Record<string, string[]> = {
    plan: ssh,
    status: ssh,
    converge: [...ssh, ...age, 'STEWARD_STATE_DIR', 'STEWARD_RUN_ID'],
    secrets: age,
    init: ['XDG_CONFIG_HOME', 'HOME'],
  };
  for (const [command, vars] of Object.entries(expect)) {
    const text = formatHelp(HELP[command]);
    for (const v of vars) assert.match(text, new RegExp(`^  ${v} `, 'm'), `steward ${command} --help does not list ${v}`);
  }
});

test('the plan help, as text', () => {
  assert.equal(
    formatHelp(HELP.plan),
    `usage: steward plan [--project DIR] [--out plan.json] [--base REV] [--full] [--app X] [--no-observe]

Diffs, observes every target (one round trip each) and prints the plan as markdown.

options:
  -p, --project DIR           the project directory (default: .)
      --base REV              compare against REV instead of the converged commit
      --full                  ignore the converged commit: compare everything
      --app X                 plan only app X
      --out F                 write plan.json to F (and the markdown beside it)
      --no-observe            do not contact the targets (drift is not seen)
  -h, --help                  show this help

environment:
  DOCKER_HOST                 engine of the \`address: local\` target (default: the Docker CLI's own default)
  STEWARD_SSH_KEY             SSH private key for the SSH targets: a path, or the key itself (default: ssh's own keys)
  STEWARD_KNOWN_HOSTS         known_hosts for the SSH targets: a path, or the content (ssh-keyscan lines)
                              (default: $XDG_STATE_HOME/steward/known_hosts, else ~/.local/state/steward/known_hosts)
  STEWARD_KNOWN_HOSTS_SOURCE  what errors call STEWARD_KNOWN_HOSTS (the actions set it to their known-hosts input)
  STEWARD_HOST_KEY_POLICY     accept-new: learn the keys of hosts not yet in known_hosts (a changed key is still refused);
                              anything else: strict, only hosts already in known_hosts
  XDG_STATE_HOME              base of the default known_hosts and state directory (default: ~/.local/state)
  GIT_*                       GIT_* variables reach git unchanged (GIT_SSH_COMMAND, GIT_SSL_CAINFO, GIT_CONFIG_*, ...)

exit codes:
  0  nothing to do
  2  changes planned
  1  error (a target could not be observed, errors in the project)

examples:
  steward plan
  steward plan --out .steward/plan.json`,
  );
});

test('an unknown option or argument: the message and the usage on stderr, exit 2', async () => {
  for (const [argv, message] of [
    [['plan', '--frobnicate'], 'steward plan: unknown option --frobnicate'],
    [['validate', 'extra'], 'steward validate: unexpected argument "extra"'],
    [['converge', '--project'], 'steward converge: --project needs a value'],
    [['render', '--check', '--commit'], 'steward render: --check only compares; it cannot be combined with --commit or --push'],
    [['version', 'x'], 'steward version: unexpected argument "x"'],
  ] as const) {
    const r = await cli([...argv]);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.equal(r.out, '');
    const command = argv[0];
    assert.equal(r.err, `${message}\n\n${HELP[command].usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`).join('\n')}\nRun \`steward ${command} --help\` for every option.\n`);
  }
  const unknown = await cli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /^steward: unknown command "frobnicate"\n\nusage: steward <command>/);
  assert.equal((await cli([])).code, 2);
  const top = await cli(['--help']);
  assert.equal(top.code, 0);
  for (const c of COMMAND_NAMES) assert.match(top.out, new RegExp(`^  ${c} `, 'm'));
});

test('-- ends the options: a later --help is an argument, not a request for help', async () => {
  const r = await cli(['version', '--', '--help']);
  assert.equal(r.code, 2);
});

test('docs/cli.md holds every command\'s help text as it is printed', () => {
  const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
  for (const c of COMMAND_NAMES) {
    assert.ok(doc.includes(`## steward ${c}\n\n\`\`\`text\n${formatHelp(HELP[c])}\n\`\`\``), `docs/cli.md: the help of steward ${c} is missing or out of date`);
  }
});
