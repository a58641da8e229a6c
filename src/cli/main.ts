import { ProjectError } from '../project/diagnostics';
import type { CliIO } from './io';
import { renderCommand } from './render-command';
import { STEWARD_VERSION } from '../version';

const USAGE = `usage: steward <command> [options]

commands:
  init [DIR] [--name N] [--domain D] [--actions REF] [--force]
                                     scaffold a user project with workflows and a new age key
  render [--project DIR] [--check | --commit [--push] [--remote R]]
                                     validate the project and write rendered/ (--check: fail if stale;
                                     --commit: commit a changed rendered/ alone as "converge: re-render ...")
  diff [--project DIR] [--base REV] [--full] [--out F] [--json]
                                     what changed since the last converged commit, and why
  plan [--project DIR] [--out plan.json] [--base REV] [--full] [--app X] [--no-observe]
                                     observe the targets and print the plan
                                     (exit 0: nothing to do, 2: changes, 1: error)
  converge [--project DIR] [--plan plan.json] [--app X] [--full] [--dry-run] [--out run.json]
                                     apply the plan under a lock (age key: STEWARD_AGE_KEY or SOPS_AGE_KEY_FILE)
  secrets set|rm|keys|rotate ...     edit SOPS secrets files (see: steward secrets --help)
  version                            print the version`;

type Command = (argv: string[], io: CliIO) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./init-command')).initCommand,
  render: async () => renderCommand,
  diff: async () => (await import('./diff-command')).diffCommand,
  plan: async () => (await import('./plan-command')).planCommand,
  converge: async () => (await import('./converge-command')).convergeCommand,
  secrets: async () => (await import('./secrets')).runSecretsCommand,
};

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(USAGE);
    return name ? 0 : 2;
  }
  if (name === 'version' || name === '--version') {
    io.stdout(STEWARD_VERSION);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    io.stderr(`steward: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    if (e instanceof ProjectError) {
      io.stderr(e.message);
      return 1;
    }
    io.stderr(`steward ${name}: ${(e as Error).message}`);
    return 1;
  }
}

