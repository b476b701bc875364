// The ramp's report, in the output directory: loadtest.json (everything), loadtest.md (the verdict
// and one row per step), rates.svg (offered, accepted, shed, failed per second) and latency.svg
// (accepted requests' latency per second), both marked where each step starts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latencySvg, ratesSvg, type Mark } from './plot.ts';
import { latencyThresholds } from './report.ts';
import { mib, type RampSecond, type RampVerdict, type StepResult } from './ramp-evaluate.ts';

export interface RampReport extends RampVerdict {
  profile: 'ramp';
  api_version: string;
  started_at: string;
  /** The rate the instance should sustain (RATE); steps are multiples of it. */
  rate_per_s: number;
  step_s: number;
  database: string;
  /** SHED_* as the server was started with them; unset: its defaults. */
  shedding: Record<string, string>;
  /** Each operation's x-sla latency objectives. */
  objectives: { operation_id: string; p95_ms: number; p99_ms: number }[];
  steps: StepResult[];
  /** Where each step starts in `seconds`. */
  step_starts_s: number[];
  seconds: RampSecond[];
}

export interface RampReportFiles {
  json: string;
  markdown: string;
  rates: string;
  latency: string;
}

function markdown(report: RampReport): string {
  const rows = report.steps.map((s, i) => {
    const latency = `${s.accepted_p50_ms} / ${s.accepted_p95_ms} / ${s.accepted_p99_ms}`;
    const failures = Object.entries(s.failures).map(([what, n]) => `${n} × ${what}`).join(', ');
    return `| ${i + 1} | ${s.multiplier}× | ${s.offered_per_s} | ${s.accepted_per_s} | ${(s.shed_share * 100).toFixed(1)} % | ${s.latency_breaches.length > 0 ? `**${latency} ✗**` : latency} | ${s.errors > 0 ? `**${s.errors}** (${failures})` : '0'} | ${s.rss_bytes === null ? '?' : mib(s.rss_bytes)} |`;
  });
  const shedding = Object.entries(report.shedding).map(([name, value]) => `${name}=${value}`).join(', ') || 'the defaults';
  return [
    '# Load test: ramp',
    '',
    report.passed ? '**Passed: past the limit the server shed load and kept what it accepted within its objectives, then recovered.**' : '**FAILED:**',
    '',
    ...report.reasons.map((r) => `- ${r}`),
    ...(report.reasons.length > 0 ? [''] : []),
    `API ${report.api_version}, ${report.started_at}: ${report.steps.length} steps of ${report.step_s} s at multiples of ${report.rate_per_s} req/s (open model, vegeta); database ${report.database}; shedding ${shedding}.`,
    '',
    'Shed: 503 `E1502` or 429. Latency is of accepted requests only. Resident memory as each step ended.',
    '',
    '| step | of RATE | offered req/s | accepted req/s | shed | accepted p50 / p95 / p99 ms | other errors | RSS MiB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...report.notes.flatMap((n) => [n, '']),
    '![requests per second](rates.svg)',
    '',
    '![latency of accepted requests](latency.svg)',
    '',
  ].join('\n');
}

export function writeRampReport(outDir: string, report: RampReport): RampReportFiles {
  mkdirSync(outDir, { recursive: true });
  const files = { json: join(outDir, 'loadtest.json'), markdown: join(outDir, 'loadtest.md'), rates: join(outDir, 'rates.svg'), latency: join(outDir, 'latency.svg') };
  const marks: Mark[] = report.steps.map((s, i) => ({ second: report.step_starts_s[i] ?? 0, label: `${s.multiplier}×` }));
  writeFileSync(files.json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(files.markdown, markdown(report));
  writeFileSync(files.rates, ratesSvg(report.seconds, `Ramp around ${report.rate_per_s} req/s: requests per second`, marks));
  writeFileSync(files.latency, latencySvg(report.seconds, latencyThresholds(report.objectives), 'Accepted requests: latency per second', marks));
  return files;
}

/** The lines printed at the end of a run: one per step, then the verdict. */
export function rampSummary(report: RampReport): string {
  const steps = report.steps.map(
    (s, i) =>
      `step ${i + 1} ${`${s.multiplier}×`.padStart(5)} ${String(s.rate_per_s).padStart(6)} req/s  accepted ${String(s.accepted_per_s).padStart(7)}/s  shed ${(s.shed_share * 100).toFixed(1).padStart(5)} %  p95 ${s.accepted_p95_ms} ms  p99 ${s.accepted_p99_ms} ms  errors ${s.errors}  RSS ${s.rss_bytes === null ? '?' : mib(s.rss_bytes)} MiB`,
  );
  return [...steps, ...report.notes, ...report.reasons, report.passed ? 'ramp passed' : 'ramp FAILED', ''].join('\n');
}
