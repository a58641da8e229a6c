import type { StepOutcome } from './execute';
import type { PlanSummary } from '../plan/types';

/** One converge (or dry run) as data: what the report action publishes. Schema: schemas/run-record.schema.json */
export interface RunRecord {
  schema: 1;
  runId: string;
  trigger: 'push' | 'schedule' | 'dispatch' | 'pull_request' | 'cli';
  project: string;
  commit: string;
  from: string | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  result: 'success' | 'failure' | 'skipped' | 'dry-run';
  summary: string;
  skippedReason?: string;
  commits: { sha: string; subject: string }[];
  plan?: { summary: PlanSummary; line: string; markdown: string };
  steps: StepOutcome[];
  drift: { found: number; corrected: number; items: { target: string; app: string; container?: string; drift: string; corrected: boolean }[] };
  errors: RunError[];
  convergedRef: { advanced: boolean; sha?: string; reason?: string };
}

/** One failure of a run: the phase it happened in and, when known, where. */
export interface RunError {
  stage: 'lock' | 'secrets' | 'plan' | 'apply' | 'record' | 'advance-ref';
  target?: string;
  app?: string;
  /** For people; secrets redacted. */
  message: string;
}
