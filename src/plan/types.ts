import type { Reason } from '../diff/changeset';

export type StepAction = 'prepare' | 'deploy' | 'update' | 'remove' | 'reload-proxy' | 'sync-files' | 'remove-leftover';

export interface PlanStep {
  id: string; // "<action>:<target>/<app>", "remove-leftover:<target>/<container name>" or "prepare:<target>"
  action: StepAction;
  target: string;
  app?: string; // every action but prepare and remove-leftover
  /** remove-leftover: the container's name, and the ids it is removed by (never by app name). */
  container?: string;
  containers?: string[];
  hash?: string; // desired hash (deploy, update, reload-proxy)
  observedHash?: string;
  reasons: Reason[];
  drift?: string; // what was found on the target that git does not explain
  after: string[]; // step ids that must succeed first
  /** Set when settings keep the step from being applied: it is reported only. */
  held?: string;
  composeDiff?: string; // unified diff of the rendered compose, for people
  /** sync-files: the app's live dirs whose files on the target differ from the project's. */
  dirs?: string[];
}

export interface PlanTarget {
  name: string;
  status: 'observed' | 'unknown' | 'not-observed'; // not-observed: by choice (PR plans), planned from git alone
  error?: string;
  apps: number; // Steward apps observed there
  /** Swarm apps short of replicas that no step can fix (a node down, none fits): reported, not applied. */
  degraded?: string[];
}

export interface Plan {
  schema: 1;
  project: string;
  commit: string; // the commit the plan is for (HEAD)
  from: string | null; // the commit compared against
  mode: 'first-run' | 'incremental' | 'full' | 'skipped';
  note?: string;
  targets: PlanTarget[];
  steps: PlanStep[];
  summary: PlanSummary;
  /** Per target, a digest of what was observed: converge refuses a plan whose targets have since moved. */
  observed: Record<string, string>;
  /** Project files that differed from the commit when planned (--allow-dirty): the plan is not of `commit` alone. */
  dirty?: string[];
}

export interface PlanSummary {
  deploy: number;
  update: number;
  remove: number;
  /** Leftover containers that will be removed. */
  leftovers: number;
  drifted: number;
  held: number;
  unknownTargets: number;
}
