import { readFileSync } from 'node:fs';
import { parseAgeIdentities, createSopsFile } from '../../src/secrets';
import { runConverge, type ConvergeOptions } from '../../src/converge/run-converge';
import { loadProject } from '../../src/project/load';
import type { ObservedTarget } from '../../src/targets/target';
import { scratchDir } from './cleanup';
import { GitProject } from './git-project';
import type { Testenv } from './testenv';
import { removeProjectNetworks, serviceYml, testenvNetwork, testenvTargetFactory } from './testenv-project';

export const ALICE = readFileSync(new URL('../fixtures/secrets/alice.agekey.txt', import.meta.url), 'utf8');
export const ALICE_IDS = parseAgeIdentities(ALICE, 'alice');
export const ALICE_RECIPIENT = /public key: (age1\w+)/.exec(ALICE)![1];

/** A three-app project over the local engine and two SSH targets, in a real git repo. */
export async function convergeProject(env: Testenv, name: string, extraProject = ''): Promise<GitProject> {
  return new GitProject({
    'project.yml': `name: ${name}\ndomain: ${name}.test\nconverge: { health_timeout: 20s, parallelism: 4, lock_timeout: 1s }\n${extraProject}`,
    'network.yml': testenvNetwork(env),
    'services/web/service.yml': serviceYml('core', env.images.v1),
    'services/api/service.yml': serviceYml('t1', env.images.v1, 'depends_on: [web]\nsecrets: [API_TOKEN]\n'),
    'services/worker/service.yml': serviceYml('t2', env.images.v1),
    'secrets/app.sops.yaml': await createSopsFile({ API_TOKEN: 'tok-very-secret-123' }, { file: 'secrets/app.sops.yaml', recipients: [ALICE_RECIPIENT] }),
  });
}

export function convergeOptions(env: Testenv, p: GitProject, extra: Partial<ConvergeOptions> = {}): ConvergeOptions {
  return {
    projectDir: p.dir,
    identities: ALICE_IDS,
    stateDir: extra.stateDir ?? scratchDir('steward-state-'),
    runId: `test-${Math.random().toString(36).slice(2, 8)}`,
    trigger: 'cli',
    createTarget: testenvTargetFactory(env),
    ...extra,
  };
}

export { runConverge };

/** Every target's observation, by target name. */
export async function observeAll(env: Testenv, p: GitProject): Promise<Record<string, ObservedTarget>> {
  const project = loadProject(p.dir);
  const create = testenvTargetFactory(env);
  const out: Record<string, ObservedTarget> = {};
  for (const spec of Object.values(project.network.targets)) {
    const t = create(spec);
    try {
      out[spec.name] = await t.observe({ project: project.name });
    } finally {
      await t.close();
    }
  }
  return out;
}

export async function removeAll(env: Testenv, p: GitProject): Promise<void> {
  const project = loadProject(p.dir);
  const create = testenvTargetFactory(env);
  for (const spec of Object.values(project.network.targets)) {
    const t = create(spec);
    try {
      const o = await t.observe({ project: project.name });
      for (const a of o.apps) await t.remove({ project: project.name, app: a.app, purge: true });
    } catch {
      /* best effort */
    } finally {
      await t.close();
    }
  }
  await removeProjectNetworks(env, project.name);
}
