// Fault-injection figures: K SIGKILLs at seeded random points of a converge
// over the local engine and two SSH targets, each followed by a re-run.
//   scripts/testenv up; node --import tsx bench/faults.ts [--k 50] [--seed N]
// Prints one JSON object: trials, kills that landed mid-run, failures,
// duplicates, plaintext copies left. Asserts nothing.
import { parseArgs } from 'node:util';
import { killTrials } from '../test/support/faults';
import { requireTestenv } from './_testenv-bench';

const { values } = parseArgs({ options: { k: { type: 'string', default: '50' }, seed: { type: 'string' } } });
const env = requireTestenv();
const seed = values.seed ? Number(values.seed) : Date.now() % 1_000_000;
const t0 = Date.now();
const f = await killTrials(env, { k: Number(values.k), seed, name: 'fbench', log: (l) => console.error(l) });
console.log(JSON.stringify({
  bench: 'faults',
  seed: f.seed,
  trials: f.trials,
  killedMidRun: f.killedMidRun,
  failures: f.failures,
  duplicates: f.duplicates,
  leftPlaintext: f.leftPlaintext,
  fullConvergeMs: f.fullConvergeMs,
  totalMs: Date.now() - t0,
  failed: f.results.filter((r) => r.problems.length),
}, null, 2));
