// What `make bench` sends and how hard, from the environment:
//   BENCH_CONNECTIONS (50)  BENCH_DURATION seconds (10)  BENCH_OUT (loadtest/results/bench.json)
//   BENCH_SKIP  comma-separated measurements to leave out: metrics_cost, max_rate, sdk_overhead
//   BENCH_SCRAPE_INTERVAL_MS (100)  BENCH_SCRAPES (50)                          /metrics cost
//   BENCH_MAX_RATE_START req/s (half the stack's measured req/s)  BENCH_MAX_RATE_STEP s (3)
//   BENCH_MAX_RATE_BUDGET s (60)
//   BENCH_SDK_CALLS (2000)                                                       SDK overhead
import { join, resolve } from 'node:path';

export interface MetricsCostSettings {
  /** How often /metrics is scraped during the scraped run. */
  scrapeIntervalMs: number;
  /** Scrapes timed one by one once the load is over. */
  scrapes: number;
}

export interface MaxRateSettings {
  /** The first rate tried. */
  /** The first rate tried; undefined starts at half the req/s the stack just answered. */
  startRate: number | undefined;
  stepSeconds: number;
  /** Wall-clock time for one stack's whole search, every step and its drain included. */
  budgetSeconds: number;
}

export interface SdkOverheadSettings {
  /** Calls per client (raw fetch and the SDK each), spread over `rounds`. */
  calls: number;
  rounds: number;
}

export interface BenchSettings {
  connections: number;
  durationSeconds: number;
  /** Run before every measurement and thrown away: JIT, key cache and pools warm up first. */
  warmupSeconds: number;
  out: string;
  /** Undefined when BENCH_SKIP names it. */
  metricsCost: MetricsCostSettings | undefined;
  maxRate: MaxRateSettings | undefined;
  sdkOverhead: SdkOverheadSettings | undefined;
}

export interface BenchRequest {
  /** Stable id in the results file, e.g. conversion. */
  id: string;
  method: 'GET' | 'POST';
  path: string;
  /** Sent as JSON; undefined sends no body at all (a GET). */
  body?: unknown;
  /**
   * The part of a 200 answer every stack must return alike, to prove they do the same work: a
   * conversion's stats hold its duration, which no two answers share.
   */
  comparable(answer: unknown): unknown;
}

/** A small synchronous conversion with an API key: the API's hot path. */
export const CONVERSION_REQUEST: BenchRequest = {
  id: 'conversion',
  method: 'POST',
  path: '/v1/conversions',
  body: { from: 'csv', to: 'json', input: 'name,age\nAda,36\nAlan,41\n', options: { infer_types: true } },
  comparable: (answer) => (answer as { output: unknown }).output,
};

/** An authenticated read whose handler does next to nothing: what the stack itself costs a request. */
export const FORMATS_REQUEST: BenchRequest = {
  id: 'formats',
  method: 'GET',
  path: '/v1/formats',
  comparable: (answer) => answer,
};

/** The request as it goes on the wire: its body and the headers that describe it. */
export function encodeRequest(request: BenchRequest): { headers: Record<string, string>; body: string | undefined } {
  if (request.body === undefined) return { headers: {}, body: undefined };
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) };
}

const WARMUP_SECONDS = 2;
/** Enough rounds that a drift in the machine's speed lands on both clients alike. */
const SDK_ROUNDS = 10;

export const SKIPPABLE = ['metrics_cost', 'max_rate', 'sdk_overhead'] as const;
type Skippable = (typeof SKIPPABLE)[number];

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export function readSettings(env: Record<string, string | undefined>): BenchSettings {
  const skip = skipped(env);
  const maxRate = {
    startRate: env.BENCH_MAX_RATE_START ? positiveInteger(env, 'BENCH_MAX_RATE_START', 1) : undefined,
    stepSeconds: positiveInteger(env, 'BENCH_MAX_RATE_STEP', 3),
    budgetSeconds: positiveInteger(env, 'BENCH_MAX_RATE_BUDGET', 60),
  };
  if (maxRate.budgetSeconds < maxRate.stepSeconds) {
    throw new SettingsError(`BENCH_MAX_RATE_BUDGET (${maxRate.budgetSeconds} s) must hold at least one BENCH_MAX_RATE_STEP (${maxRate.stepSeconds} s)`);
  }
  const sdkCalls = positiveInteger(env, 'BENCH_SDK_CALLS', 2000);
  return {
    connections: positiveInteger(env, 'BENCH_CONNECTIONS', 50),
    durationSeconds: positiveInteger(env, 'BENCH_DURATION', 10),
    warmupSeconds: WARMUP_SECONDS,
    out: env.BENCH_OUT ? resolve(env.BENCH_OUT) : join(import.meta.dirname, '..', 'results', 'bench.json'),
    metricsCost: skip.has('metrics_cost')
      ? undefined
      : { scrapeIntervalMs: positiveInteger(env, 'BENCH_SCRAPE_INTERVAL_MS', 100), scrapes: positiveInteger(env, 'BENCH_SCRAPES', 50) },
    maxRate: skip.has('max_rate') ? undefined : maxRate,
    sdkOverhead: skip.has('sdk_overhead') ? undefined : { calls: sdkCalls, rounds: Math.min(SDK_ROUNDS, sdkCalls) },
  };
}

function skipped(env: Record<string, string | undefined>): Set<Skippable> {
  const names = (env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(SKIPPABLE as readonly string[]).includes(name)) throw new SettingsError(`BENCH_SKIP: ${name} is not one of ${SKIPPABLE.join(', ')}`);
  }
  return new Set(names as Skippable[]);
}

export function positiveInteger(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new SettingsError(`${name} must be a positive integer, got "${text}"`);
  return value;
}
