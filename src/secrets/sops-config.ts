import { dirname, join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import { isAgeRecipient } from './age-keys';
import { SopsError } from './sops-error';
import { DEFAULT_UNENCRYPTED_SUFFIX, goRegExp, type EncryptionRules } from './sops-metadata';

/**
 * `.sops.yaml` creation rules: the first rule whose `path_regex` matches the
 * file's path (relative to the directory holding `.sops.yaml`, as sops does)
 * says which age recipients a new or rotated file is encrypted for.
 */
export interface SopsCreationRule {
  readonly pathRegex?: string;
  readonly recipients: ReadonlyArray<string>;
  readonly rules: EncryptionRules;
}

export const SOPS_CONFIG_NAMES = ['.sops.yaml', '.sops.yml'] as const;

export function parseSopsConfig(text: string, configFile: string): SopsCreationRule[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new SopsError(configFile, `invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const rules = (doc as { creation_rules?: unknown } | null)?.creation_rules;
  if (!Array.isArray(rules) || rules.length === 0) throw new SopsError(configFile, 'no creation_rules list', 'creation_rules');
  return rules.map((raw, i) => parseRule(raw, configFile, `creation_rules[${i}]`));
}

function splitRecipients(value: unknown, configFile: string, at: string): string[] {
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : value == null ? [] : null;
  if (list === null) throw new SopsError(configFile, 'must be a comma-separated string or a list of age recipients', at);
  return list.map((r) => String(r).trim()).filter((r) => r !== '');
}

function parseRule(raw: unknown, configFile: string, at: string): SopsCreationRule {
  if (!raw || typeof raw !== 'object') throw new SopsError(configFile, 'must be a mapping', at);
  const r = raw as Record<string, unknown>;
  const recipients = splitRecipients(r.age, configFile, `${at}.age`);
  if (Array.isArray(r.key_groups)) {
    r.key_groups.forEach((g, j) => recipients.push(...splitRecipients((g as Record<string, unknown>)?.age, configFile, `${at}.key_groups[${j}].age`)));
  }
  for (const rec of recipients) {
    if (!isAgeRecipient(rec)) throw new SopsError(configFile, `"${rec}" is not an age recipient (age1…)`, `${at}.age`);
  }
  const pathRegex = typeof r.path_regex === 'string' && r.path_regex !== '' ? r.path_regex : undefined;
  if (pathRegex !== undefined && goRegExp(pathRegex) === null) throw new SopsError(configFile, 'is not a valid regular expression', `${at}.path_regex`);
  const str = (k: string) => (typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : undefined);
  const chosen = {
    unencryptedSuffix: str('unencrypted_suffix'),
    encryptedSuffix: str('encrypted_suffix'),
    unencryptedRegex: str('unencrypted_regex'),
    encryptedRegex: str('encrypted_regex'),
  };
  const count = Object.values(chosen).filter((v) => v !== undefined).length;
  if (count > 1) throw new SopsError(configFile, 'use only one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex', at);
  const base = count === 0 ? { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX } : Object.fromEntries(Object.entries(chosen).filter(([, v]) => v !== undefined));
  return { pathRegex, recipients, rules: { ...base, macOnlyEncrypted: r.mac_only_encrypted === true } };
}

/** The rule for `relativePath` (relative to the .sops.yaml's directory, with `/`). */
export function creationRuleFor(rules: ReadonlyArray<SopsCreationRule>, relativePath: string, configFile: string): SopsCreationRule {
  const rule = rules.find((r) => r.pathRegex === undefined || goRegExp(r.pathRegex)!.test(relativePath));
  if (!rule) throw new SopsError(configFile, `no creation rule's path_regex matches "${relativePath}"`, 'creation_rules');
  if (rule.recipients.length === 0) throw new SopsError(configFile, `the creation rule for "${relativePath}" names no age recipients`, 'creation_rules');
  return rule;
}

/** Where to look for .sops.yaml for a file, nearest first: its directory, then each parent. */
export function sopsConfigCandidates(absoluteFile: string): string[] {
  const out: string[] = [];
  let dir = dirname(absoluteFile);
  for (;;) {
    for (const name of SOPS_CONFIG_NAMES) out.push(join(dir, name));
    const parent = dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

export function pathRelativeToConfig(configFile: string, absoluteFile: string): string {
  return relative(dirname(configFile), absoluteFile).split(sep).join('/');
}
