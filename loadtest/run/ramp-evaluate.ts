// The ramp's verdict (PROFILE=ramp): steps at rising then falling multiples of the sustainable rate.
// Past the limit the server may refuse work (503 E1502, or 429), but what it accepts must stay
// within each operation's x-sla, nothing may fail otherwise, memory must not keep growing, and the
// last step, back under the limit, must be served in full. Pure functions over vegeta's samples.
//
// Latency is judged per step over all accepted requests, each against its own operation's x-sla,
// as the objectives are defined for the alerts (docs/monitoring.md): at most 5 % slower than their
// p95 objective and 1 % slower than their p99 one. Per operation, a step of a few seconds holds a
// few dozen requests of the rarer ones, whose "p99" would be their slowest one or two.
import { bySecond, failureOf, firstSentAt, percentile, round } from './evaluate.ts';
import type { PlannedOperation } from './plan.ts';
import type { Sample } from './vegeta.ts';

/** The objectives' allowed shares of requests slower than their p95 and p99 targets. */
const SLOW_BUDGET = { p95: 0.05, p99: 0.01 } as const;

/** Resident memory at the end may exceed the first step's by this share (heap sized up under load, then kept). */
export const MAX_RSS_GROWTH = 0.5;
/**
 * "Recovered": at most this share of the requests sent in the second half of the last step shed.
 * Not the whole step: the refused share falls back over a second or two once the load drops, and
 * the step may begin inside that.
 */
export const MAX_FINAL_SHED_SHARE = 0.01;

export interface RampStep {
  /** Of the sustainable rate (RATE). */
  multiplier: number;
  rate_per_s: number;
  duration_s: number;
}

export interface MeasuredStep {
  step: RampStep;
  samples: Sample[];
  /** process_resident_memory_bytes read from /metrics as the step ended; undefined if the scrape failed. */
  rssBytes: number | undefined;
}

export interface StepResult extends RampStep {
  requests: number;
  offered_per_s: number;
  /** Answered with the operation's expected status. */
  accepted: number;
  accepted_per_s: number;
  /** 503 E1502 or 429. */
  shed: number;
  shed_share: number;
  /** Of the requests sent in the step's second half. */
  late_shed_share: number;
  /** Anything else: another status, a 5xx other than E1502, no answer. */
  errors: number;
  failures: Record<string, number>;
  /** Of accepted requests only: a refusal's latency says nothing about the service. */
  accepted_p50_ms: number;
  accepted_p95_ms: number;
  accepted_p99_ms: number;
  rss_bytes: number | null;
  /** Shares of accepted requests at or over their operation's p95 and p99 objectives. */
  slow_shares: { p95: number; p99: number };
  /** The objectives missed in this step, in words. */
  latency_breaches: string[];
}

export interface RampVerdict {
  passed: boolean;
  /** Why not, one line each. */
  reasons: string[];
  /** Said in the report without failing the run. */
  notes: string[];
}

export type Outcome = 'accepted' | 'shed' | 'error';

/** What became of a request to an operation that answers `expected` when it serves it. */
export function outcomeOf(sample: Sample, expected: number): Outcome {
  if (sample.status === expected) return 'accepted';
  if (sample.status === 429 || (sample.status === 503 && sample.problem === 'E1502')) return 'shed';
  return 'error';
}

/** `operationOf` finds a sample's operation; samples of no operation are left out. */
export function evaluateStep(measured: MeasuredStep, operationOf: (s: Sample) => PlannedOperation | undefined): StepResult {
  const { step, samples } = measured;
  const all: number[] = [];
  const slow = { p95: 0, p99: 0 };
  const failures: Record<string, number> = {};
  let shed = 0;
  let errors = 0;
  const half = (firstSentAt(samples) ?? 0) + (step.duration_s * 1000) / 2;
  const late = { requests: 0, shed: 0 };
  for (const sample of samples) {
    const operation = operationOf(sample);
    if (operation === undefined) continue;
    const outcome = outcomeOf(sample, operation.expected_status);
    if (sample.sentAt >= half) {
      late.requests++;
      if (outcome === 'shed') late.shed++;
    }
    if (outcome === 'accepted') {
      all.push(sample.latencyMs);
      if (sample.latencyMs >= operation.sla.p95_ms) slow.p95++;
      if (sample.latencyMs >= operation.sla.p99_ms) slow.p99++;
    } else if (outcome === 'shed') {
      shed++;
    } else {
      errors++;
      const failure = failureOf(sample, operation.expected_status)!;
      failures[failure] = (failures[failure] ?? 0) + 1;
    }
  }
  const slow_shares = { p95: ratio(slow.p95, all.length), p99: ratio(slow.p99, all.length) };
  const latency_breaches = (['p95', 'p99'] as const).flatMap((p) =>
    slow_shares[p] > SLOW_BUDGET[p] ? [`${percent(slow_shares[p])} % slower than their ${p} objective (at most ${SLOW_BUDGET[p] * 100} %)`] : [],
  );
  all.sort((a, b) => a - b);
  const requests = samples.length;
  return {
    ...step,
    requests,
    offered_per_s: round(requests / step.duration_s),
    accepted: all.length,
    accepted_per_s: round(all.length / step.duration_s),
    shed,
    shed_share: ratio(shed, requests),
    late_shed_share: ratio(late.shed, late.requests),
    errors,
    failures,
    accepted_p50_ms: round(percentile(all, 50)),
    accepted_p95_ms: round(percentile(all, 95)),
    accepted_p99_ms: round(percentile(all, 99)),
    rss_bytes: measured.rssBytes ?? null,
    slow_shares,
    latency_breaches,
  };
}

export function judgeRamp(steps: StepResult[]): RampVerdict {
  const reasons: string[] = [];
  const notes: string[] = [];
  const label = (i: number) => `step ${i + 1} (${steps[i]!.multiplier}× RATE)`;

  const errors = steps.reduce((sum, s) => sum + s.errors, 0);
  if (errors > 0) {
    const where = steps.flatMap((s, i) => (s.errors > 0 ? [`${label(i)}: ${Object.entries(s.failures).map(([what, n]) => `${n} × ${what}`).join(', ')}`] : []));
    reasons.push(`${errors} requests failed otherwise than by shedding (${where.join('; ')})`);
  }
  steps.forEach((s, i) => {
    if (s.requests === 0) reasons.push(`${label(i)}: no request was sent`);
    if (s.latency_breaches.length > 0) reasons.push(`${label(i)}: of the accepted requests, ${s.latency_breaches.join(' and ')}`);
  });

  const first = steps[0]?.rss_bytes;
  const last = steps.at(-1)?.rss_bytes;
  if (first == null || last == null) reasons.push('resident memory was not measured at the first and the last step');
  else if (last > first * (1 + MAX_RSS_GROWTH)) {
    reasons.push(`resident memory grew from ${mib(first)} MiB to ${mib(last)} MiB, more than ${MAX_RSS_GROWTH * 100} % over the ramp`);
  }

  const final = steps.at(-1);
  if (final !== undefined && final.late_shed_share > MAX_FINAL_SHED_SHARE) {
    reasons.push(`no recovery: ${label(steps.length - 1)} still shed ${percent(final.late_shed_share)} % of the requests of its second half (at most ${MAX_FINAL_SHED_SHARE * 100} %)`);
  }
  if (steps.length > 0 && steps.every((s) => s.shed === 0)) {
    notes.push('No step shed anything: the top of the ramp was within what this instance serves, so overload was not exercised. Raise RATE.');
  }
  return { passed: reasons.length === 0, reasons, notes };
}

/** `part` of `whole` to four decimals (0.01 %), 0 of nothing. */
function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

/** A share as a percentage with two decimals at most. */
function percent(share: number): number {
  return round(share * 100);
}

export function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}

export interface RampSecond {
  /** Seconds since the ramp's first request. */
  second: number;
  offered: number;
  accepted: number;
  shed: number;
  errors: number;
  /** Of accepted requests. */
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

/** The whole ramp second by second, for the plots: what was sent, what became of it, how fast accepted requests were answered. */
export function rampSeconds(samples: Sample[], operationOf: (s: Sample) => PlannedOperation | undefined): RampSecond[] {
  return bySecond(samples).map((bucket, second) => {
    const counts: Record<Outcome, number> = { accepted: 0, shed: 0, error: 0 };
    const latencies: number[] = [];
    for (const sample of bucket) {
      const operation = operationOf(sample);
      if (operation === undefined) continue;
      const outcome = outcomeOf(sample, operation.expected_status);
      counts[outcome]++;
      if (outcome === 'accepted') latencies.push(sample.latencyMs);
    }
    latencies.sort((a, b) => a - b);
    return {
      second,
      offered: bucket.length,
      accepted: counts.accepted,
      shed: counts.shed,
      errors: counts.error,
      p50_ms: round(percentile(latencies, 50)),
      p95_ms: round(percentile(latencies, 95)),
      p99_ms: round(percentile(latencies, 99)),
    };
  });
}
