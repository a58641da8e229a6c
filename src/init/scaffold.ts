import type { ActionsRef } from './actions-ref';
import { fillTemplate } from './template';

/** What `steward init` writes, decided from the options alone: no clock, no randomness, no disk. */
export interface ScaffoldOptions {
  readonly name: string;
  readonly domain: string;
  readonly actions: ActionsRef;
  readonly runnerLabel: string;
  readonly planRunnerLabel: string;
  readonly branch: string;
  /** The age public key (age1…) that secrets are encrypted for. */
  readonly recipient: string;
}

/** The texts of templates/: the two workflows and the user project's README. */
export interface Templates {
  readonly converge: string;
  readonly plan: string;
  readonly readme: string;
}

export interface ScaffoldFile {
  /** Relative to the project directory, with `/`. */
  readonly path: string;
  readonly content: string;
}

export const WORKFLOW_PATHS = {
  converge: '.forgejo/workflows/steward-converge.yml',
  plan: '.forgejo/workflows/steward-plan.yml',
} as const;

export const SAMPLE_APP = 'hello';

export function scaffoldProject(o: ScaffoldOptions, t: Templates): ScaffoldFile[] {
  const vars = templateVars(o);
  const modeline = (schema: string) => (o.actions.schemaBase ? `# yaml-language-server: $schema=${o.actions.schemaBase}/${schema}.schema.json\n` : '');
  return [
    { path: 'project.yml', content: modeline('project') + projectYml(o) },
    { path: 'network.yml', content: modeline('network') + NETWORK_YML },
    { path: `services/${SAMPLE_APP}/service.yml`, content: modeline('service') + SAMPLE_SERVICE_YML },
    { path: '.sops.yaml', content: sopsYaml(o.recipient) },
    { path: '.gitignore', content: GITIGNORE },
    { path: WORKFLOW_PATHS.converge, content: fillTemplate(t.converge, vars, 'templates/workflows/steward-converge.yml') },
    { path: WORKFLOW_PATHS.plan, content: fillTemplate(t.plan, vars, 'templates/workflows/steward-plan.yml') },
    { path: 'README.md', content: fillTemplate(t.readme, vars, 'templates/project/README.md') },
  ];
}

export function templateVars(o: ScaffoldOptions): Record<string, string> {
  return {
    NAME: o.name,
    DOMAIN: o.domain,
    STEWARD: o.actions.repo,
    VERSION: o.actions.version,
    RUNNER_LABEL: o.runnerLabel,
    PLAN_RUNNER_LABEL: o.planRunnerLabel,
    BRANCH: o.branch,
    SAMPLE_APP,
  };
}

const projectYml = (o: ScaffoldOptions) => `name: ${o.name}
domain: ${o.domain}            # apps are reached at <subdomain>.${o.domain}
converge:
  prune: true                # remove apps whose service.yml is gone
  self_heal: true            # false: report drift, do not correct it
  parallelism: 4             # apps applied at once per target
  health_timeout: 120s
conventions:
  routing: { provider: caddy, tls: internal }   # tls: internal | acme | off
`;

const NETWORK_YML = `# The servers Steward manages. \`core\` is the bootstrap target: the host of the
# Forgejo runner, reached through its own Docker socket.
edge: core                   # the target that runs the reverse proxy (Caddy)
targets:
  core: { address: local }
  # Another server, reached over SSH with the STEWARD_SSH_KEY secret:
  # media: { address: 192.168.1.20, user: deploy, port: 22 }
`;

const SAMPLE_SERVICE_YML = `# A sample app. The folder name is the app's name: copy this folder to add an
# app, delete it (and push) to remove this one.
target: core
image: traefik/whoami:v1.10.3
route: { subdomain: ${SAMPLE_APP}, port: 80 }
health: { http: /health, port: 80 }
`;

const sopsYaml = (recipient: string) => `# Which age keys new and rotated secrets files are encrypted for. The matching
# private key is NOT in this repository: it is the Forgejo secret STEWARD_AGE_KEY.
# To add a key, append its public key (comma-separated), then run
# \`steward secrets rotate\` on each file under secrets/.
creation_rules:
  - path_regex: secrets/.*\\.sops\\.(yaml|yml|json|env)$
    age: ${recipient}
`;

const GITIGNORE = `# Steward's working files (plans, run records) and private keys never belong in git.
.steward/
*.agekey
`;
