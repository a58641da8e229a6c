import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const ROOT = new URL('../../../', import.meta.url);
export const STAGES = ['render', 'diff', 'plan', 'converge', 'report'] as const;

export interface ActionDef {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, unknown>;
}

/** actions/<name>/action.yml, parsed. */
export function stageAction(name: string): ActionDef {
  return parse(readFileSync(new URL(`actions/${name}/action.yml`, ROOT), 'utf8'));
}

/** Every `steps.<id>.outputs.<name>` an expression in the text refers to. */
export function stepOutputRefs(text: string): { id: string; output: string }[] {
  return [...text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)].map((m) => ({ id: m[1]!, output: m[2]! }));
}

/** The text without YAML comment lines, so that documentation does not count as use. */
export function withoutComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
}
