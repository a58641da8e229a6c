import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, writeFileSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { parseAgeIdentities } from '../secrets/age-keys';
import { isInside } from './options';
import type { ScaffoldFile } from './scaffold';

/** The project's age key: the one already in keyFile, or a new one not yet on disk. */
export interface AgeKey {
  readonly recipient: string;
  /** Set when the key is new: the key file's text, to be written by writeAgeKey. */
  readonly newKeyFile?: string;
}

/**
 * An existing key file is reused, never replaced: it may be the only key that
 * decrypts the secrets of a project initialised before.
 */
export async function loadOrCreateAgeKey(keyFile: string, projectName: string, now: Date): Promise<AgeKey> {
  if (existsSync(keyFile)) {
    const [identity] = parseAgeIdentities(readFileSync(keyFile, 'utf8'), keyFile);
    return { recipient: await identityToRecipient(identity!) };
  }
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  return { recipient, newKeyFile: ageKeyFileText(identity, recipient, projectName, now) };
}

/** The age-keygen layout, so that `age -d -i` and `sops` read it too. */
export function ageKeyFileText(identity: string, recipient: string, projectName: string, now: Date): string {
  return [
    `# Steward age key of the project "${projectName}", created: ${now.toISOString()}`,
    '# Store this whole file as the Forgejo secret STEWARD_AGE_KEY, and back it up.',
    `# public key: ${recipient}`,
    identity,
    '',
  ].join('\n');
}

/** Writes a new key file 0600 in a 0700 directory; refuses to replace a file. */
export function writeAgeKey(keyFile: string, text: string): void {
  const dir = dirname(keyFile);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // 'wx': a key file that appeared since loadOrCreateAgeKey is never overwritten.
  const fd = openSync(keyFile, 'wx', 0o600);
  try {
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
  chmodSync(keyFile, 0o600);
}

/** The key must not land in the repository, also not through a symlinked folder. */
export function keyFileInsideProject(dir: string, keyFile: string): boolean {
  return isInside(realExisting(dir), realExisting(keyFile));
}

/** The real path of the longest existing ancestor, with the rest appended. */
function realExisting(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  const parent = dirname(path);
  return parent === path ? path : join(realExisting(parent), basename(path));
}

/** Which of the files (and a generated rendered/) already exist in dir. */
export function existingFiles(dir: string, files: ReadonlyArray<ScaffoldFile>): string[] {
  const found = files.map((f) => f.path).filter((p) => existsSync(join(dir, p)));
  if (existsSync(join(dir, 'rendered'))) found.push('rendered/');
  return found;
}

export function writeFiles(dir: string, files: ReadonlyArray<ScaffoldFile>): void {
  for (const f of files) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
}
