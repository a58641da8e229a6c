import { randomBytes } from 'node:crypto';
import { unwrapDataKey, wrapDataKey } from './age-keys';
import { openSopsValue, parseSopsCiphertext, sealSopsValue, type SopsPlaintext } from './sops-cipher';
import { SopsError } from './sops-error';
import { emitSopsFile, parseSopsFile, sopsFormatFromPath, type ParsedSopsFile, type SopsFormat } from './sops-formats';
import { macsEqual, SopsMacBuilder } from './sops-mac';
import {
  DEFAULT_UNENCRYPTED_SUFFIX,
  formatLastModified,
  goRfc3339,
  newRawMetadata,
  parseSopsMetadata,
  shouldBeEncrypted,
  updatedRawMetadata,
  type EncryptionRules,
  type SopsMetadata,
} from './sops-metadata';
import { toPlainValue, typedFromPlaintext, type TypedScalar } from './sops-scalars';
import {
  containerPaths,
  getEntry,
  isSopsMap,
  mapLeaves,
  pathAad,
  sopsMap,
  withEntry,
  withoutEntry,
  type SopsMap,
  type SopsNode,
  type SopsScalar,
} from './sops-tree';

export { SopsError } from './sops-error';
export { sopsFormatFromPath, type SopsFormat } from './sops-formats';
export type { EncryptionRules } from './sops-metadata';

/**
 * Reading and writing SOPS files encrypted for age recipients, the way the
 * sops CLI does: every value AES-256-GCM encrypted with its key path as
 * additional data, one data key wrapped for each age recipient, a MAC over
 * all values bound to `lastmodified`.
 */

export interface SopsFileOptions {
  /** The file's path, used in every error and to pick the format when `format` is absent. */
  readonly file: string;
  readonly format?: SopsFormat;
}

export interface DecryptOptions extends SopsFileOptions {
  /** age identities (`AGE-SECRET-KEY-1…`); see parseAgeIdentities. */
  readonly identities: ReadonlyArray<string>;
}

export interface EditOptions extends DecryptOptions {
  /** The time written to `lastmodified`; now by default. */
  readonly now?: Date;
}

export interface DecryptedSopsFile {
  readonly file: string;
  readonly format: SopsFormat;
  /** The document without its `sops` section, as plain values (ints as numbers, or bigint beyond 2^53). */
  readonly data: Record<string, unknown>;
  readonly recipients: ReadonlyArray<string>;
  readonly lastModified: string;
}

export type SopsKeyChange = { readonly key: string; readonly change: 'added' | 'removed' | 'changed' };

interface Leaf {
  readonly encrypted: boolean;
  readonly typed: TypedScalar;
  /** The decrypted bytes and type tag, to re-encrypt exactly what was there. */
  readonly plain?: SopsPlaintext;
}

interface OpenedFile {
  readonly parsed: ParsedSopsFile;
  readonly metadata: SopsMetadata;
  readonly dataKey: Uint8Array;
  readonly plain: SopsNode;
  readonly leaves: ReadonlyArray<Leaf>;
}

function formatOf(opts: SopsFileOptions): SopsFormat {
  return opts.format ?? sopsFormatFromPath(opts.file);
}

function keyName(path: readonly string[]): string {
  return path.join('.');
}

/** Decrypts every value and computes the MAC sops would compute over them. */
function decryptTree(tree: SopsMap, md: SopsMetadata, dataKey: Uint8Array, file: string) {
  const mac = new SopsMacBuilder(md.rules.macOnlyEncrypted);
  const leaves: Leaf[] = [];
  const plain = mapLeaves(tree, (value, path) => {
    const encrypted = shouldBeEncrypted(path, md.rules);
    let leaf: Leaf;
    if (!encrypted) {
      leaf = { encrypted, typed: value };
    } else if (typeof value !== 'string') {
      throw new SopsError(file, 'is stored in clear text although the sops rules say it must be encrypted', keyName(path));
    } else if (value === '') {
      leaf = { encrypted, typed: '' };
    } else {
      const ct = parseSopsCiphertext(value);
      if (!ct) throw new SopsError(file, 'is not a sops-encrypted value (ENC[AES256_GCM,…])', keyName(path));
      const opened = openSopsValue(ct, dataKey, pathAad(path));
      if (!opened) {
        throw new SopsError(file, 'does not decrypt: the value or its key path was changed outside sops, or it belongs to another data key', keyName(path));
      }
      const typed = opened.type === 'comment' ? null : typedFromPlaintext(opened.bytes, opened.type);
      if (typed === null) throw new SopsError(file, `decrypts to something that is not a valid ${opened.type}`, keyName(path));
      leaf = { encrypted, typed, plain: opened };
    }
    if (!md.rules.macOnlyEncrypted || encrypted) mac.add(leaf.typed);
    leaves.push(leaf);
    return toPlainValue(leaf.typed) as SopsScalar;
  });
  return { plain, leaves, mac: mac.digest() };
}

function verifyMac(md: SopsMetadata, dataKey: Uint8Array, computed: string, file: string): void {
  const ct = parseSopsCiphertext(md.mac);
  if (!ct) throw new SopsError(file, 'is not a sops-encrypted MAC', 'sops.mac');
  const stored = openSopsValue(ct, dataKey, md.lastModifiedAad);
  if (!stored) {
    throw new SopsError(file, 'the MAC does not verify: sops.mac or sops.lastmodified was changed outside sops; refusing the file');
  }
  if (!macsEqual(stored.bytes.toString('utf8'), computed)) {
    throw new SopsError(file, 'MAC mismatch: the values were changed, added, removed or reordered outside sops; refusing the file');
  }
}

async function openSops(text: string, opts: DecryptOptions): Promise<OpenedFile> {
  const parsed = parseSopsFile(text, formatOf(opts), opts.file);
  const metadata = parseSopsMetadata(parsed.metadata, opts.file);
  const dataKey = await unwrapDataKey(metadata.age, opts.identities, opts.file);
  const { plain, leaves, mac } = decryptTree(parsed.tree, metadata, dataKey, opts.file);
  verifyMac(metadata, dataKey, mac, opts.file);
  return { parsed, metadata, dataKey, plain, leaves };
}

function toPlainObject(node: SopsNode): unknown {
  if (Array.isArray(node)) return node.map(toPlainObject);
  if (isSopsMap(node)) return Object.fromEntries(node.entries.map((e) => [e.key, toPlainObject(e.value)]));
  return node;
}

/** Decrypts a SOPS file and verifies its MAC; throws SopsError naming the file otherwise. */
export async function decryptSops(text: string, opts: DecryptOptions): Promise<DecryptedSopsFile> {
  const opened = await openSops(text, opts);
  return {
    file: opts.file,
    format: opened.parsed.format,
    data: toPlainObject(opened.plain) as Record<string, unknown>,
    recipients: opened.metadata.age.map((a) => a.recipient),
    lastModified: opened.metadata.lastModified,
  };
}

/**
 * The top-level values as environment strings (what an app's env file gets):
 * scalars as text, nested values as JSON, nulls left out.
 */
export function secretEnvValues(decrypted: DecryptedSopsFile): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(decrypted.data)) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'object' ? JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : String(value);
  }
  return out;
}

/** Top-level key names, in file order, read without any key (SOPS keeps keys in clear text). */
export function listSopsKeys(text: string, format: SopsFormat, file = `(${format} SOPS file)`): string[] {
  const parsed = parseSopsFile(text, format, file);
  if (parsed.metadata === undefined) throw new SopsError(file, 'sops metadata not found: this file is not encrypted with sops');
  return parsed.tree.entries.map((e) => e.key);
}

/**
 * Top-level keys whose stored (encrypted) form differs between two versions
 * of a file, for plans that must not decrypt. A rotated data key changes
 * every ciphertext, so every key shows as changed then.
 */
export function changedSopsKeys(oldText: string | null, newText: string | null, format: SopsFormat, file = `(${format} SOPS file)`): SopsKeyChange[] {
  const read = (text: string | null) => (text === null ? sopsMap([]) : parseSopsFile(text, format, file).tree);
  const before = read(oldText);
  const after = read(newText);
  const keys = [...new Set([...before.entries.map((e) => e.key), ...after.entries.map((e) => e.key)])].sort();
  const changes: SopsKeyChange[] = [];
  for (const key of keys) {
    const a = getEntry(before, key);
    const b = getEntry(after, key);
    if (a === undefined) changes.push({ key, change: 'added' });
    else if (b === undefined) changes.push({ key, change: 'removed' });
    else if (stableText(a) !== stableText(b)) changes.push({ key, change: 'changed' });
  }
  return changes;
}

function stableText(node: SopsNode): string {
  return JSON.stringify(toPlainObject(node), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

const SETTABLE_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkSettableKey(key: string, file: string): void {
  if (!SETTABLE_KEY_RE.test(key)) {
    throw new SopsError(file, 'secret names must be environment variable names (letters, digits, _; not starting with a digit)', key);
  }
  if (key === 'sops' || key.startsWith('sops_')) throw new SopsError(file, 'the name is reserved for sops metadata', key);
}

function encryptLeafValue(value: string, path: readonly string[], rules: EncryptionRules, dataKey: Uint8Array): string {
  if (value === '' || !shouldBeEncrypted(path, rules)) return value;
  return sealSopsValue({ bytes: Buffer.from(value, 'utf8'), type: 'str' }, dataKey, pathAad(path));
}

/** Seals the MAC of `tree` and writes the file with fresh metadata. */
function writeFile(
  format: SopsFormat,
  tree: SopsMap,
  md: { rules: EncryptionRules },
  dataKey: Uint8Array,
  now: Date,
  file: string,
  buildMetadata: (lastModified: string, mac: string) => Record<string, unknown>,
  original?: string,
): string {
  const tmp = { rules: md.rules } as SopsMetadata;
  const { mac } = decryptTree(tree, tmp, dataKey, file);
  const lastModified = formatLastModified(now);
  const sealedMac = sealSopsValue({ bytes: Buffer.from(mac, 'utf8'), type: 'str' }, dataKey, goRfc3339(lastModified)!);
  return emitSopsFile(format, tree, buildMetadata(lastModified, sealedMac), original, file);
}

/**
 * Sets one top-level secret. Other values keep their ciphertext (so a git
 * diff shows one changed line), the MAC and lastmodified are renewed. Setting
 * the value a key already has leaves the file as it is.
 */
export async function setSopsValue(text: string, key: string, value: string, opts: EditOptions): Promise<string> {
  checkSettableKey(key, opts.file);
  const opened = await openSops(text, opts);
  const current = isSopsMap(opened.plain) ? getEntry(opened.plain, key) : undefined;
  const currentStored = getEntry(opened.parsed.tree, key);
  if (current === value && typeof currentStored === 'string' && (currentStored === '' || parseSopsCiphertext(currentStored)?.type === 'str' || !shouldBeEncrypted([key], opened.metadata.rules))) {
    return text;
  }
  const tree = withEntry(opened.parsed.tree, key, encryptLeafValue(value, [key], opened.metadata.rules, opened.dataKey));
  return writeFile(opened.parsed.format, tree, opened.metadata, opened.dataKey, opts.now ?? new Date(), opts.file,
    (lastModified, mac) => updatedRawMetadata(opened.metadata.raw, { lastModified, mac }), text);
}

/** Removes one top-level key; the MAC and lastmodified are renewed. */
export async function removeSopsKey(text: string, key: string, opts: EditOptions): Promise<string> {
  const opened = await openSops(text, opts);
  if (getEntry(opened.parsed.tree, key) === undefined) throw new SopsError(opts.file, 'no such key in the file', key);
  const tree = withoutEntry(opened.parsed.tree, key);
  return writeFile(opened.parsed.format, tree, opened.metadata, opened.dataKey, opts.now ?? new Date(), opts.file,
    (lastModified, mac) => updatedRawMetadata(opened.metadata.raw, { lastModified, mac }), text);
}

/**
 * A new data key: every value and encrypted comment re-encrypted with it,
 * and the key wrapped for `recipients` (the .sops.yaml creation rule's), so
 * that a removed recipient can no longer read future versions.
 */
export async function rotateSopsDataKey(text: string, recipients: ReadonlyArray<string>, opts: EditOptions): Promise<string> {
  const opened = await openSops(text, opts);
  if (opened.metadata.hasOtherMasterKeys) {
    throw new SopsError(opts.file, 'the data key is also wrapped for pgp/kms/vault keys, which Steward cannot re-wrap; rotate this file with the sops CLI');
  }
  const newKey = randomBytes(32);
  let i = 0;
  const tree = mapLeaves(opened.parsed.tree, (value, path) => {
    const leaf = opened.leaves[i++]!;
    if (!leaf.encrypted || !leaf.plain) return value;
    return sealSopsValue(leaf.plain, newKey, pathAad(path));
  }) as SopsMap;
  const age = await wrapDataKey(newKey, recipients, opts.file);
  const written = writeFile(opened.parsed.format, tree, opened.metadata, newKey, opts.now ?? new Date(), opts.file,
    (lastModified, mac) => updatedRawMetadata(opened.metadata.raw, { age, lastModified, mac }), text);
  return reencryptComments(written, tree, opened.dataKey, newKey);
}

const COMMENT_RE = /ENC\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:comment\]/g;

/**
 * sops encrypts comments with the path of the mapping or list they sit in.
 * Which one that is depends on how a YAML parser attaches comments, so we let
 * GCM tell: the path whose additional data authenticates is the right one.
 */
function reencryptComments(text: string, tree: SopsMap, oldKey: Uint8Array, newKey: Uint8Array): string {
  const aads = [...new Set(containerPaths(tree).map(pathAad))];
  return text.replace(COMMENT_RE, (enc) => {
    const ct = parseSopsCiphertext(enc);
    if (!ct) return enc;
    for (const aad of aads) {
      const plain = openSopsValue(ct, oldKey, aad);
      if (plain) return sealSopsValue(plain, newKey, aad);
    }
    return enc;
  });
}

export interface CreateOptions extends SopsFileOptions {
  readonly recipients: ReadonlyArray<string>;
  /** Which values stay in clear text; sops's default (`_unencrypted` suffix) when absent. */
  readonly rules?: EncryptionRules;
  readonly now?: Date;
}

/** A new SOPS file holding `values` (top-level string secrets), encrypted for `recipients`. */
export async function createSopsFile(values: Readonly<Record<string, string>>, opts: CreateOptions): Promise<string> {
  const format = formatOf(opts);
  const rules: EncryptionRules = opts.rules ?? { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX, macOnlyEncrypted: false };
  const dataKey = randomBytes(32);
  const entries = Object.entries(values).map(([key, value]) => {
    checkSettableKey(key, opts.file);
    return { key, value: encryptLeafValue(value, [key], rules, dataKey) as SopsNode };
  });
  const age = await wrapDataKey(dataKey, opts.recipients, opts.file);
  return writeFile(format, sopsMap(entries), { rules }, dataKey, opts.now ?? new Date(), opts.file,
    (lastModified, mac) => newRawMetadata({ age, lastModified, mac, rules }));
}
