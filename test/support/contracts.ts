// The one place tests find the upstream contract files, so the repo carries
// every byte it is checked against (test/contracts/*/SOURCE.md says where each came from).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONTRACTS_DIR = join(import.meta.dirname, '..', 'contracts');

export const COMPOSE_SPEC_PATH = join(CONTRACTS_DIR, 'compose', 'compose-spec.json');
export const FORGEJO_OPENAPI_PATH = join(CONTRACTS_DIR, 'forgejo', 'openapi.json');
export const GITHUB_WORKFLOW_SCHEMA_PATH = join(CONTRACTS_DIR, 'actions', 'github-workflow.json');
export const GITHUB_ACTION_SCHEMA_PATH = join(CONTRACTS_DIR, 'actions', 'github-action.json');
// SOPS vectors carry their (public, throwaway) age keys: they live with the other key fixtures.
export const SOPS_VECTORS_DIR = join(import.meta.dirname, '..', 'fixtures', 'sops');

/** A SOPS test vector's text, by its path under test/fixtures/sops (e.g. 'getsops/keys.txt'). */
export const readSopsVector = (p: string): string => readFileSync(join(SOPS_VECTORS_DIR, p), 'utf8');
