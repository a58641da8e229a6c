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

/** A node of the testenv swarm: an SSH host like a target, plus its place in the swarm. */
export interface TestenvSwarmNode extends TestenvTarget {
  /** Its own UTS namespace: `stw-s1`, `stw-s2`, ... (what `docker node ls` shows). */
  hostname: string;
  role: 'manager' | 'worker';
  nodeId: string;
  /** `steward.node=sN`, set on the node for placement constraints. */
  label: string;
}

export interface TestenvSwarm {
  /** The node to run `docker stack`/`service` against (the first of `nodes`). */
  manager: TestenvTarget;
  nodes: TestenvSwarmNode[];
  /** Whether the kernel has IPVS: without it the ingress routing mesh does not answer, only `mode: host` ports do. */
  ipvs: boolean;
  /** Where the swarm's overlay networks take their subnets from. */
  addrPool: string;
}

export interface Testenv {
  localDockerHost: string;
  localDir: string;
  registry: string;
  images: { v1: string; v2: string; broken: string; caddy: string };
  sshKey: string;
  knownHosts: string;
  targets: TestenvTarget[];
  /** Absent in a state file from before the swarm, null with STEWARD_TESTENV_SWARM=0. */
  swarm?: TestenvSwarm | null;
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

/** Like testenvSkip, and also when `up` made no swarm. */
export function testenvSwarmSkip(): string | false {
  const absent = testenvSkip();
  if (absent) return absent;
  const env = loadTestenv()!;
  if (!env.swarm) return `no swarm in the test environment (${TESTENV_STATE}): run scripts/testenv up with STEWARD_TESTENV_SWARM=3 (the default)`;
  return false;
}
