// What `make bench` sends and how hard, from the environment: BENCH_CONNECTIONS, BENCH_DURATION
// (seconds), BENCH_OUT (where the raw results go).
import { join, resolve } from 'node:path';

export interface BenchSettings {
  connections: number;
  durationSeconds: number;
  /** Run before every measurement and thrown away: JIT, key cache and pools warm up first. */
  warmupSeconds: number;
  out: string;
}

export interface BenchRequest {
  method: 'POST';
  path: string;
  body: unknown;
}

/** The one request both stacks answer: a small synchronous conversion, the API's hot path. */
export const CONVERSION_REQUEST: BenchRequest = {
  method: 'POST',
  path: '/v1/conversions',
  body: { from: 'csv', to: 'json', input: 'name,age\nAda,36\nAlan,41\n', options: { infer_types: true } },
};

const WARMUP_SECONDS = 2;

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export function readSettings(env: Record<string, string | undefined>): BenchSettings {
  return {
    connections: positiveInteger(env, 'BENCH_CONNECTIONS', 50),
    durationSeconds: positiveInteger(env, 'BENCH_DURATION', 10),
    warmupSeconds: WARMUP_SECONDS,
    out: env.BENCH_OUT ? resolve(env.BENCH_OUT) : join(import.meta.dirname, '..', 'results', 'bench.json'),
  };
}

export function positiveInteger(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new SettingsError(`${name} must be a positive integer, got "${text}"`);
  return value;
}
