import { readFileSync } from 'node:fs';
import { ageKeySourceFromEnv, parseAgeIdentities } from '../secrets';

/** age identities from an explicit key (action input) or the CLI's environment. */
export function identitiesFrom(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): string[] {
  if (explicit && explicit.trim()) return parseAgeIdentities(explicit, 'the age-key input');
  const src = ageKeySourceFromEnv(env);
  if (!src) return [];
  const text = src.kind === 'content' ? src.text : readFileSync(src.path, 'utf8');
  return parseAgeIdentities(text, src.source);
}

export function defaultStateDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.STEWARD_STATE_DIR || (process.getuid?.() === 0 ? '/var/lib/steward/state' : `${env.XDG_STATE_HOME || `${env.HOME}/.local/state`}/steward`);
}
