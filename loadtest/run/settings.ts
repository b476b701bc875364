// What `make loadtest` runs and how hard, from the environment:
//   PROFILE    constant (default): RATE for DURATION, judged against each operation's x-sla;
//              ramp: steps at RAMP times RATE, DURATION each, judged on overload (see ramp-evaluate.ts)
//   RATE       requests per second, all operations together (default 100); for the ramp, the rate
//              the instance should sustain, which its steps multiply
//   DURATION   seconds of measured load (default 30), after a discarded warm-up; for the ramp, per
//              step (default 10)
//   RAMP       the ramp's multipliers of RATE, comma-separated (default 0.5,1,2,3,1,0.5): up past
//              the limit and back; the first and the last must be at most 1
//   OPERATIONS comma-separated operationIds to load (default: every operation in loadtest/mix.yaml)
//   LOADTEST_OUT  directory for the report (default loadtest/results)
import { join, resolve } from 'node:path';
import { positiveInteger, SettingsError } from '../bench/settings.ts';

export type Profile = 'constant' | 'ramp';

export interface LoadtestSettings {
  profile: Profile;
  rate: number;
  /** Constant: the measured run. Ramp: each step. */
  durationSeconds: number;
  warmupSeconds: number;
  /** The ramp's multipliers of `rate`, in order. */
  ramp: number[];
  /** Undefined: the operations of the mix, with its weights. */
  operations: string[] | undefined;
  outDir: string;
}

/**
 * Long enough for the JIT, the key cache and the load shedder: a cold instance given 1 000 req/s of
 * the mix at once is saturated for its first second or so while the JIT compiles, the shedder cuts
 * in, and it takes up to 2 s more to admit everything again. 2 s let that spill into the measured
 * run (up to 1.4 % refused there).
 */
const WARMUP_SECONDS = 5;
/** Up to three times the sustainable rate and back down (issue #7, "Overload"). */
const DEFAULT_RAMP = [0.5, 1, 2, 3, 1, 0.5];

export function readSettings(env: Record<string, string | undefined>): LoadtestSettings {
  const operations = env.OPERATIONS?.split(',').map((s) => s.trim()).filter(Boolean);
  const profile = readProfile(env.PROFILE);
  return {
    profile,
    rate: positiveInteger(env, 'RATE', 100),
    durationSeconds: positiveInteger(env, 'DURATION', profile === 'ramp' ? 10 : 30),
    warmupSeconds: WARMUP_SECONDS,
    ramp: readRamp(env.RAMP),
    operations: operations && operations.length > 0 ? operations : undefined,
    outDir: env.LOADTEST_OUT ? resolve(env.LOADTEST_OUT) : join(import.meta.dirname, '..', 'results'),
  };
}

function readProfile(text: string | undefined): Profile {
  if (text === undefined || text === '' || text === 'constant') return 'constant';
  if (text === 'ramp') return 'ramp';
  throw new SettingsError(`PROFILE must be constant or ramp, got "${text}"`);
}

function readRamp(text: string | undefined): number[] {
  if (text === undefined || text === '') return DEFAULT_RAMP;
  const steps = text.split(',').map((s) => Number(s.trim()));
  if (steps.length < 2 || steps.some((m) => !Number.isFinite(m) || m <= 0)) {
    throw new SettingsError(`RAMP must be at least two positive multipliers of RATE, comma-separated, got "${text}"`);
  }
  // The verdict compares memory with the first step and asks the last to be free of shedding:
  // both must be loads the instance is meant to sustain.
  if (steps[0]! > 1 || steps.at(-1)! > 1) throw new SettingsError(`RAMP must start and end at most at 1 (RATE itself), got "${text}"`);
  return steps;
}
