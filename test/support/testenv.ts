// Reads the state file that `scripts/testenv up` writes, for end-to-end tests.
import { existsSync, readFileSync } from 'node:fs';

export const TESTENV_STATE = process.env.STEWARD_TESTENV_STATE ?? '/run/steward-testenv/env.json';

export interface TestenvTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  /** ssh://user@host:port */
  dockerHost: string;
  /** Apps directory on that target. */
  dir: string;
  netns: string;
  /** The target engine's socket, reachable from the root namespace (for test set-up and checks only). */
  socket: string;
}

export interface Testenv {
  localDockerHost: string;
  localDir: string;
  registry: string;
  images: { v1: string; v2: string; broken: string; caddy: string };
  sshKey: string;
  knownHosts: string;
  targets: TestenvTarget[];
}

/** The environment, or undefined when it is not up. */
export function loadTestenv(): Testenv | undefined {
  if (!existsSync(TESTENV_STATE)) return undefined;
  return JSON.parse(readFileSync(TESTENV_STATE, 'utf8')) as Testenv;
}

/** For `test(name, { skip: testenvSkip() }, ...)`: a clear reason when the environment is absent. */
export function testenvSkip(): string | false {
  return existsSync(TESTENV_STATE) ? false : `test environment not up (${TESTENV_STATE} missing): run scripts/testenv up`;
}
