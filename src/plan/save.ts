import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from '../render/canonical';
import type { ChangeSet } from '../diff/changeset';
import type { Plan } from './types';

/** plan.json beside plan.md: converge applies the first, people read the second. */
export function savePlan(plan: Plan, markdown: string, jsonPath: string): { json: string; markdown: string } {
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, canonicalJson(plan, 2) + '\n');
  const mdPath = jsonPath.replace(/\.json$/, '') + '.md';
  writeFileSync(mdPath, markdown);
  return { json: jsonPath, markdown: mdPath };
}

export function saveChangeSet(cs: ChangeSet, path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, canonicalJson(cs, 2) + '\n');
  return path;
}
