// One help table per command. A unit test reads every parseArgs option in
// src/cli/ and fails when one is missing here, so help and parser cannot drift.

export interface OptionHelp {
  /** Long name without the dashes, exactly as parseArgs knows it. */
  readonly name: string;
  readonly short?: string;
  /** Placeholder of the option's value; none for a boolean flag. */
  readonly arg?: string;
  readonly text: string;
}

export interface CommandHelp {
  readonly name: string;
  readonly usage: readonly string[];
  readonly summary: string;
  readonly options: readonly OptionHelp[];
  /** Environment variables the command reads, by name (see ENV). */
  readonly env: readonly EnvName[];
  readonly exit: readonly string[];
  readonly examples?: readonly string[];
}

export const ENV = {
  DOCKER_HOST: 'engine of the `address: local` target (default: the Docker CLI\'s own default)',
  STEWARD_SSH_KEY: 'SSH private key for the SSH targets: a path, or the key itself (default: ssh\'s own keys)',
  STEWARD_KNOWN_HOSTS: 'known_hosts for the SSH targets: a path, or the content (ssh-keyscan lines)\n(default: $XDG_STATE_HOME/steward/known_hosts, else ~/.local/state/steward/known_hosts)',
  STEWARD_KNOWN_HOSTS_SOURCE: 'what errors call STEWARD_KNOWN_HOSTS (the actions set it to their known-hosts input)',
  STEWARD_HOST_KEY_POLICY: 'accept-new: learn the keys of hosts not yet in known_hosts (a changed key is still refused);\nanything else: strict, only hosts already in known_hosts',
  XDG_STATE_HOME: 'base of the default known_hosts and state directory (default: ~/.local/state)',
  STEWARD_AGE_KEY: 'age private key (key file content) that decrypts the secrets',
  SOPS_AGE_KEY: 'the same, sops\'s own name; read when STEWARD_AGE_KEY is unset',
  SOPS_AGE_KEY_FILE: 'path of an age key file; read when neither of the two above is set',
  STEWARD_STATE_DIR: 'where the project lock lives (default: /var/lib/steward/state as root, else $XDG_STATE_HOME/steward)',
  STEWARD_RUN_ID: 'the run id written to the lock and the run record (default: cli-<random>)',
  XDG_CONFIG_HOME: 'base of the default age key file (default: ~/.config)',
  HOME: 'home directory, for the defaults above',
  GIT_: 'GIT_* variables reach git unchanged (GIT_SSH_COMMAND, GIT_SSL_CAINFO, GIT_CONFIG_*, ...)',
} as const;

export type EnvName = keyof typeof ENV;

const SSH_ENV: readonly EnvName[] = ['DOCKER_HOST', 'STEWARD_SSH_KEY', 'STEWARD_KNOWN_HOSTS', 'STEWARD_KNOWN_HOSTS_SOURCE', 'STEWARD_HOST_KEY_POLICY', 'XDG_STATE_HOME'];
const AGE_ENV: readonly EnvName[] = ['STEWARD_AGE_KEY', 'SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE'];
const PROJECT: OptionHelp = { name: 'project', short: 'p', arg: 'DIR', text: 'the project directory (default: .)' };

export const HELP: Record<string, CommandHelp> = {
  init: {
    name: 'init',
    usage: ['steward init [DIR] [options]'],
    summary:
      'Scaffolds a Steward project in DIR (default: .): project.yml, network.yml, a sample app,\n.sops.yaml with a new age key, .gitignore, README.md and the Forgejo workflows in\n.forgejo/workflows/, then renders it.',
    options: [
      { name: 'name', arg: 'N', text: 'project name, a DNS label (default: DIR\'s name)' },
      { name: 'domain', arg: 'D', text: 'base domain of the apps\' routes (default: home.arpa)' },
      { name: 'actions', arg: 'REF', text: 'how the workflows reference Steward\'s actions: owner/repo[@ref] (resolved with the\ninstance\'s DEFAULT_ACTIONS_URL) or https://host/owner/repo[@ref]\n(default: steward/steward@<this version>)' },
      { name: 'schemas-host', arg: 'URL', text: 'with the owner/repo form: the Forgejo holding the toolkit, for the editor\'s\nyaml-language-server $schema lines (e.g. https://git.home.arpa)' },
      { name: 'runner-label', arg: 'L', text: 'runs-on label of the host runner on the bootstrap target (default: steward-host)' },
      { name: 'plan-runner-label', arg: 'L', text: 'runs-on label of the pull request plans (default: the runner label)' },
      { name: 'branch', arg: 'B', text: 'the branch that is converged (default: main)' },
      { name: 'key-file', arg: 'PATH', text: 'where the age private key goes, outside DIR\n(default: ~/.config/steward/<name>.agekey; an existing one is reused)' },
      { name: 'force', text: 'overwrite existing files' },
    ],
    env: ['XDG_CONFIG_HOME', 'HOME'],
    exit: ['0  the project was written', '1  DIR already holds files init would write (nothing written)', '2  bad arguments'],
    examples: ['steward init homelab --domain home.example.org'],
  },
  render: {
    name: 'render',
    usage: ['steward render [--project DIR] [--check | --commit [--push] [--remote R]]'],
    summary: 'Validates the project and writes rendered/ (compose files, the Caddyfile, manifest.json).',
    options: [
      PROJECT,
      { name: 'check', text: 'write nothing; fail listing the files of rendered/ that are stale' },
      { name: 'commit', text: 'commit a changed rendered/ alone as "converge: re-render ..."' },
      { name: 'push', text: 'with --commit: push that commit to the checked-out branch' },
      { name: 'remote', arg: 'R', text: 'the remote --push pushes to (default: origin)' },
    ],
    env: ['GIT_'],
    exit: ['0  rendered (or up to date)', '1  errors in the project, or (--check) rendered/ is stale', '2  bad arguments'],
    examples: ['steward render', 'steward render --check'],
  },
  validate: {
    name: 'validate',
    usage: ['steward validate [--project DIR]'],
    summary:
      'Checks the whole project as render does and prints every error (file:line:col key message).\nWrites nothing, decrypts nothing, contacts no target.',
    options: [PROJECT],
    env: [],
    exit: ['0  the project is valid', '1  errors in the project', '2  bad arguments'],
    examples: ['steward validate', 'steward validate -p ~/homelab'],
  },
  diff: {
    name: 'diff',
    usage: ['steward diff [--project DIR] [--base REV] [--full] [--out F] [--json]'],
    summary: 'What changed since the last converged commit (refs/steward/converged, fetched from origin), and why. Git only.',
    options: [
      PROJECT,
      { name: 'base', arg: 'REV', text: 'compare against REV instead of the converged commit' },
      { name: 'full', text: 'ignore the converged commit: compare everything' },
      { name: 'out', arg: 'F', text: 'also write the ChangeSet as JSON to F' },
      { name: 'json', text: 'print the ChangeSet as JSON' },
    ],
    env: ['GIT_'],
    exit: ['0  the diff was computed', '1  error (not a git repository, errors in the project, unknown --base)', '2  bad arguments'],
    examples: ['steward diff', 'steward diff --base origin/main --json'],
  },
  plan: {
    name: 'plan',
    usage: ['steward plan [--project DIR] [--out plan.json] [--base REV] [--full] [--app X] [--no-observe]'],
    summary: 'Diffs, observes every target (one round trip each) and prints the plan as markdown.',
    options: [
      PROJECT,
      { name: 'base', arg: 'REV', text: 'compare against REV instead of the converged commit' },
      { name: 'full', text: 'ignore the converged commit: compare everything' },
      { name: 'app', arg: 'X', text: 'plan only app X' },
      { name: 'out', arg: 'F', text: 'write plan.json to F (and the markdown beside it)' },
      { name: 'no-observe', text: 'do not contact the targets (drift is not seen)' },
    ],
    env: [...SSH_ENV, 'GIT_'],
    exit: ['0  nothing to do', '2  changes planned', '1  error (a target could not be observed, errors in the project)'],
    examples: ['steward plan', 'steward plan --out .steward/plan.json'],
  },
  converge: {
    name: 'converge',
    usage: ['steward converge [--project DIR] [--plan plan.json] [--app X] [--full] [--dry-run] [--out run.json]'],
    summary: 'Applies the plan under the project lock, rolls back failures and advances refs/steward/converged.',
    options: [
      PROJECT,
      { name: 'plan', arg: 'F', text: 'apply this plan.json (refused if made for another commit or the targets changed since)' },
      { name: 'app', arg: 'X', text: 'converge only app X' },
      { name: 'full', text: 'ignore the converged commit: compare everything' },
      { name: 'dry-run', text: 'plan and print, apply nothing' },
      { name: 'out', arg: 'F', text: 'write the run record (JSON) to F' },
      { name: 'lock-timeout', arg: 'S', text: 'seconds to wait for the project lock (default: converge.lock_timeout, 60)' },
      { name: 'no-push', text: 'advance refs/steward/converged locally only, do not push it' },
    ],
    env: [...SSH_ENV, ...AGE_ENV, 'STEWARD_STATE_DIR', 'STEWARD_RUN_ID', 'HOME', 'GIT_'],
    exit: ['0  converged, nothing to do, or skipped (another run holds the lock)', '1  a step failed or an error'],
    examples: ['STEWARD_AGE_KEY="$(cat ~/.config/steward/lab.agekey)" steward converge'],
  },
  status: {
    name: 'status',
    usage: ['steward status [--project DIR] [--json]'],
    summary:
      'Per target, each app\'s desired and running version (hash and image), its health and drift, and the last\nconverged commit. Observes each target once; changes nothing.',
    options: [PROJECT, { name: 'json', text: 'print the status as JSON' }],
    env: [...SSH_ENV, 'GIT_'],
    exit: ['0  every app in sync', '2  drift (an app missing, stopped, degraded, of another version, or not in the project)', '1  a target is unreachable, or errors in the project'],
    examples: ['steward status', 'steward status --json | jq .rows'],
  },
  app: {
    name: 'app',
    usage: [
      'steward app add NAME --target T [--from KEY] [--route SUB] [--project DIR]',
      'steward app rm NAME [--project DIR]',
      'steward app ls [--catalog] [--project DIR]',
    ],
    summary:
      'add: writes services/NAME/service.yml from the built-in catalog (the entry KEY, default NAME)\n     and prints the `steward secrets set` commands for the secrets the app needs.\nrm:  sets `state: absent` in services/NAME/service.yml (converge then removes the app).\nls:  lists the project\'s apps; with --catalog, the catalog.',
    options: [
      PROJECT,
      { name: 'target', short: 't', arg: 'T', text: 'add: the target the app runs on (a target in network.yml)' },
      { name: 'from', arg: 'KEY', text: 'add: the catalog entry, when NAME is not its key (app add media --from jellyfin)' },
      { name: 'route', arg: 'SUB', text: 'add: the route\'s subdomain (default: the catalog\'s); "none" for no route' },
      { name: 'catalog', text: 'ls: list the catalog instead of the project\'s apps' },
    ],
    env: [],
    exit: ['0  done', '1  error (the file exists, unknown catalog entry or target, no such app)', '2  bad arguments'],
    examples: ['steward app add jellyfin --target media', 'steward app add media --from jellyfin --target media --route tv', 'steward app rm media', 'steward app ls --catalog'],
  },
  secrets: {
    name: 'secrets',
    usage: ['steward secrets set|rm <file> <KEY>', 'steward secrets keys|rotate|decrypt-check <file>'],
    summary:
      'set <file> <KEY>      set KEY to the value read from stdin (never from the command line);\n                      creates <file> with the nearest .sops.yaml creation rule if missing\nrm <file> <KEY>       remove KEY\nkeys <file>           list the key names (no age key needed)\nrotate <file>         new data key, wrapped for the recipients of the .sops.yaml rule\ndecrypt-check <file>  check that the file decrypts and its MAC holds; prints key names only',
    options: [{ name: 'keep-newline', text: 'set: keep the value\'s trailing newline (one is dropped otherwise)' }],
    env: AGE_ENV,
    exit: ['0  done', '1  error (no such file, no age key, the MAC does not verify)', '2  bad arguments'],
    examples: ['printf %s "$TOKEN" | steward secrets set secrets/media.sops.yaml JELLYFIN_API_KEY', 'steward secrets keys secrets/media.sops.yaml'],
  },
  version: {
    name: 'version',
    usage: ['steward version'],
    summary: 'Prints Steward\'s version.',
    options: [],
    env: [],
    exit: ['0'],
  },
};

export const COMMAND_NAMES = Object.keys(HELP);

const COLUMN = 30;

export function formatHelp(h: CommandHelp): string {
  const table = (rows: [string, string][]) =>
    rows.flatMap(([left, text]) => {
      const [first, ...more] = text.split('\n');
      const head = left.length >= COLUMN - 2 ? [`  ${left}`, `${' '.repeat(COLUMN)}${first}`] : [`  ${left.padEnd(COLUMN - 2)}${first}`];
      return [...head, ...more.map((l) => `${' '.repeat(COLUMN)}${l}`)];
    });
  const options: [string, string][] = [...h.options, { name: 'help', short: 'h', text: 'show this help' }].map((o) => [
    `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.arg ? ` ${o.arg}` : ''}`,
    o.text,
  ]);
  const lines = [
    ...h.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`),
    '',
    h.summary,
    '',
    'options:',
    ...table(options),
  ];
  if (h.env.length > 0) lines.push('', 'environment:', ...table(h.env.map((e) => [e === 'GIT_' ? 'GIT_*' : e, ENV[e]])));
  lines.push('', 'exit codes:', ...h.exit.map((e) => `  ${e}`));
  if (h.examples?.length) lines.push('', 'examples:', ...h.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** The one-screen overview of `steward --help`. */
export function overview(): string {
  const summary: Record<string, string> = {
    init: 'scaffold a project with workflows and a new age key',
    validate: 'check the project; print every error, write nothing',
    render: 'validate and write rendered/',
    diff: 'what changed since the last converged commit, and why',
    plan: 'observe the targets and print the plan',
    converge: 'apply the plan under a lock',
    status: 'each app\'s desired vs running version, health and drift',
    app: 'add an app from the catalog, remove or list apps',
    secrets: 'edit SOPS secrets files',
    version: 'print the version',
  };
  return [
    'usage: steward <command> [options]',
    '',
    'commands:',
    ...COMMAND_NAMES.map((c) => `  ${c.padEnd(10)}${summary[c]}`),
    '',
    'steward <command> --help shows a command\'s options, environment and exit codes.',
  ].join('\n');
}

/** A bad command line: the message, then the command's usage; exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
