import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { RENDERED_DIR, type RenderOutput } from './render';

export interface RenderDelta {
  written: string[]; // created or changed
  deleted: string[];
}

/** Files under rendered/ that differ from `out`: what --check reports and write applies. */
export function compareRendered(root: string, out: RenderOutput): RenderDelta & { unchanged: number } {
  const existing = listFiles(join(root, RENDERED_DIR)).map((f) => `${RENDERED_DIR}/${f}`);
  const written: string[] = [];
  let unchanged = 0;
  for (const [path, content] of out.files) {
    const abs = join(root, path);
    if (existsSync(abs) && readFileSync(abs, 'utf8') === content) unchanged++;
    else written.push(path);
  }
  const deleted = existing.filter((f) => !out.files.has(f)).sort();
  return { written, deleted, unchanged };
}

export function writeRendered(root: string, out: RenderOutput): RenderDelta {
  const delta = compareRendered(root, out);
  for (const path of delta.written) {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, out.files.get(path)!);
  }
  for (const path of delta.deleted) unlinkSync(join(root, path));
  pruneEmptyDirs(join(root, RENDERED_DIR));
  return { written: delta.written, deleted: delta.deleted };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

function pruneEmptyDirs(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      pruneEmptyDirs(p);
      if (!readdirSync(p).length) rmdirSync(p);
    }
  }
}
