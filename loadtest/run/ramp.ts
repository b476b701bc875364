// PROFILE=ramp: vegeta only keeps a constant rate, so the ramp is a sequence of attacks, one per
// step, each at its multiple of RATE, back to back on the same server; its resident memory is read
// from /metrics as each step ends. Returns the report; the verdict is in ramp-evaluate.ts.
import { join } from 'node:path';
import { firstSentAt, targetKey } from './evaluate.ts';
import { evaluateStep, judgeRamp, rampSeconds, type MeasuredStep, type RampStep } from './ramp-evaluate.ts';
import type { RampReport } from './ramp-report.ts';
import { scrapeResidentMemory } from './rss.ts';
import type { LoadtestSettings } from './settings.ts';
import type { PlannedOperation } from './plan.ts';
import { attack, readResults, type Sample } from './vegeta.ts';

export interface RampRun {
  settings: LoadtestSettings;
  vegeta: string;
  targets: string;
  workDir: string;
  origin: string;
  metricsToken: string;
  operations: PlannedOperation[];
  signal: AbortSignal;
  progress(message: string): void;
}

/** What the ramp's report says of the run besides its measurements. */
export type RampContext = Pick<RampReport, 'api_version' | 'database' | 'shedding'>;

export function rampSteps(settings: Pick<LoadtestSettings, 'rate' | 'ramp' | 'durationSeconds'>): RampStep[] {
  // vegeta takes whole requests per second.
  return settings.ramp.map((multiplier) => ({ multiplier, rate_per_s: Math.max(1, Math.round(settings.rate * multiplier)), duration_s: settings.durationSeconds }));
}

/** Runs the steps; `stop` ends the server before the results are decoded (decoding is CPU work of its own). */
export async function runRamp(run: RampRun, context: RampContext, stop: () => Promise<void>): Promise<RampReport> {
  const { settings, vegeta, targets, workDir, signal } = run;
  const steps = rampSteps(settings);
  run.progress(`ramp around ${settings.rate} req/s: ${steps.map((s) => s.rate_per_s).join(' → ')} req/s, ${settings.durationSeconds} s each, after a ${settings.warmupSeconds} s warm-up`);
  await attack(vegeta, targets, steps[0]!.rate_per_s, settings.warmupSeconds, join(workDir, 'warmup.bin'), signal);
  const startedAt = new Date().toISOString();
  const memory: (number | undefined)[] = [];
  for (const [i, step] of steps.entries()) {
    await attack(vegeta, targets, step.rate_per_s, step.duration_s, join(workDir, `step-${i}.bin`), signal);
    memory.push(await scrapeResidentMemory(run.origin, run.metricsToken));
    run.progress(`step ${i + 1}/${steps.length} done (${step.rate_per_s} req/s)`);
  }
  await stop();

  const measured: MeasuredStep[] = [];
  for (const [i, step] of steps.entries()) {
    const samples = await readResults(vegeta, join(workDir, `step-${i}.bin`), join(workDir, `step-${i}.jsonl`));
    measured.push({ step, samples, rssBytes: memory[i] });
  }
  const byTarget = new Map(run.operations.map((o) => [targetKey(o.method, new URL(o.path, run.origin).href), o]));
  const operationOf = (s: Sample) => byTarget.get(targetKey(s.method, s.url));
  const results = measured.map((m) => evaluateStep(m, operationOf));
  const all = measured.flatMap((m) => m.samples);
  const start = firstSentAt(all) ?? 0;
  return {
    profile: 'ramp',
    ...context,
    started_at: startedAt,
    rate_per_s: settings.rate,
    step_s: settings.durationSeconds,
    objectives: run.operations.map((o) => ({ operation_id: o.operation_id, p95_ms: o.sla.p95_ms, p99_ms: o.sla.p99_ms })),
    ...judgeRamp(results),
    steps: results,
    step_starts_s: measured.map((m) => Math.floor(((firstSentAt(m.samples) ?? start) - start) / 1000)),
    seconds: rampSeconds(all, operationOf),
  };
}
