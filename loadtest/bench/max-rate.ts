// The maximum sustainable rate of one stack: vegeta (open model, as `make loadtest`) sends the
// bench request at a constant rate for a few seconds per step, and a step passes when the
// request's x-sla objectives from the spec (the load plan's) are all met. rate-search.ts picks
// the rates. A closed-model req/s (autocannon) says how fast a stack answers when the client
// waits; this says how much traffic it takes before its latency breaks the contract.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { evaluateOperations } from '../run/evaluate.ts';
import { readPlan, type PlannedOperation } from '../run/plan.ts';
import { attack, readResults, writeTargets } from '../run/vegeta.ts';
import { searchMaxRate, type StopReason } from './rate-search.ts';
import { encodeRequest, type BenchRequest, type MaxRateSettings } from './settings.ts';
import { round } from './stats.ts';

/** Beyond what one vegeta process on this machine sends: a pass up there would not mean much. */
const CEILING_RATE = 200_000;
/** Closer than 5 % buys nothing: run-to-run noise here is about 25 % (STACK.md). */
const PRECISION = 0.05;
/**
 * A quarter more per passing step, not double: the first failing step is then only a little past
 * the stack's limit, so the bracket starts narrow and the overloaded seconds are few. (What made the
 * steps after an overloaded one fail far below the limit was vegeta's unbounded connections, now
 * bounded in run/vegeta.ts.)
 */
const GROWTH = 1.25;
/** Without BENCH_MAX_RATE_START: this share of the req/s the stack answered a waiting client. */
const START_SHARE = 0.5;
/**
 * After a failed step the stack may still be working off its backlog, which the next step would
 * inherit. A request answered within SETTLED_MS twice in a row says the queue is gone;
 * SETTLE_TIMEOUT_MS bounds the wait.
 */
const SETTLED_MS = 20;
const SETTLE_POLL_MS = 100;
const SETTLE_TIMEOUT_MS = 15_000;
/**
 * vegeta shares the 2 cores with the server: starved, it sends late, and the server sees less than
 * the step's rate. A step sent below this share of its rate was not that rate, so it cannot pass.
 */
const MIN_SENT_SHARE = 0.95;

export interface RateStep {
  rate: number;
  passed: boolean;
  /** What vegeta managed to send, req/s. */
  sent_per_s: number;
  requests: number;
  p95_ms: number;
  p99_ms: number;
  error_rate: number;
}

export interface MaxRate {
  /** The highest rate that met every objective; 0 when none did. */
  rate: number;
  /** The lowest rate that did not; null when none failed within the budget. */
  failed_at: number | null;
  stopped: StopReason;
  step_s: number;
  steps: RateStep[];
}

/**
 * The plan's operation for the bench request (its objectives, expected status, headers) with the
 * bench's own body, sent with the API key or with no credentials.
 */
export function plannedRequest(request: BenchRequest, auth: 'key' | 'none'): PlannedOperation {
  const planned = readPlan().operations.find((o) => o.method === request.method && o.path === request.path);
  if (planned === undefined) throw new Error(`${request.method} ${request.path} is not in the load plan (loadtest/generated/plan.json)`);
  return { ...planned, auth, body: encodeRequest(request).body ?? null };
}

export interface RateTarget {
  /** The stack's origin, e.g. http://127.0.0.1:4123. */
  origin: string;
  operation: PlannedOperation;
  apiKey: string;
}

/**
 * Searches `target`'s maximum rate, from BENCH_MAX_RATE_START or else half of `measuredRps` (what
 * it answered the closed-model load); vegeta's files go to `workDir`.
 */
export async function findMaxRate(
  vegeta: string,
  target: RateTarget,
  measuredRps: number,
  settings: MaxRateSettings,
  workDir: string,
  signal: AbortSignal,
  log: (message: string) => void,
): Promise<MaxRate> {
  const { origin, operation, apiKey } = target;
  const targets = join(workDir, 'rate-targets.jsonl');
  writeTargets(targets, [operation], origin, { apiKey, userToken: '' });
  const url = new URL(operation.path, origin).href;

  const step = async (rate: number): Promise<RateStep> => {
    const results = join(workDir, 'rate-results.bin');
    await attack(vegeta, targets, rate, settings.stepSeconds, results, signal);
    const samples = await readResults(vegeta, results, join(workDir, 'rate-results.jsonl'));
    const [result] = evaluateOperations(samples, [operation], () => url);
    if (result === undefined) throw new Error(`no result for ${operation.operation_id}`);
    const sent = sentRate(samples.map((s) => s.sentAt));
    const objectivesMet = result.objectives.every((o) => o.met);
    const passed = objectivesMet && sent >= rate * MIN_SENT_SHARE;
    const errorRate = result.objectives.find((o) => o.name === 'error_rate')?.measured ?? 1;
    const verdict = passed ? 'passed' : objectivesMet ? `FAILED: vegeta sent only ${round(sent, 0)} req/s` : 'FAILED the objectives';
    log(`${rate} req/s: p95 ${result.p95_ms} ms, p99 ${result.p99_ms} ms, ${result.errors} errors in ${result.requests}: ${verdict}`);
    if (!passed) await settle(origin, signal);
    return { rate, passed, sent_per_s: round(sent, 0), requests: result.requests, p95_ms: result.p95_ms, p99_ms: result.p99_ms, error_rate: round(errorRate, 5) };
  };

  const search = await searchMaxRate(step, { start: settings.startRate ?? Math.max(1, Math.round(measuredRps * START_SHARE)), ceiling: CEILING_RATE, precision: PRECISION, growth: GROWTH }, {
    stepMs: settings.stepSeconds * 1000,
    budgetMs: settings.budgetSeconds * 1000,
    now: () => performance.now(),
  });
  return { rate: search.rate, failed_at: search.failedAt, stopped: search.stopped, step_s: settings.stepSeconds, steps: search.probes };
}

/** Waits until the stack answers a request at once again; any path will do (a 404 is as quick as it gets). */
export async function settle(origin: string, signal: AbortSignal, timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let quickInARow = 0;
  while (quickInARow < 2 && performance.now() < deadline) {
    await sleep(SETTLE_POLL_MS, undefined, { signal });
    const started = performance.now();
    try {
      await (await fetch(`${origin}/health`, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) })).arrayBuffer();
    } catch (error) {
      signal.throwIfAborted();
      if (!(error instanceof Error && error.name === 'TimeoutError')) throw error;
    }
    quickInARow = performance.now() - started < SETTLED_MS ? quickInARow + 1 : 0;
  }
}

/** Requests per second between the first and the last send (ms timestamps); 0 with fewer than two. */
export function sentRate(sentAt: readonly number[]): number {
  if (sentAt.length < 2) return 0;
  // Not Math.min(...): a step at a high rate has more samples than a call may take arguments.
  const first = sentAt.reduce((min, t) => Math.min(min, t), Infinity);
  const last = sentAt.reduce((max, t) => Math.max(max, t), -Infinity);
  return last === first ? Infinity : ((sentAt.length - 1) / (last - first)) * 1000;
}

/** One line per stack, e.g. `5200 req/s (6000 failed; converged in 9 steps)`. */
export function describeMaxRate(maxRate: MaxRate): string {
  const steps = `${maxRate.steps.length} steps`;
  const detail: Record<StopReason, string> = {
    converged: `${maxRate.failed_at} failed; converged in ${steps}`,
    budget: maxRate.failed_at === null ? `none failed; budget spent after ${steps}: at least this` : `${maxRate.failed_at} failed; budget spent after ${steps}`,
    ceiling: `the ceiling of the search; ${steps}`,
    floor: `even ${maxRate.failed_at} req/s failed; ${steps}`,
  };
  return `${maxRate.rate} req/s (${detail[maxRate.stopped]})`;
}

/** The objectives a step is held to, e.g. `p95 < 200 ms, p99 < 500 ms, errors < 0.1 %`. */
export function describeObjectives(operation: PlannedOperation): string {
  const { sla } = operation;
  return `p95 < ${sla.p95_ms} ms, p99 < ${sla.p99_ms} ms, errors < ${round(sla.max_error_rate * 100, 3)} %`;
}
