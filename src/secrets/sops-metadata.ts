import { SopsError } from './sops-error';

/**
 * The `sops` section of a file: which age recipients hold the data key, the
 * MAC, and the rules that decide which values are encrypted. Only age key
 * material is usable here; other master keys are kept as read so that an edit
 * does not drop them, but cannot unwrap or re-wrap the data key.
 */
export interface AgeRecipientStanza {
  readonly recipient: string;
  readonly enc: string;
}

export interface EncryptionRules {
  readonly unencryptedSuffix?: string;
  readonly encryptedSuffix?: string;
  readonly unencryptedRegex?: string;
  readonly encryptedRegex?: string;
  readonly macOnlyEncrypted: boolean;
}

export interface SopsMetadata {
  readonly age: ReadonlyArray<AgeRecipientStanza>;
  /** As written in the file. */
  readonly lastModified: string;
  /** Go's time.RFC3339 rendering of lastModified: the MAC's additional data. */
  readonly lastModifiedAad: string;
  readonly mac: string;
  readonly version: string;
  readonly rules: EncryptionRules;
  /** True when some other master key (pgp, kms, vault, …) also wraps the data key. */
  readonly hasOtherMasterKeys: boolean;
  /** The section as read, for re-emitting fields Steward does not interpret. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';
/** The sops release whose file format Steward writes for new files. */
export const SOPS_FORMAT_VERSION = '3.10.2';

const OTHER_KEY_FIELDS = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'pgp'] as const;

export function parseSopsMetadata(raw: unknown, file: string): SopsMetadata {
  if (raw === undefined || raw === null) {
    throw new SopsError(file, 'sops metadata not found (no top-level "sops" section): is this file encrypted with sops?');
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SopsError(file, 'the "sops" section must be a mapping', 'sops');
  const md = raw as Record<string, unknown>;

  if (Array.isArray(md.key_groups) && md.key_groups.length > 0) {
    throw new SopsError(file, 'key groups (Shamir secret sharing) are not supported; use a flat list of age recipients', 'sops.key_groups');
  }
  for (const field of ['unencrypted_comment_regex', 'encrypted_comment_regex']) {
    if (typeof md[field] === 'string' && md[field] !== '') {
      throw new SopsError(file, `${field} is not supported by Steward`, `sops.${field}`);
    }
  }

  const age = parseAgeStanzas(md.age, file);
  const hasOtherMasterKeys = OTHER_KEY_FIELDS.some((f) => Array.isArray(md[f]) && (md[f] as unknown[]).length > 0);
  if (age.length === 0) {
    throw new SopsError(file, hasOtherMasterKeys
      ? 'the data key is not wrapped for any age recipient (only pgp/kms/vault keys, which Steward cannot use)'
      : 'no age recipients in the sops metadata', 'sops.age');
  }

  const lastModified = requireString(md.lastmodified, file, 'sops.lastmodified');
  const lastModifiedAad = goRfc3339(lastModified);
  if (lastModifiedAad === null) throw new SopsError(file, 'not an RFC 3339 timestamp', 'sops.lastmodified');
  const mac = requireString(md.mac, file, 'sops.mac');
  const version = typeof md.version === 'string' ? md.version : String(md.version ?? '');

  return { age, lastModified, lastModifiedAad, mac, version, rules: parseRules(md, file), hasOtherMasterKeys, raw: md };
}

function parseAgeStanzas(value: unknown, file: string): AgeRecipientStanza[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new SopsError(file, 'must be a list of {recipient, enc}', 'sops.age');
  return value.map((item, i) => {
    const at = `sops.age[${i}]`;
    if (!item || typeof item !== 'object') throw new SopsError(file, 'must be a mapping with recipient and enc', at);
    const { recipient, enc } = item as Record<string, unknown>;
    return { recipient: requireString(recipient, file, `${at}.recipient`), enc: requireString(enc, file, `${at}.enc`) };
  });
}

function parseRules(md: Record<string, unknown>, file: string): EncryptionRules {
  const pick = (field: string): string | undefined => {
    const v = md[field];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new SopsError(file, 'must be a string', `sops.${field}`);
    return v;
  };
  const rules = {
    unencryptedSuffix: pick('unencrypted_suffix'),
    encryptedSuffix: pick('encrypted_suffix'),
    unencryptedRegex: pick('unencrypted_regex'),
    encryptedRegex: pick('encrypted_regex'),
  };
  const count = Object.values(rules).filter((v) => v !== undefined).length;
  if (count > 1) {
    throw new SopsError(file, 'cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex or unencrypted_regex', 'sops');
  }
  for (const field of ['unencryptedRegex', 'encryptedRegex'] as const) {
    const pattern = rules[field];
    if (pattern !== undefined && goRegExp(pattern) === null) {
      throw new SopsError(file, 'is not a regular expression Steward can evaluate', `sops.${field === 'encryptedRegex' ? 'encrypted_regex' : 'unencrypted_regex'}`);
    }
  }
  const macOnly = md.mac_only_encrypted;
  return {
    ...(count === 0 ? { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX } : rules),
    macOnlyEncrypted: macOnly === true || macOnly === 'true',
  };
}

function requireString(value: unknown, file: string, key: string): string {
  if (typeof value !== 'string' || value === '') throw new SopsError(file, 'missing or not a string', key);
  return value;
}

/**
 * Go's RE2 patterns as a JS RegExp: the common subset is shared, and a leading
 * `(?i)`-style flag group (which JS lacks) becomes a JS flag.
 */
export function goRegExp(pattern: string): RegExp | null {
  const m = /^\(\?([imsU]+)\)/.exec(pattern);
  const flags = m ? [...new Set(m[1]!.replace('U', '').split(''))].join('') : '';
  try {
    return new RegExp(m ? pattern.slice(m[0].length) : pattern, flags);
  } catch {
    return null;
  }
}

/** sops's rule for one value: the whole key path decides, suffix/regex rules as in sops.Tree.shouldBeEncrypted. */
export function shouldBeEncrypted(path: readonly string[], rules: EncryptionRules): boolean {
  let encrypted = true;
  if (rules.unencryptedSuffix) {
    if (path.some((p) => p.endsWith(rules.unencryptedSuffix!))) encrypted = false;
  }
  if (rules.encryptedSuffix) {
    encrypted = path.some((p) => p.endsWith(rules.encryptedSuffix!));
  }
  if (rules.unencryptedRegex) {
    const re = goRegExp(rules.unencryptedRegex)!;
    if (path.some((p) => re.test(p))) encrypted = false;
  }
  if (rules.encryptedRegex) {
    const re = goRegExp(rules.encryptedRegex)!;
    encrypted = path.some((p) => re.test(p));
  }
  return encrypted;
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * time.Parse(RFC3339) then Format(RFC3339), as sops does before using the
 * timestamp as the MAC's additional data: fractions dropped, a zero offset
 * written as Z.
 */
export function goRfc3339(text: string): string | null {
  const m = RFC3339_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, , zone] = m;
  const month = Number(mo), day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(Number(y), month, 0)).getUTCDate()) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const offset = zone === 'Z' || zone === '+00:00' || zone === '-00:00' ? 'Z' : zone;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`;
}

export function formatLastModified(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The metadata section for a rewritten file: every field kept, the data key, time and MAC replaced. */
export function updatedRawMetadata(
  raw: Readonly<Record<string, unknown>>,
  update: { age?: ReadonlyArray<AgeRecipientStanza>; lastModified: string; mac: string },
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if (update.age) out.age = update.age.map((a) => ({ recipient: a.recipient, enc: a.enc }));
  out.lastmodified = update.lastModified;
  out.mac = update.mac;
  return out;
}

/** The metadata section sops writes for a new file with age recipients only. */
export function newRawMetadata(fields: {
  age: ReadonlyArray<AgeRecipientStanza>;
  lastModified: string;
  mac: string;
  rules: EncryptionRules;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    age: fields.age.map((a) => ({ recipient: a.recipient, enc: a.enc })),
    lastmodified: fields.lastModified,
    mac: fields.mac,
  };
  const { rules } = fields;
  if (rules.unencryptedSuffix) out.unencrypted_suffix = rules.unencryptedSuffix;
  if (rules.encryptedSuffix) out.encrypted_suffix = rules.encryptedSuffix;
  if (rules.unencryptedRegex) out.unencrypted_regex = rules.unencryptedRegex;
  if (rules.encryptedRegex) out.encrypted_regex = rules.encryptedRegex;
  if (rules.macOnlyEncrypted) out.mac_only_encrypted = true;
  out.version = SOPS_FORMAT_VERSION;
  return out;
}

const MAP_SEP = '__map_';
const LIST_SEP = '__list_';

/**
 * dotenv and INI files keep the metadata as flat `age__list_0__map_enc` keys
 * with `\n` escaped (sops's stores/flatten.go); this restores the nesting.
 */
export function unflattenMetadata(flat: ReadonlyArray<readonly [string, string]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, rawValue] of flat) {
    const value: unknown = key === 'mac_only_encrypted' ? rawValue === 'true' : rawValue.replace(/\\n/g, '\n');
    const tokens = tokenizeFlatKey(key);
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      const last = i === tokens.length - 1;
      const next = tokens[i + 1];
      const slot = (node as Record<string | number, unknown>)[token as string | number];
      if (last) {
        (node as Record<string | number, unknown>)[token as string | number] = value;
      } else {
        const fresh = typeof next === 'number' ? [] : {};
        const child = slot !== undefined && typeof slot === 'object' && slot !== null ? slot : fresh;
        (node as Record<string | number, unknown>)[token as string | number] = child;
        node = child as Record<string, unknown> | unknown[];
      }
    }
  }
  return root;
}

function tokenizeFlatKey(key: string): Array<string | number> {
  const tokens: Array<string | number> = [];
  const re = /__(map|list)_/g;
  let last = 0;
  let kind: 'map' | 'list' = 'map';
  let m: RegExpExecArray | null;
  const push = (text: string) => tokens.push(kind === 'list' ? Number.parseInt(text, 10) || 0 : text);
  while ((m = re.exec(key))) {
    push(key.slice(last, m.index));
    kind = m[1] === 'list' ? 'list' : 'map';
    last = m.index + m[0].length;
  }
  push(key.slice(last));
  return tokens;
}

/** The inverse of unflattenMetadata, sorted like sops's dotenv store writes it. */
export function flattenMetadata(raw: Readonly<Record<string, unknown>>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (prefix: string, value: unknown): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(`${prefix}${LIST_SEP}${i}`, v));
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(`${prefix}${MAP_SEP}${k}`, v);
    } else {
      out.push([prefix, String(value).replace(/\n/g, '\\n')]);
    }
  };
  for (const [k, v] of Object.entries(raw)) walk(k, v);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
