// The printed tables (one per request) and the raw results file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Measurement } from './load.ts';
import { describeMaxRate, type MaxRate } from './max-rate.ts';
import type { MetricsCost } from './metrics-cost.ts';
import type { SdkOverhead } from './sdk-overhead.ts';
import type { BenchRequest, BenchSettings } from './settings.ts';

/** One stack's answer to one request. */
export interface StackResult {
  /** Stable id in the results file, e.g. full_stack. */
  stack: string;
  label: string;
  request: BenchRequest;
  measurement: Measurement;
  /** Undefined when not searched: BENCH_SKIP has max_rate, or another request than the conversion. */
  maxRate: MaxRate | undefined;
}

/** The stacks the targets compare, by id. */
export interface ComparedStacks {
  full: string;
  bareKoa: string;
  peer: string;
}

/** Everything one run measured; a skipped measurement is undefined (null in the file). */
export interface BenchResults {
  /** One per stack and request. */
  stacks: StackResult[];
  metricsCost: MetricsCost | undefined;
  sdkOverhead: SdkOverhead | undefined;
}

/** DESIGN.md, performance budgets: shown on every run, never asserted (run-to-run noise ~25 %). */
export const TARGET_RATIO = 0.7;
/** Issue 7: the full stack at least twice the peer stack's req/s. */
export const PEER_TARGET_RATIO = 2;

/**
 * `request`'s table: every stack's results for it, each stack's req/s against the full stack's,
 * then the full stack against its ceiling (bare Koa) and against the peer, with their targets.
 */
export function formatReport(all: StackResult[], request: BenchRequest, compared: ComparedStacks, settings: BenchSettings): string {
  const results = all.filter((r) => r.request === request);
  const of = (stack: string) => {
    const result = results.find((r) => r.stack === stack);
    if (result === undefined) throw new Error(`no result of ${stack} for ${request.method} ${request.path}`);
    return result;
  };
  const [full, bareKoa, peer] = [of(compared.full), of(compared.bareKoa), of(compared.peer)];
  const rows = results.map(({ label, measurement: m }) => [
    label,
    m.rps.toFixed(0),
    m.p50_ms.toFixed(2),
    m.p99_ms.toFixed(2),
    m.errors > 0 ? `${m.errors} !` : '0',
    (m.rps / full.measurement.rps).toFixed(2),
  ]);
  const table = [['stack', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'x full stack'], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  const lines = table.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('   '));
  const ratio = full.measurement.rps / bareKoa.measurement.rps;
  const peerRatio = full.measurement.rps / peer.measurement.rps;
  const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
  return [
    `${request.method} ${request.path}, ${settings.connections} connections, ${settings.durationSeconds} s each after a ${settings.warmupSeconds} s warm-up, pipelining 1`,
    '',
    ...lines,
    '',
    ...results.filter((r) => r.measurement.errors > 0).map((r) => `! ${r.label} answered errors: ${describeStatuses(r.measurement)}`),
    `ratio ${full.label}/${bareKoa.label} req/s: ${ratio.toFixed(2)} (${percent(ratio)})`,
    `target: ${full.label} >= ${percent(TARGET_RATIO)} of ${bareKoa.label}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`,
    `ratio ${full.label}/${peer.label} req/s: ${peerRatio.toFixed(2)}; target >= ${PEER_TARGET_RATIO}: ${peerRatio >= PEER_TARGET_RATIO ? 'met' : 'NOT met'}`,
  ].join('\n');
}

function describeStatuses(m: Measurement): string {
  const failed = Object.entries(m.statuses).filter(([status]) => !status.startsWith('2'));
  const socketErrors = m.errors - failed.reduce((sum, [, count]) => sum + count, 0);
  const parts = failed.map(([status, count]) => `${count} × ${status}`);
  if (socketErrors > 0) parts.push(`${socketErrors} socket errors or timeouts`);
  return parts.join(', ');
}

/** Each stack's maximum sustainable rate for `request`, under the objectives it was held to. */
export function formatMaxRates(all: StackResult[], request: BenchRequest, objectives: string, budgetSeconds: number): string {
  const results = all.filter((r) => r.request === request);
  const width = Math.max(...results.map((r) => r.label.length));
  return [
    `maximum sustainable rate, ${request.method} ${request.path} (vegeta, constant rate; ${objectives}; <= ${budgetSeconds} s per stack):`,
    ...results.map((r) => `  ${r.label.padEnd(width)}   ${r.maxRate ? describeMaxRate(r.maxRate) : 'skipped'}`),
  ].join('\n');
}

/** `max_rate` is null where no search ran (skipped, or a request other than the conversion). */
export function writeResults(out: string, results: BenchResults): void {
  const stacks = results.stacks.map(({ stack, request: { id, method, path, body }, measurement: m, maxRate }) => ({
    stack,
    request: { id, method, path, body },
    rps: m.rps,
    p50_ms: m.p50_ms,
    p99_ms: m.p99_ms,
    errors: m.errors,
    max_rate: maxRate ?? null,
  }));
  const file = { stacks, metrics_cost: results.metricsCost ?? null, sdk_overhead: results.sdkOverhead ?? null };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(file, null, 2) + '\n');
}
