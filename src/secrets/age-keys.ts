import { Decrypter, Encrypter, armor, identityToRecipient } from 'age-encryption';
import { SopsError } from './sops-error';
import type { AgeRecipientStanza } from './sops-metadata';

/**
 * age key handling: identities from key files, and the SOPS data key wrapped
 * for / unwrapped from age recipients as ASCII-armored age files, which is
 * how sops stores it in `sops.age[].enc`.
 */

const IDENTITY_RE = /^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/;
const RECIPIENT_RE = /^age1[0-9a-z]+$/;

/**
 * The identities in an age key file's text: one `AGE-SECRET-KEY-1…` per line,
 * `#` comments and blank lines ignored. `source` names where the text came
 * from (a path or an environment variable) for errors, which never quote the
 * key itself.
 */
export function parseAgeIdentities(text: string, source: string): string[] {
  const identities: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!IDENTITY_RE.test(line)) {
      throw new SopsError(source, `line ${i + 1} is not an age identity (expected AGE-SECRET-KEY-1…)`);
    }
    identities.push(line);
  });
  if (identities.length === 0) throw new SopsError(source, 'no age identity (AGE-SECRET-KEY-1…) found');
  return identities;
}

export function isAgeRecipient(value: string): boolean {
  return RECIPIENT_RE.test(value);
}

export async function recipientOf(identity: string): Promise<string> {
  return identityToRecipient(identity);
}

/**
 * Where the CLI finds age identities: `STEWARD_AGE_KEY` holds key file
 * content, `SOPS_AGE_KEY` too (sops's own variable), `SOPS_AGE_KEY_FILE` a
 * path. Returns what to read; reading stays with the caller.
 */
export type AgeKeySource =
  | { readonly kind: 'content'; readonly text: string; readonly source: string }
  | { readonly kind: 'file'; readonly path: string; readonly source: string };

export function ageKeySourceFromEnv(env: Readonly<Record<string, string | undefined>>): AgeKeySource | null {
  for (const name of ['STEWARD_AGE_KEY', 'SOPS_AGE_KEY'] as const) {
    const text = env[name];
    if (text && text.trim() !== '') return { kind: 'content', text, source: name };
  }
  const path = env.SOPS_AGE_KEY_FILE;
  if (path && path.trim() !== '') return { kind: 'file', path, source: path };
  return null;
}

/** Tries every age stanza with every identity; the data key of the first that opens. */
export async function unwrapDataKey(
  stanzas: ReadonlyArray<AgeRecipientStanza>,
  identities: ReadonlyArray<string>,
  file: string,
): Promise<Uint8Array> {
  if (identities.length === 0) throw new SopsError(file, 'no age identity given to decrypt with');
  const decrypter = new Decrypter();
  for (const id of identities) decrypter.addIdentity(id);
  for (const [i, stanza] of stanzas.entries()) {
    let ageFile: Uint8Array;
    try {
      ageFile = armor.decode(stanza.enc);
    } catch {
      throw new SopsError(file, 'is not an ASCII-armored age file', `sops.age[${i}].enc`);
    }
    let key: Uint8Array;
    try {
      key = await decrypter.decrypt(ageFile);
    } catch {
      continue;
    }
    if (key.length !== 32) throw new SopsError(file, 'the wrapped data key is not 32 bytes', `sops.age[${i}].enc`);
    return key;
  }
  const recipients = stanzas.map((s) => s.recipient).join(', ');
  throw new SopsError(file, `none of the given age identities matches a recipient of this file (recipients: ${recipients})`);
}

export async function wrapDataKey(dataKey: Uint8Array, recipients: ReadonlyArray<string>, file: string): Promise<AgeRecipientStanza[]> {
  if (recipients.length === 0) throw new SopsError(file, 'no age recipients to encrypt for');
  const out: AgeRecipientStanza[] = [];
  for (const recipient of recipients) {
    if (!isAgeRecipient(recipient)) throw new SopsError(file, `"${recipient}" is not an age recipient (age1…)`);
    // One age file per recipient, as sops does, so that a recipient can be
    // removed without re-encrypting for the others.
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    out.push({ recipient, enc: armor.encode(await encrypter.encrypt(dataKey)) });
  }
  return out;
}
