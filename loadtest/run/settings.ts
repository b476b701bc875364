// What `make loadtest` runs and how hard, from the environment:
//   RATE       requests per second, all operations together (default 100)
//   DURATION   seconds of measured load (default 30), after a discarded warm-up
//   OPERATIONS comma-separated operationIds to load (default: every operation in loadtest/mix.yaml)
//   LOADTEST_OUT  directory for the report (default loadtest/results)
import { join, resolve } from 'node:path';
import { positiveInteger } from '../bench/settings.ts';

export interface LoadtestSettings {
  rate: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Undefined: the operations of the mix, with its weights. */
  operations: string[] | undefined;
  outDir: string;
}

/** Long enough for the JIT and the key cache, short enough not to matter in a 5 s CI run. */
const WARMUP_SECONDS = 2;

export function readSettings(env: Record<string, string | undefined>): LoadtestSettings {
  const operations = env.OPERATIONS?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    rate: positiveInteger(env, 'RATE', 100),
    durationSeconds: positiveInteger(env, 'DURATION', 30),
    warmupSeconds: WARMUP_SECONDS,
    operations: operations && operations.length > 0 ? operations : undefined,
    outDir: env.LOADTEST_OUT ? resolve(env.LOADTEST_OUT) : join(import.meta.dirname, '..', 'results'),
  };
}
