import type { Project } from '../project/model';
import { SECRETS_NONE } from '../render/labels';
import { decryptSops, deriveSecretHashKey, Redactor, secretEnvValues, secretValuesHash, sopsFormatFromPath } from '../secrets';

export interface AppSecrets {
  env: Record<string, string>;
  hash: string; // keyed hash of the values, or "none"
  /** Per secret, the keyed hash of its value alone: a swarm names its secret objects by it. */
  valueHashes?: Record<string, string>;
}

/**
 * Decrypts only the files that hold keys some present app uses, and hands
 * every value to `onSecret` (the action masks it) before anything can log it.
 */
export async function loadAppSecrets(project: Project, identities: string[], onSecret: (value: string) => void): Promise<{ perApp: Record<string, AppSecrets>; redactor: Redactor }> {
  const redactor = new Redactor();
  const perApp: Record<string, AppSecrets> = {};
  const wanted = new Set(project.apps.filter((a) => a.state === 'present').flatMap((a) => a.secrets));
  const values = new Map<string, string>();
  if (wanted.size) {
    if (!identities.length) {
      throw new Error(`apps use secrets (${[...wanted].sort().join(', ')}) but no age key was given: set the age-key input (Forgejo secret STEWARD_AGE_KEY) or STEWARD_AGE_KEY / SOPS_AGE_KEY_FILE for the CLI`);
    }
    for (const f of project.secretFiles) {
      if (!f.keys.some((k) => wanted.has(k))) continue;
      const decrypted = await decryptSops(f.text, { file: f.path, format: sopsFormatFromPath(f.path), identities });
      for (const [k, v] of Object.entries(secretEnvValues(decrypted))) {
        if (!values.has(k)) values.set(k, v);
        onSecret(v);
        redactor.add(v);
      }
    }
  }
  const hashKey = identities.length ? deriveSecretHashKey(identities[0]) : undefined;
  for (const app of project.apps) {
    if (!app.secrets.length || !hashKey) {
      perApp[app.name] = { env: {}, hash: SECRETS_NONE };
      continue;
    }
    const env = Object.fromEntries(app.secrets.map((k) => [k, values.get(k) ?? '']));
    const valueHashes = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, secretValuesHash({ value: v }, hashKey)]));
    perApp[app.name] = { env, hash: secretValuesHash(env, hashKey), valueHashes };
  }
  return { perApp, redactor };
}
