import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ageKeySourceFromEnv, parseAgeIdentities } from '../secrets/age-keys';
import { Redactor } from '../secrets/redact';
import type { CliIO } from './io';
import { formatHelp, HELP } from './help';
import {
  createSopsFile,
  decryptSops,
  listSopsKeys,
  removeSopsKey,
  rotateSopsDataKey,
  setSopsValue,
  SopsError,
  sopsFormatFromPath,
} from '../secrets/sops';
import { creationRuleFor, parseSopsConfig, pathRelativeToConfig, sopsConfigCandidates, type SopsCreationRule } from '../secrets/sops-config';

const USAGE = formatHelp(HELP.secrets);

/** The one flag; parsed by hand because the subcommand and file come first. */
export const SECRETS_OPTIONS = { 'keep-newline': { type: 'boolean' } } as const;

class UsageError extends Error {}

/** `steward secrets …`; returns the exit code. Output never contains a secret value. */
export async function runSecretsCommand(argv: string[], io: CliIO): Promise<number> {
  const redactor = new Redactor();
  const out = (s: string) => io.stdout(redactor.redact(s));
  const err = (s: string) => io.stderr(redactor.redact(s));
  const flags = new Set(argv.filter((a) => a.startsWith('-')));
  const args = argv.filter((a) => !a.startsWith('-'));
  if (flags.has('--help') || flags.has('-h') || args.length === 0) {
    (args.length === 0 && !flags.has('--help') && !flags.has('-h') ? err : out)(USAGE);
    return args.length === 0 && !flags.has('--help') && !flags.has('-h') ? 2 : 0;
  }
  try {
    const [command, fileArg, key] = args;
    const need = (n: number) => {
      if (args.length !== n) throw new UsageError(`steward secrets ${command}: expected ${n - 1} argument(s)`);
    };
    const unknownFlags = [...flags].filter((f) => !Object.keys(SECRETS_OPTIONS).some((o) => f === `--${o}`));
    if (unknownFlags.length > 0) throw new UsageError(`unknown option ${unknownFlags[0]}`);
    const path = isAbsolute(fileArg ?? '') ? fileArg! : resolve(io.cwd, fileArg ?? '');
    const file = fileArg ?? '';
    switch (command) {
      case 'keys': {
        need(2);
        const format = sopsFormatFromPath(path);
        for (const k of listSopsKeys(await readText(path, file), format, file)) out(`${k}\n`);
        return 0;
      }
      case 'decrypt-check': {
        need(2);
        const decrypted = await decryptSops(await readText(path, file), { file, identities: await identities(io) });
        redactor.addAll(Object.values(decrypted.data).filter((v): v is string => typeof v === 'string'));
        const names = Object.keys(decrypted.data);
        out(`ok ${file}: decrypts and its MAC verifies; ${names.length} key(s): ${names.join(', ')}\n`);
        return 0;
      }
      case 'set': {
        need(3);
        const value = await readValue(io.stdin, flags.has('--keep-newline'));
        redactor.add(value);
        if (value === '') throw new UsageError('no value on stdin (pipe the value in, e.g. `printf %s "$VALUE" | steward secrets set …`)');
        const existing = await readIfExists(path, file);
        let next: string;
        if (existing === null) {
          const rule = await creationRule(path, file);
          next = await createSopsFile({ [key!]: value }, { file, format: sopsFormatFromPath(path), recipients: rule.recipients, rules: rule.rules });
          await writeAtomically(path, next);
          out(`created ${file} with ${key} (encrypted for ${rule.recipients.length} age recipient(s))\n`);
          return 0;
        }
        next = await setSopsValue(existing, key!, value, { file, identities: await identities(io) });
        if (next === existing) {
          out(`${key} in ${file} already has this value; file unchanged\n`);
          return 0;
        }
        await writeAtomically(path, next);
        out(`set ${key} in ${file}\n`);
        return 0;
      }
      case 'rm': {
        need(3);
        const next = await removeSopsKey(await readText(path, file), key!, { file, identities: await identities(io) });
        await writeAtomically(path, next);
        out(`removed ${key} from ${file}\n`);
        return 0;
      }
      case 'rotate': {
        need(2);
        const text = await readText(path, file);
        const ids = await identities(io);
        const rule = await creationRule(path, file, true);
        const recipients = rule?.recipients ?? (await decryptSops(text, { file, identities: ids })).recipients;
        const next = await rotateSopsDataKey(text, recipients, { file, identities: ids });
        await writeAtomically(path, next);
        out(`rotated the data key of ${file}; wrapped for ${recipients.length} age recipient(s)${rule ? '' : ' (no .sops.yaml found: kept the file\'s recipients)'}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`steward secrets: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof SopsError) {
      err(`steward secrets: ${e.message}\n`);
      return 1;
    }
    err(`steward secrets: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

async function readValue(stdin: NodeJS.ReadableStream, keepNewline: boolean): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  const text = Buffer.concat(chunks).toString('utf8');
  return keepNewline ? text : text.replace(/\r?\n$/, '');
}

async function readIfExists(path: string, file: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SopsError(file, `cannot read: ${(e as Error).message}`);
  }
}

async function readText(path: string, file: string): Promise<string> {
  const text = await readIfExists(path, file);
  if (text === null) throw new SopsError(file, 'no such file');
  return text;
}

async function identities(io: CliIO): Promise<string[]> {
  const source = ageKeySourceFromEnv(io.env);
  if (!source) throw new SopsError('(age key)', 'no age key: set STEWARD_AGE_KEY to the key file content or SOPS_AGE_KEY_FILE to its path');
  if (source.kind === 'content') return parseAgeIdentities(source.text, source.source);
  const path = resolve(io.cwd, source.path);
  const text = await readIfExists(path, source.path);
  if (text === null) throw new SopsError(source.path, 'SOPS_AGE_KEY_FILE points to a file that does not exist');
  return parseAgeIdentities(text, source.path);
}

async function creationRule(path: string, file: string, optional: true): Promise<SopsCreationRule | null>;
async function creationRule(path: string, file: string, optional?: false): Promise<SopsCreationRule>;
async function creationRule(path: string, file: string, optional = false): Promise<SopsCreationRule | null> {
  for (const candidate of sopsConfigCandidates(path)) {
    const text = await readIfExists(candidate, candidate);
    if (text === null) continue;
    return creationRuleFor(parseSopsConfig(text, candidate), pathRelativeToConfig(candidate, path), candidate);
  }
  if (optional) return null;
  throw new SopsError(file, 'does not exist and no .sops.yaml was found above it to say whom to encrypt it for');
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.steward-tmp-${process.pid}`;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, path);
}

