// Releases on a target, in the style of Capistrano and Kamal: every apply
// writes a new `releases/<id>/` (compose, files, secrets.env, release.json) and
// `current` points at the last one that came up healthy. Pure parts here; the
// driver runs the scripts.
import { createHash, randomBytes } from 'node:crypto';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

/** Releases kept per app on the target, current included. */
export const KEEP_RELEASES = 5;

const RELEASE_ID = /^[0-9]{8}T[0-9]{9}Z-[0-9a-z]{1,8}-[0-9a-f]{4}$/;

/** What release.json records: enough to re-apply the release exactly and to verify it on disk. */
export interface ReleaseInfo {
  schema: 1;
  id: string;
  project: string;
  app: string;
  /** steward.hash of the containers this release makes. */
  hash: string;
  health?: { http?: string; port?: number };
  healthTimeoutMs: number;
  /** sha256 digests of what was uploaded, as the host computes them (see releaseDigestsScript). */
  digests: ReleaseDigests;
}

export interface ReleaseDigests {
  files: string;
  env: string;
  compose: string;
}

/** Sortable by time (UTC, to the millisecond), then the app hash and a random tail so two applies never share one. */
export function releaseId(at: Date, hash: string, random = randomBytes(2).toString('hex')): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${hash.toLowerCase().replace(/[^0-9a-z]/g, '').slice(0, 8) || 'x'}-${random}`;
}

export function checkReleaseId(id: string): string {
  if (!RELEASE_ID.test(id)) throw new Error(`invalid release id ${JSON.stringify(id)}`);
  return id;
}

/** The release's own directory on the target. */
export const releaseDir = (appDir: string, id: string): string => `${appDir}/releases/${checkReleaseId(id)}`;

/**
 * The compose file as this release deploys it: bind mounts of the app's
 * `files/` (render points them at `<appDir>/files/...`) read from the release's
 * own copy, so a rollback serves the old files while a failed release's stay
 * apart. Rewritten here, at the edge, so that render and the committed
 * rendered/ stay free of release ids.
 */
export function withReleaseMounts(composeText: string, appDir: string, relDir: string): string {
  const base = `${appDir}/files`;
  const moved = (src: string) => (src === base || src.startsWith(`${base}/`) ? `${relDir}/files${src.slice(base.length)}` : src);
  const doc = parseDocument(composeText);
  const services = doc.get('services');
  if (!isMap(services)) return composeText;
  for (const svc of services.items) {
    const volumes = isMap(svc.value) ? svc.value.get('volumes') : undefined;
    if (!isSeq(volumes)) continue;
    volumes.items = volumes.items.map((v) => {
      if (isScalar(v) && typeof v.value === 'string') {
        const [src, ...rest] = v.value.split(':');
        if (rest.length) v.value = [moved(src), ...rest].join(':');
      } else if (isMap(v) && v.get('type') === 'bind' && typeof v.get('source') === 'string') {
        v.set('source', moved(v.get('source') as string));
      }
      return v;
    });
  }
  return doc.toString({ lineWidth: 0 });
}

const sha256hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * The digests the host computes with sha256sum over a release dir: files: the
 * sorted `<sha256>  files/<path>` lines of every file; env and compose: the
 * file's bytes. Content never leaves the host, only these.
 */
export function releaseDigests(files: { path: string; content: Buffer }[], env: Buffer, compose: Buffer): ReleaseDigests {
  const lines = files.map((f) => Buffer.from(`${sha256hex(f.content)}  ${f.path}\n`)).sort(Buffer.compare);
  return { files: sha256hex(Buffer.concat(lines)), env: sha256hex(env), compose: sha256hex(compose) };
}

/** Reads back our own env_file format (src/targets/env-file.ts): the values, to mask them in logs. */
export function envValues(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^[A-Za-z_][A-Za-z0-9_.]*=(.*)$/.exec(line);
    if (!m) continue;
    const v = m[1];
    if (v.startsWith("'") && v.endsWith("'")) out.push(v.slice(1, -1));
    else if (v.startsWith('"') && v.endsWith('"')) out.push(v.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c)));
    else out.push(v);
  }
  return out.filter((v) => v.length > 0);
}

export function parseReleaseInfo(text: string, where: string): ReleaseInfo {
  let info: ReleaseInfo;
  try {
    info = JSON.parse(text) as ReleaseInfo;
  } catch {
    throw new Error(`${where}: release.json is not JSON`);
  }
  if (info?.schema !== 1 || typeof info.hash !== 'string' || typeof info.id !== 'string' || !info.digests) throw new Error(`${where}: release.json is not a Steward release`);
  return info;
}

/** Splits what readReleaseScript printed: parts between `<marker> <name>` lines, each followed by one extra newline. */
export function splitParts(stdout: string, marker: string): Map<string, string> {
  const parts = new Map<string, string>();
  const head = new RegExp(`^${marker} ([a-z.]+)$`, 'gm');
  const found = [...stdout.matchAll(head)];
  found.forEach((m, i) => {
    const start = m.index! + m[0].length + 1;
    const end = i + 1 < found.length ? found[i + 1].index! - 1 : stdout.length - 1;
    parts.set(m[1], stdout.slice(start, Math.max(start, end)));
  });
  return parts;
}
