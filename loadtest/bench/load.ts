// Closed-model load with autocannon: fine for a throughput ratio between two stacks measured the
// same way (STACK.md), wrong for SLA latency.
import autocannon, { type Result } from 'autocannon';
import { encodeRequest, type BenchRequest, type BenchSettings } from './settings.ts';
import { percentile, round } from './stats.ts';

export interface LoadTarget {
  /** The stack's API root, e.g. http://127.0.0.1:4123/v1 (the request path starts with /v1). */
  root: string;
  request: BenchRequest;
  headers: Record<string, string>;
}

export interface Measurement {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** Non-2xx responses, socket errors and timeouts. */
  errors: number;
  /** Responses by status code, e.g. { "200": 51234 }. */
  statuses: Record<string, number>;
}

/**
 * A discarded warm-up run (unless `warmUp` is false: the stack is warm already), then the measured
 * run with the same settings; `signal` cuts it short.
 */
export async function measure(target: LoadTarget, settings: BenchSettings, signal: AbortSignal, warmUp = true): Promise<Measurement> {
  if (warmUp) await fire(target, signal, settings.connections, settings.warmupSeconds);
  // autocannon's histogram keeps whole milliseconds, too coarse at a few ms per request, so the
  // percentiles come from the exact response times it reports for every response.
  const milliseconds: number[] = [];
  const result = await fire(target, signal, settings.connections, settings.durationSeconds, (ms) => milliseconds.push(ms));
  signal.throwIfAborted();
  milliseconds.sort((a, b) => a - b);
  return {
    rps: round(result.requests.average, 1),
    p50_ms: round(percentile(milliseconds, 50), 2),
    p99_ms: round(percentile(milliseconds, 99), 2),
    errors: result.non2xx + result.errors,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count])),
  };
}

/**
 * Each target measured for the settings' duration in turns of `TURN_SECONDS`, the targets taking
 * turns (who goes first rotates each round), after one discarded warm-up each. Measured one stack
 * after the other, a drift in this machine's speed during the run landed on one stack and not the
 * next: two runs a few minutes apart gave the peer stack 1 918 and 2 927 req/s while the full stack
 * read the same. Taking turns puts any drift on every stack alike, so the ratios hold.
 */
export async function measureInTurns(targets: LoadTarget[], settings: BenchSettings, signal: AbortSignal): Promise<Measurement[]> {
  for (const target of targets) await fire(target, signal, settings.connections, settings.warmupSeconds);
  const rounds = Math.max(1, Math.round(settings.durationSeconds / TURN_SECONDS));
  const seconds = settings.durationSeconds / rounds;
  const turns = targets.map(() => ({ milliseconds: [] as number[], errors: 0, statuses: {} as Record<string, number> }));
  for (let turn = 0; turn < rounds; turn++) {
    for (let i = 0; i < targets.length; i++) {
      const k = (i + turn) % targets.length;
      const taken = turns[k]!;
      const result = await fire(targets[k]!, signal, settings.connections, seconds, (ms) => taken.milliseconds.push(ms));
      taken.errors += result.non2xx + result.errors;
      for (const [status, { count }] of Object.entries(result.statusCodeStats)) taken.statuses[status] = (taken.statuses[status] ?? 0) + count;
    }
  }
  signal.throwIfAborted();
  return turns.map(({ milliseconds, errors, statuses }) => {
    milliseconds.sort((a, b) => a - b);
    return {
      rps: round(milliseconds.length / (seconds * rounds), 1),
      p50_ms: round(percentile(milliseconds, 50), 2),
      p99_ms: round(percentile(milliseconds, 99), 2),
      errors,
      statuses,
    };
  });
}

/** Long enough for autocannon's connections to settle, short enough for several turns per stack. */
const TURN_SECONDS = 2;

async function fire(
  target: LoadTarget,
  signal: AbortSignal,
  connections: number,
  seconds: number,
  onResponse?: (ms: number) => void,
): Promise<Result> {
  signal.throwIfAborted();
  const { root, request, headers } = target;
  const wire = encodeRequest(request);
  const run = autocannon({
    url: new URL(request.path, root).href,
    method: request.method,
    headers: { ...wire.headers, ...headers },
    body: wire.body,
    connections,
    duration: seconds,
    pipelining: 1,
  });
  if (onResponse) run.on('response', (_client, _status, _bytes, ms) => onResponse(ms));
  const stop = () => run.stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    return await run;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
