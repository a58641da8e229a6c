import { ProjectError } from '../project/diagnostics';
import type { CliIO } from './io';
import { renderCommand } from './render-command';
import { STEWARD_VERSION } from '../version';
import { formatHelp, HELP, overview, UsageError } from './help';

type Command = (argv: string[], io: CliIO) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./init-command')).initCommand,
  render: async () => renderCommand,
  validate: async () => (await import('./validate-command')).validateCommand,
  diff: async () => (await import('./diff-command')).diffCommand,
  plan: async () => (await import('./plan-command')).planCommand,
  converge: async () => (await import('./converge-command')).convergeCommand,
  status: async () => (await import('./status-command')).statusCommand,
  app: async () => (await import('./app-command')).appCommand,
  secrets: async () => (await import('./secrets')).runSecretsCommand,
  version: async () => versionCommand,
};

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && HELP[topic]) {
      io.stdout(formatHelp(HELP[topic]));
      return 0;
    }
    (name ? io.stdout : io.stderr)(overview());
    return name ? 0 : 2;
  }
  if (name === '--version') return versionCommand([], io);
  if (HELP[name] && wantsHelp(rest)) {
    io.stdout(formatHelp(HELP[name]));
    return 0;
  }
  const load = commands[name];
  if (!load) {
    io.stderr(`steward: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    const usage = usageProblem(e);
    if (usage !== undefined) {
      io.stderr(`steward ${name}: ${usage}\n\n${HELP[name].usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`).join('\n')}\nRun \`steward ${name} --help\` for every option.`);
      return 2;
    }
    if (e instanceof ProjectError) {
      io.stderr(e.message);
      return 1;
    }
    io.stderr(`steward ${name}: ${(e as Error).message}`);
    return 1;
  }
}

/** `--help` or `-h` anywhere before a `--`. */
function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** The message of a bad command line (parseArgs' or ours); undefined for any other error. */
function usageProblem(e: unknown): string | undefined {
  if (e instanceof UsageError) return e.message;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return undefined;
  const message = (e as Error).message;
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const positional = /^Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument ${JSON.stringify(positional[1])}`;
  return message.split('. ')[0];
}

async function versionCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(argv[0])}`);
  io.stdout(STEWARD_VERSION);
  return 0;
}
