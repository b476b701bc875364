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
