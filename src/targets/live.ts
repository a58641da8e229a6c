// Live files: a directory of an app on its target, outside its releases,
// rewritten in place by syncFiles. For content a running app re-reads by itself
// (Prometheus' file_sd targets, a status page a proxy serves), so that a change
// is no new release and no new container. Not part of the app's hash; observe
// reports a digest of each such dir, computed on the host.
import { createHash } from 'node:crypto';
import { checkRelativePath } from './tar';

/** Names in the app dir that belong to the release layout (and the one before it). */
const RESERVED = new Set(['releases', 'files', 'current']);
const DIR = /^[a-z0-9][a-z0-9_-]*$/;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** One plain name inside the app dir, none of the release layout's. */
export function checkLiveDir(dir: string): string {
  if (!DIR.test(dir) || RESERVED.has(dir)) {
    throw new Error(`invalid live dir ${JSON.stringify(dir)}: one name of lower-case letters, digits, '-' and '_', not ${[...RESERVED].join(', ')}`);
  }
  return dir;
}

/** A path inside a live dir: relative, no hidden or odd names (the sync script matches them literally). */
export function checkLivePath(path: string): string {
  const p = checkRelativePath(path);
  if (!p.split('/').every((s) => SEGMENT.test(s))) {
    throw new Error(`invalid live file path ${JSON.stringify(path)}: use letters, digits, '_', '.', '-' and '/' (no leading dot)`);
  }
  return p;
}

/** Signals a live dir may ask for after a change: for apps that re-read their config only when told (Prometheus: HUP). */
export const LIVE_SIGNALS = ['HUP'] as const;
export type LiveSignal = (typeof LIVE_SIGNALS)[number];

const sha256hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * What the host prints for a live dir: the sorted `<sha256>  ./<path>` lines
 * of its files, hashed again (as `find . -type f -exec sha256sum {} + | sort | sha256sum`).
 */
export function liveDigest(files: { path: string; content: Buffer }[]): string {
  return liveDigestOf(files.map((f) => ({ path: f.path, sha256: sha256hex(f.content) })));
}

/** The same from each file's sha256 (what the manifest records), for the planner. */
export function liveDigestOf(files: { path: string; sha256: string }[]): string {
  const lines = files.map((f) => Buffer.from(`${f.sha256}  ./${checkLivePath(f.path)}\n`)).sort(Buffer.compare);
  return sha256hex(Buffer.concat(lines));
}
