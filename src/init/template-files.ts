import { readFileSync } from 'node:fs';
import type { Templates } from './scaffold';

// src/init/ and the bundle's dist/cli/ sit at the same depth below the toolkit's root.
const TEMPLATES = new URL('../../templates/', import.meta.url);

export function readTemplates(): Templates {
  const read = (rel: string) => readFileSync(new URL(rel, TEMPLATES), 'utf8');
  return {
    converge: read('workflows/steward-converge.yml'),
    plan: read('workflows/steward-plan.yml'),
    readme: read('project/README.md'),
  };
}
