// Per-operation objectives from the spec's x-sla, as Prometheus recording rules: request and error
// rates per operation, and a burn rate per operation and objective over each window the alerts
// use (the SRE workbook's multiwindow, multi-burn-rate alerts). A burn rate of 1 spends the error
// budget exactly over the objective's period; 14.4 spends a 30-day budget's 2 % in an hour.
//
// Operations with the same x-sla share one rule per window (their operationIds in one regex), so
// the rule count grows with the number of distinct objectives, not of operations.
import { operationsOf, slaOf, type Sla } from '../../lib/spec.ts';
import { LATENCY_BUCKETS_S } from '../../../server/src/observability/latency-buckets.ts';

type Json = Record<string, any>;

export const WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;
export type Window = (typeof WINDOWS)[number];

export type ObjectiveKind = 'availability' | 'latency_p95' | 'latency_p99';

interface Objective {
  kind: ObjectiveKind;
  /** The fraction of requests allowed to be bad. */
  budget(sla: Sla): number;
  /** For latency objectives: a request slower than this is bad. */
  thresholdS?(sla: Sla): number;
}

/** availability: a 5xx is bad; latency: slower than p95_ms for more than 5 % (p99_ms: 1 %) is bad. */
export const OBJECTIVES: readonly Objective[] = [
  { kind: 'availability', budget: (sla) => sla.max_error_rate },
  { kind: 'latency_p95', budget: () => 0.05, thresholdS: (sla) => sla.p95_ms / 1000 },
  { kind: 'latency_p99', budget: () => 0.01, thresholdS: (sla) => sla.p99_ms / 1000 },
];

export interface SlaGroup {
  sla: Sla;
  operationIds: string[];
}

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export const requestRate = (w: Window) => `route:http_requests:rate${w}`;
export const serverErrorRate = (w: Window) => `route:http_server_errors:rate${w}`;
export const bucketRate = (w: Window) => `route_le:http_request_duration_seconds_bucket:rate${w}`;
export const burnRate = (w: Window) => `route_objective:slo_burn_rate:rate${w}`;

/** Operations grouped by identical x-sla, in the spec's order. */
export function slaGroups(spec: Json): SlaGroup[] {
  const groups = new Map<string, SlaGroup>();
  for (const { operationId, op } of operationsOf(spec)) {
    if (!/^[A-Za-z0-9_]+$/.test(operationId)) throw new Error(`${operationId}: an operationId must be [A-Za-z0-9_]+ to be a metric label in a regex`);
    const sla = slaOf(spec, op);
    for (const objective of OBJECTIVES) {
      const threshold = objective.thresholdS?.(sla);
      if (threshold !== undefined && !LATENCY_BUCKETS_S.includes(threshold)) {
        throw new Error(`${operationId}: x-sla ${objective.kind} threshold ${threshold} s is not a latency bucket edge (${LATENCY_BUCKETS_S.join(', ')}); add it to LATENCY_BUCKETS_S in server/src/observability/latency-buckets.ts`);
      }
    }
    const key = JSON.stringify([sla.p95_ms, sla.p99_ms, sla.max_error_rate]);
    const group = groups.get(key) ?? { sla, operationIds: [] };
    group.operationIds.push(operationId);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * `le` as a regex matching the bucket edge however the server printed it: prom-client writes 1 as
 * "1", Prometheus 3 normalises classic histogram edges to "1.0".
 */
export function leMatcher(seconds: number): string {
  const text = String(seconds).replace('.', '\\\\.');
  return Number.isInteger(seconds) ? `${text}(\\\\.0)?` : text;
}

export function recordingRules(spec: Json): RecordingRule[] {
  const groups = slaGroups(spec);
  const edges = [...new Set(groups.flatMap(({ sla }) => OBJECTIVES.flatMap((o) => o.thresholdS?.(sla) ?? [])))].sort((a, b) => a - b);
  const rules: RecordingRule[] = [];
  for (const w of WINDOWS) {
    rules.push(
      { record: requestRate(w), expr: `sum by (route) (rate(http_request_duration_seconds_count[${w}]))` },
      // An operation without a 5xx has no 5xx series: record 0 for it rather than nothing.
      { record: serverErrorRate(w), expr: `sum by (route) (rate(http_request_duration_seconds_count{status_code=~"5.."}[${w}])) or 0 * ${requestRate(w)}` },
      { record: bucketRate(w), expr: `sum by (route, le) (rate(http_request_duration_seconds_bucket{le=~"${edges.map(leMatcher).join('|')}"}[${w}]))` },
    );
  }
  for (const w of WINDOWS) {
    for (const { sla, operationIds } of groups) {
      const routes = `route=~"${operationIds.join('|')}"`;
      for (const objective of OBJECTIVES) {
        rules.push({ record: burnRate(w), expr: badRatio(objective, sla, routes, w) + ` / ${objective.budget(sla)}`, labels: { objective: objective.kind } });
      }
    }
  }
  return rules;
}

function badRatio(objective: Objective, sla: Sla, routes: string, w: Window): string {
  const threshold = objective.thresholdS?.(sla);
  if (threshold === undefined) return `${serverErrorRate(w)}{${routes}} / ${requestRate(w)}{${routes}}`;
  return `(1 - ${bucketRate(w)}{${routes}, le=~"${leMatcher(threshold)}"} / ignoring (le) ${requestRate(w)}{${routes}})`;
}
