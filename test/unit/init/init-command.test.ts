import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'yaml';
import { initCommand } from '../../../src/cli/init-command';
import type { CliIO } from '../../../src/cli/io';
import { runSecretsCommand } from '../../../src/cli/secrets';
import { loadProject } from '../../../src/project/load';
import { runRender } from '../../../src/render/run-render';
import { parseAgeIdentities, recipientOf } from '../../../src/secrets/age-keys';
import { scratchDir } from '../../support/cleanup';

interface Run {
  code: number;
  out: string;
  err: string;
}

function sandbox() {
  const root = scratchDir('steward-init-');
  const home = join(root, 'home');
  mkdirSync(home);
  const io = (stdin = ''): CliIO & { outText: () => string; errText: () => string } => {
    let out = '';
    let err = '';
    return {
      stdin: Readable.from([stdin]),
      stdout: (s) => void (out += s + '\n'),
      stderr: (s) => void (err += s + '\n'),
      env: { HOME: home },
      cwd: root,
      outText: () => out,
      errText: () => err,
    };
  };
  const init = async (...argv: string[]): Promise<Run> => {
    const x = io();
    const code = await initCommand(argv, x);
    return { code, out: x.outText(), err: x.errText() };
  };
  return { root, home, io, init, keyFile: (name: string) => join(home, '.config', 'steward', `${name}.agekey`) };
}

/** Every file under dir with its bytes and mtime, to prove that nothing was touched. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), `${statSync(p).mtimeMs} ${readFileSync(p, 'base64')}`);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const mode = (p: string) => statSync(p).mode & 0o777;

test('init into an empty directory writes the project, the workflows and a rendered/ that is up to date', async () => {
  const s = sandbox();
  const r = await s.init('lab');
  assert.equal(r.code, 0, r.err);
  const dir = join(s.root, 'lab');
  for (const f of ['project.yml', 'network.yml', 'services/hello/service.yml', '.sops.yaml', '.gitignore', 'README.md', '.forgejo/workflows/steward-converge.yml', '.forgejo/workflows/steward-plan.yml', 'rendered/manifest.json']) {
    assert.ok(existsSync(join(dir, f)), f);
  }
  assert.match(r.out, /created {3}project\.yml/);
  const project = loadProject(dir);
  assert.equal(project.name, 'lab');
  assert.equal(runRender(dir, { check: true }).changed, false);
  assert.equal(runRender(dir).apps, 2); // hello and the edge proxy
});

test('the private key is outside the project, 0600 in a 0700 directory, and matches .sops.yaml; the note says what to do', async () => {
  const s = sandbox();
  const r = await s.init('lab');
  assert.equal(r.code, 0, r.err);
  const key = s.keyFile('lab');
  assert.ok(relative(join(s.root, 'lab'), key).startsWith('../'), 'the key is not inside the project');
  assert.equal(mode(key), 0o600);
  assert.equal(mode(join(s.home, '.config', 'steward')), 0o700);
  const [identity] = parseAgeIdentities(readFileSync(key, 'utf8'), key);
  const sops = parse(readFileSync(join(s.root, 'lab', '.sops.yaml'), 'utf8'));
  assert.equal(sops.creation_rules[0].age, await recipientOf(identity!));
  for (const [path] of snapshot(join(s.root, 'lab'))) {
    assert.doesNotMatch(readFileSync(join(s.root, 'lab', path), 'utf8'), /AGE-SECRET-KEY/, path);
  }
  assert.match(r.err, /STEWARD_AGE_KEY/);
  assert.match(r.err, /back it up/);
  assert.ok(r.err.includes(key));
});

test('a second init refuses without --force, lists the files, and writes nothing', async () => {
  const s = sandbox();
  assert.equal((await s.init('lab')).code, 0);
  const before = snapshot(s.root);
  const r = await s.init('lab');
  assert.equal(r.code, 1);
  assert.match(r.err, /nothing was written/);
  for (const f of ['project.yml', '.forgejo/workflows/steward-converge.yml', 'rendered/']) assert.ok(r.err.includes(`  ${f}\n`), f);
  assert.match(r.err, /--force/);
  assert.deepEqual(snapshot(s.root), before);
});

test('one existing file is enough to refuse, and then not even the key is written', async () => {
  const s = sandbox();
  mkdirSync(join(s.root, 'lab'));
  writeFileSync(join(s.root, 'lab', 'README.md'), 'mine\n');
  const r = await s.init('lab');
  assert.equal(r.code, 1);
  assert.match(r.err, / {2}README\.md\n/);
  assert.deepEqual([...snapshot(join(s.root, 'lab')).keys()], ['README.md']);
  assert.equal(existsSync(s.keyFile('lab')), false);
});

test('--force overwrites the files and reuses the existing key rather than replacing it', async () => {
  const s = sandbox();
  assert.equal((await s.init('lab')).code, 0);
  const key = readFileSync(s.keyFile('lab'), 'utf8');
  const sops = readFileSync(join(s.root, 'lab', '.sops.yaml'), 'utf8');
  writeFileSync(join(s.root, 'lab', 'project.yml'), 'broken: [\n');
  const r = await s.init('lab', '--force', '--domain', 'home.example.org');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /overwrote project\.yml/);
  assert.match(r.err, /REUSED/);
  assert.equal(readFileSync(s.keyFile('lab'), 'utf8'), key);
  assert.equal(readFileSync(join(s.root, 'lab', '.sops.yaml'), 'utf8'), sops);
  assert.equal(loadProject(join(s.root, 'lab')).domain, 'home.example.org');
});

test('--key-file inside the project is refused; outside, it is used', async () => {
  const s = sandbox();
  const inside = await s.init('lab', '--key-file', 'lab/keys/lab.agekey');
  assert.equal(inside.code, 2);
  assert.match(inside.err, /must live outside the repository/);
  assert.equal(existsSync(join(s.root, 'lab')), false);
  const r = await s.init('lab', '--key-file', 'elsewhere/k.agekey');
  assert.equal(r.code, 0, r.err);
  assert.equal(mode(join(s.root, 'elsewhere', 'k.agekey')), 0o600);
});

test('options: name from the folder, --name, --actions, --runner-label, --branch reach the files; bad values are usage errors', async () => {
  const s = sandbox();
  const r = await s.init('My_Lab', '--actions', 'https://git.example.org/ops/steward@v0.1.0', '--runner-label', 'core-host', '--branch', 'trunk');
  assert.equal(r.code, 0, r.err);
  const dir = join(s.root, 'My_Lab');
  assert.equal(loadProject(dir).name, 'my-lab');
  const converge = readFileSync(join(dir, '.forgejo/workflows/steward-converge.yml'), 'utf8');
  assert.match(converge, /uses: 'https:\/\/git\.example\.org\/ops\/steward\/actions\/plan@v0\.1\.0'/);
  assert.match(converge, /runs-on: 'core-host'/);
  assert.match(converge, /branches: \['trunk'\]/);
  for (const bad of [['--name', 'Not A Label'], ['--domain', 'x_y'], ['--actions', 'nope'], ['--runner-label', 'a b'], ['--bogus']]) {
    const b = await s.init('other', ...bad);
    assert.equal(b.code, 2, bad.join(' '));
    assert.match(b.err, /usage: steward init/);
  }
  assert.equal(existsSync(join(s.root, 'other')), false);
});

test('with the key init wrote, `steward secrets set` encrypts for .sops.yaml and the value decrypts again', async () => {
  const s = sandbox();
  assert.equal((await s.init('lab')).code, 0);
  const dir = join(s.root, 'lab');
  const env = { STEWARD_AGE_KEY: readFileSync(s.keyFile('lab'), 'utf8') };
  mkdirSync(join(dir, 'secrets')); // `steward secrets set` does not create the folder (yet)
  const set = { ...s.io('s3cret-value'), cwd: dir, env };
  assert.equal(await runSecretsCommand(['set', 'secrets/apps.sops.yaml', 'DB_PASSWORD'], set), 0, set.errText());
  const check = { ...s.io(), cwd: dir, env };
  assert.equal(await runSecretsCommand(['decrypt-check', 'secrets/apps.sops.yaml'], check), 0, check.errText());
  assert.match(check.outText(), /DB_PASSWORD/);
  loadProject(dir);
});
