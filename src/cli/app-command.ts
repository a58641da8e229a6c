import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { CATALOG, catalogEntry } from '../catalog/catalog';
import { catalogServiceYml, secretCommands } from '../catalog/service-yml';
import { loadProject } from '../project/load';
import { DNS_LABEL } from '../project/model';
import { formatTable } from '../status/table';
import { UsageError } from './help';
import type { CliIO } from './io';

export const APP_OPTIONS = {
  project: { type: 'string', short: 'p', default: '.' },
  target: { type: 'string', short: 't' },
  from: { type: 'string' },
  route: { type: 'string' },
  catalog: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseApp>['values'];
const parseApp = (argv: string[]) => parseArgs({ args: argv, options: APP_OPTIONS, allowPositionals: true });

/** A problem with the project or the request (not the command line): exit 1. */
class AppError extends Error {}

export async function appCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseApp(argv);
  const [sub, ...args] = positionals;
  const dir = resolve(io.cwd, values.project);
  const only = (allowed: string[]) => {
    for (const o of ['target', 'from', 'route', 'catalog'] as const) {
      if (values[o] !== undefined && values[o] !== false && !allowed.includes(o)) throw new UsageError(`--${o} does not apply to \`app ${sub}\``);
    }
  };
  const arity = (n: number, what: string) => {
    if (args.length !== n) throw new UsageError(`app ${sub} takes ${what}${args.length > n ? `; unexpected ${JSON.stringify(args[n])}` : ''}`);
  };
  try {
    switch (sub) {
      case 'add':
        only(['target', 'from', 'route']);
        arity(1, 'one NAME');
        return add(dir, args[0], values, io);
      case 'rm':
        only([]);
        arity(1, 'one NAME');
        return rm(dir, args[0], io);
      case 'ls':
        only(['catalog']);
        arity(0, 'no arguments');
        return values.catalog ? listCatalog(io) : list(dir, io);
      case undefined:
        throw new UsageError('missing subcommand: add, rm or ls');
      default:
        throw new UsageError(`unknown subcommand "${sub}": add, rm or ls`);
    }
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    io.stderr(`steward app ${sub}: ${e.message}`);
    return 1;
  }
}

function add(dir: string, name: string, values: Values, io: CliIO): number {
  const key = values.from ?? name;
  const entry = catalogEntry(key);
  if (!entry) throw new AppError(`"${key}" is not in the catalog${values.from ? '' : ' (to name the app differently, give the entry with --from KEY)'}; \`steward app ls --catalog\` lists it`);
  if (!values.target) throw new UsageError('app add needs --target T (a target in network.yml)');
  if (!DNS_LABEL.test(name)) throw new AppError(`the app name "${name}" must be a DNS label: lowercase letters, digits and "-"`);
  if (name === 'caddy') throw new AppError('the app name "caddy" is reserved for the edge proxy');
  let subdomain: string | null = values.route === 'none' ? null : (values.route ?? entry.subdomain ?? null);
  if (values.route !== undefined && values.route !== 'none') {
    if (entry.port === undefined) throw new AppError(`${key} has no web interface to route; leave out --route`);
    if (values.route !== '@' && !DNS_LABEL.test(values.route)) throw new AppError(`--route "${values.route}" must be a DNS label (or @ for the domain itself)`);
  }
  if (entry.port === undefined) subdomain = null;

  const network = readYaml(dir, 'network.yml') as { targets?: Record<string, unknown>; edge?: unknown } | null;
  const targets = Object.keys(network?.targets ?? {});
  if (!targets.includes(values.target)) throw new AppError(`network.yml has no target "${values.target}"; targets in network.yml: ${targets.join(', ') || '(none)'}`);
  const project = readYaml(dir, 'project.yml') as { domain?: unknown } | null;
  if (typeof project?.domain !== 'string') throw new AppError('project.yml has no domain');

  const rel = `services/${name}/service.yml`;
  for (const existing of [rel, `services/${name}/compose.yaml`]) {
    if (existsSync(join(dir, existing))) throw new AppError(`${existing} already exists; nothing was written (choose another NAME, or remove the app's folder first)`);
  }
  mkdirSync(join(dir, 'services', name), { recursive: true });
  writeFileSync(join(dir, rel), catalogServiceYml(entry, { name, target: values.target, subdomain, domain: project.domain, publishRoute: network?.edge !== undefined && network.edge !== values.target }), { flag: 'wx' });

  const host = subdomain === '@' ? project.domain : `${subdomain}.${project.domain}`;
  const lines = [`added ${name} (${entry.key}, ${entry.image}) on ${values.target}: wrote ${rel}`];
  if (subdomain !== null) lines.push(`  route: https://${host} -> ${name}:${entry.port}${network?.edge !== values.target ? ` (published on ${values.target}'s port ${entry.port})` : ''}`);
  const secrets = secretCommands(entry, name);
  if (secrets.length) lines.push('', `${name} needs ${secrets.length === 1 ? 'a secret' : `${secrets.length} secrets`}; set ${secrets.length === 1 ? 'it' : 'them'} (the value is read from stdin):`, ...secrets.map((s) => `  ${s}`));
  if (entry.notes?.length) lines.push('', ...entry.notes);
  lines.push('', 'Then: steward validate && steward render, and commit.');
  io.stdout(lines.join('\n'));
  return 0;
}

function rm(dir: string, name: string, io: CliIO): number {
  const rel = `services/${name}/service.yml`;
  const path = join(dir, rel);
  if (!existsSync(path)) throw new AppError(`${rel} does not exist; \`steward app ls\` lists the project's apps`);
  const doc = parseDocument(readFileSync(path, 'utf8'));
  if (doc.errors.length > 0) throw new AppError(`${rel}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  if (doc.get('state') === 'absent') {
    io.stdout(`${rel} already has state: absent; unchanged`);
    return 0;
  }
  doc.set('state', 'absent');
  writeFileSync(path, doc.toString({ lineWidth: 0 }));
  io.stdout(`${rel}: state: absent; the next converge removes ${name} (its volumes stay unless purge: true). Commit and push.`);
  return 0;
}

function list(dir: string, io: CliIO): number {
  const project = loadProject(dir);
  const rows = project.apps.map((a) => [
    a.name,
    a.target,
    a.state,
    a.route ? (a.route.subdomain === '@' ? project.domain : `${a.route.subdomain}.${project.domain}`) : '-',
  ]);
  io.stdout(formatTable([['NAME', 'TARGET', 'STATE', 'ROUTE'], ...rows]));
  return 0;
}

function listCatalog(io: CliIO): number {
  const rows = CATALOG.map((e) => [e.key, e.image, e.subdomain ?? '-', e.description]);
  io.stdout(formatTable([['KEY', 'IMAGE', 'ROUTE', 'DESCRIPTION'], ...rows]));
  return 0;
}

function readYaml(dir: string, file: string): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) throw new AppError(`${file} not found in ${dir}: is it a Steward project (--project DIR)?`);
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new AppError(`${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}; \`steward validate\` says more`);
  }
}
