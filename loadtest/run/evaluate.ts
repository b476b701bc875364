// From vegeta's samples to what the report says: per operation, the latency percentiles and the
// error rate against its x-sla objectives, and the latency of the whole run second by second.
import type { PlannedOperation } from './plan.ts';
import type { Sample } from './vegeta.ts';

export interface Objective {
  name: 'p95_ms' | 'p99_ms' | 'error_rate';
  /** Met when the measured value is strictly below the target, as k6's `p(95)<200` thresholds read. */
  target: number;
  measured: number;
  met: boolean;
}

export interface OperationResult {
  operation_id: string;
  requests: number;
  errors: number;
  /** Count of each answer that was not the expected status, e.g. { "429": 3, "connection refused": 1 }. */
  failures: Record<string, number>;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  objectives: Objective[];
}

export interface SecondResult {
  /** Seconds since the first request. */
  second: number;
  requests: number;
  errors: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

export function targetKey(method: string, url: string): string {
  return `${method} ${url}`;
}

/** Nearest rank on sorted values; 0 when there are none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** What went wrong with a sample, as the reports count it ("503 E1502", "connection refused"); undefined when nothing did. */
export function failureOf(sample: Sample, expected: number): string | undefined {
  if (sample.error !== '' && sample.status === 0) return sample.error;
  if (sample.status === expected) return undefined;
  return sample.problem === undefined ? String(sample.status) : `${sample.status} ${sample.problem}`;
}

/** `urlOf` maps an operation to the URL it was sent to; samples of other URLs are ignored. */
export function evaluateOperations(samples: Sample[], operations: PlannedOperation[], urlOf: (o: PlannedOperation) => string): OperationResult[] {
  const byTarget = new Map<string, Sample[]>(operations.map((o) => [targetKey(o.method, urlOf(o)), []]));
  for (const sample of samples) byTarget.get(targetKey(sample.method, sample.url))?.push(sample);
  return operations.map((operation) => {
    const own = byTarget.get(targetKey(operation.method, urlOf(operation)))!;
    const failures: Record<string, number> = {};
    for (const sample of own) {
      const failure = failureOf(sample, operation.expected_status);
      if (failure !== undefined) failures[failure] = (failures[failure] ?? 0) + 1;
    }
    const errors = Object.values(failures).reduce((sum, n) => sum + n, 0);
    const latencies = own.map((s) => s.latencyMs).sort((a, b) => a - b);
    const p95 = round(percentile(latencies, 95));
    const p99 = round(percentile(latencies, 99));
    // No request at all is a breach too: nothing was shown.
    const errorRate = own.length === 0 ? 1 : errors / own.length;
    const { sla } = operation;
    return {
      operation_id: operation.operation_id,
      requests: own.length,
      errors,
      failures,
      p50_ms: round(percentile(latencies, 50)),
      p95_ms: p95,
      p99_ms: p99,
      max_ms: round(latencies.at(-1) ?? 0),
      objectives: [
        { name: 'p95_ms', target: sla.p95_ms, measured: p95, met: p95 < sla.p95_ms },
        { name: 'p99_ms', target: sla.p99_ms, measured: p99, met: p99 < sla.p99_ms },
        { name: 'error_rate', target: sla.max_error_rate, measured: errorRate, met: errorRate < sla.max_error_rate },
      ],
    };
  });
}

/** When the first of `samples` was sent; undefined when there are none. */
export function firstSentAt(samples: Sample[]): number | undefined {
  // Not Math.min(...): a long run has more samples than a call may take arguments.
  return samples.length === 0 ? undefined : samples.reduce((min, s) => Math.min(min, s.sentAt), Infinity);
}

/** Samples by the second they were sent in, counted from the first; a second without any is empty. */
export function bySecond(samples: Sample[]): Sample[][] {
  const start = firstSentAt(samples);
  if (start === undefined) return [];
  const buckets: Sample[][] = [];
  for (const sample of samples) (buckets[Math.floor((sample.sentAt - start) / 1000)] ??= []).push(sample);
  return Array.from(buckets, (bucket) => bucket ?? []);
}

/** Every request of the run, bucketed by the second it was sent in. */
export function evaluateSeconds(samples: Sample[], isError: (s: Sample) => boolean): SecondResult[] {
  return bySecond(samples).map((bucket, second) => {
    const latencies = bucket.map((s) => s.latencyMs).sort((a, b) => a - b);
    return {
      second,
      requests: bucket.length,
      errors: bucket.filter(isError).length,
      p50_ms: round(percentile(latencies, 50)),
      p95_ms: round(percentile(latencies, 95)),
      p99_ms: round(percentile(latencies, 99)),
    };
  });
}

export function breached(results: OperationResult[]): boolean {
  return results.some((r) => r.objectives.some((o) => !o.met));
}
