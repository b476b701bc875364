// The report of a run, three files in the output directory: loadtest.json (everything, for
// machines), loadtest.md (the verdict and the table, for people) and latency.svg (over time).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { breached, type OperationResult, type SecondResult } from './evaluate.ts';
import { latencySvg, type Threshold } from './plot.ts';

export interface RunReport {
  api_version: string;
  started_at: string;
  rate_per_s: number;
  duration_s: number;
  warmup_s: number;
  database: string;
  requests: number;
  /** Requests answered per second over the measured run. */
  throughput_per_s: number;
  breached: boolean;
  operations: OperationResult[];
  seconds: SecondResult[];
}

export interface ReportFiles {
  json: string;
  markdown: string;
  svg: string;
}

function markdown(report: RunReport): string {
  const rows = report.operations.map((o) => {
    const cell = (name: string, text: string) => (o.objectives.find((x) => x.name === name)?.met === false ? `**${text} ✗**` : text);
    const [p95, p99, errors] = ['p95_ms', 'p99_ms', 'error_rate'].map((name) => o.objectives.find((x) => x.name === name)!);
    return `| ${o.operation_id} | ${o.requests} | ${o.p50_ms} | ${cell('p95_ms', `${o.p95_ms} / ${p95!.target}`)} | ${cell('p99_ms', `${o.p99_ms} / ${p99!.target}`)} | ${o.max_ms} | ${cell('error_rate', `${(errors!.measured * 100).toFixed(3)} % / ${(errors!.target * 100).toFixed(3)} %`)} |`;
  });
  const failures = report.operations
    .filter((o) => o.errors > 0)
    .map((o) => `- ${o.operation_id}: ${Object.entries(o.failures).map(([what, n]) => `${n} × ${what}`).join(', ')}`);
  return [
    '# Load test',
    '',
    `**${report.breached ? 'BREACHED: at least one objective was missed' : 'All objectives met'}.**`,
    '',
    `API ${report.api_version}, ${report.started_at}: ${report.rate_per_s} req/s for ${report.duration_s} s (open model, vegeta) after a ${report.warmup_s} s warm-up; database ${report.database}. ${report.requests} requests, ${report.throughput_per_s} answered per second.`,
    '',
    'Objectives from `x-sla` (measured / target; met when below the target).',
    '',
    '| operation | requests | p50 ms | p95 ms | p99 ms | max ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...(failures.length > 0 ? ['Unexpected answers:', '', ...failures, ''] : []),
    '![latency over time](latency.svg)',
    '',
  ].join('\n');
}

/** The strictest p95 and p99 objectives of the operations run, as lines on the latency plot. */
export function latencyThresholds(slas: readonly { p95_ms: number; p99_ms: number }[]): Threshold[] {
  return (['p95_ms', 'p99_ms'] as const).flatMap((name) => {
    const targets = slas.map((sla) => sla[name]);
    return targets.length > 0 ? [{ label: `${name.slice(0, 3)} < ${Math.min(...targets)} ms`, ms: Math.min(...targets) }] : [];
  });
}

export function writeReport(outDir: string, report: RunReport): ReportFiles {
  mkdirSync(outDir, { recursive: true });
  const files = { json: join(outDir, 'loadtest.json'), markdown: join(outDir, 'loadtest.md'), svg: join(outDir, 'latency.svg') };
  const target = (o: OperationResult, name: 'p95_ms' | 'p99_ms') => o.objectives.find((x) => x.name === name)!.target;
  const slas = report.operations.map((o) => ({ p95_ms: target(o, 'p95_ms'), p99_ms: target(o, 'p99_ms') }));
  writeFileSync(files.json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(files.markdown, markdown(report));
  writeFileSync(files.svg, latencySvg(report.seconds, latencyThresholds(slas), `${report.rate_per_s} req/s, all operations: latency per second`));
  return files;
}

export { breached };
