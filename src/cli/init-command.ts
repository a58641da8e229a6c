import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { runRender } from '../render/run-render';
import { InitUsageError, resolveInitOptions, type InitOptions } from '../init/options';
import { scaffoldProject } from '../init/scaffold';
import { readTemplates } from '../init/template-files';
import { existingFiles, keyFileInsideProject, loadOrCreateAgeKey, writeAgeKey, writeFiles } from '../init/write';
import type { CliIO } from './io';
import { formatHelp, HELP } from './help';

export const INIT_USAGE = formatHelp(HELP.init);

export async function initCommand(argv: string[], io: CliIO): Promise<number> {
  let opts: InitOptions;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        domain: { type: 'string' },
        actions: { type: 'string' },
        'schemas-host': { type: 'string' },
        'runner-label': { type: 'string' },
        'plan-runner-label': { type: 'string' },
        branch: { type: 'string' },
        'key-file': { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout(INIT_USAGE);
      return 0;
    }
    if (positionals.length > 1) throw new InitUsageError(`expected at most one directory, got ${positionals.join(' ')}`);
    opts = resolveInitOptions(
      {
        dir: positionals[0],
        name: values.name,
        domain: values.domain,
        actions: values.actions,
        schemasHost: values['schemas-host'],
        runnerLabel: values['runner-label'],
        planRunnerLabel: values['plan-runner-label'],
        branch: values.branch,
        keyFile: values['key-file'],
        force: values.force,
      },
      io,
    );
    if (keyFileInsideProject(opts.dir, opts.keyFile)) {
      throw new InitUsageError(`--key-file ${opts.keyFile} is inside ${opts.dir}: the private key must live outside the repository`);
    }
  } catch (e) {
    if (!(e instanceof InitUsageError) && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw e;
    io.stderr(`steward init: ${(e as Error).message}\n\n${INIT_USAGE}`);
    return 2;
  }

  const key = await loadOrCreateAgeKey(opts.keyFile, opts.name, new Date());
  const files = scaffoldProject({ ...opts, recipient: key.recipient }, readTemplates());
  const existing = existingFiles(opts.dir, files);
  if (existing.length > 0 && !opts.force) {
    io.stderr(
      [`steward init: ${opts.dir} already holds files init would overwrite; nothing was written:`, ...existing.map((f) => `  ${f}`), 'Run it in an empty directory, or pass --force to overwrite them.'].join('\n'),
    );
    return 1;
  }

  if (key.newKeyFile !== undefined) writeAgeKey(opts.keyFile, key.newKeyFile);
  writeFiles(opts.dir, files);
  const rendered = runRender(opts.dir);

  const where = relative(io.cwd, opts.dir) || '.';
  io.stdout(
    [
      `steward init: wrote the Steward project "${opts.name}" in ${where}`,
      ...files.map((f) => `  ${existing.includes(f.path) ? 'overwrote' : 'created  '} ${f.path}`),
      `  rendered  rendered/ (${rendered.apps} app${rendered.apps === 1 ? '' : 's'})`,
      '',
      'Next:',
      `  1. Register a Forgejo runner on the bootstrap target with the label ${opts.runnerLabel}:host`,
      '  2. Set the secret STEWARD_AGE_KEY in the repository (Settings → Actions → Secrets); see README.md',
      `  3. git init -b ${opts.branch} && git add . && git commit -m "Steward project", then push to your Forgejo`,
    ].join('\n'),
  );
  io.stderr(keyNote(opts.keyFile, key.newKeyFile !== undefined));
  return 0;
}

function keyNote(keyFile: string, created: boolean): string {
  const bar = '!'.repeat(78);
  return [
    bar,
    created ? `!!  NEW PRIVATE AGE KEY: ${keyFile}` : `!!  REUSED THE PRIVATE AGE KEY: ${keyFile}`,
    '!!  It is the only key that decrypts this project\'s secrets, and it is NOT in the',
    '!!  repository. Now:',
    '!!    1. store the whole file as the Forgejo secret STEWARD_AGE_KEY',
    '!!       (repository → Settings → Actions → Secrets);',
    '!!    2. back it up (password manager, offline copy): lose it and every secret',
    '!!       has to be set again.',
    bar,
  ].join('\n');
}
