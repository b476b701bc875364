// `make loadtest` end to end, short: the real server on PostgreSQL (DATABASE_URL, else embedded),
// vegeta at a constant rate or a ramp, the report written, and the exit code telling met from
// breached; the verdicts themselves on synthetic samples.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { XMLValidator } from 'fast-xml-parser';
import { SettingsError } from '../../loadtest/bench/settings.ts';
import { breached, evaluateOperations } from '../../loadtest/run/evaluate.ts';
import { readPlan, type PlannedOperation } from '../../loadtest/run/plan.ts';
import { evaluateStep, judgeRamp, MAX_RSS_GROWTH, outcomeOf, type StepResult } from '../../loadtest/run/ramp-evaluate.ts';
import { rampSteps } from '../../loadtest/run/ramp.ts';
import { residentMemoryOf } from '../../loadtest/run/rss.ts';
import { readSettings } from '../../loadtest/run/settings.ts';
import type { Sample } from '../../loadtest/run/vegeta.ts';
import { ROOT } from '../lib/spec.ts';

const run = promisify(execFile);

function loadtest(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, ['loadtest/run.ts'], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

// Issue 7: CI runs a short version of the SLA load test, 20 s at 500 req/s over the whole mix.
it('loads the mix for 20 s at 500 req/s, writes the report and exits 0', async () => {
  const out = mkdtempSync(join(tmpdir(), 'loadtest-report-'));
  // Another test file runs beside this one; its CPU makes the server's event loop late, and the
  // server would rightly shed (503 E1502) and count as breaching. Shedding is the ramp's subject;
  // here the plan's objectives are measured on every request, so it is off.
  const result = await loadtest({ RATE: '500', DURATION: '20', LOADTEST_OUT: out, SHED_EVENT_LOOP_DELAY_MS: '0', SHED_MAX_IN_FLIGHT: '0' });
  // On a breach the report says which objective and by how much.
  assert.equal(result.code, 0, `${result.stderr}\n${result.code === 1 ? readFileSync(join(out, 'loadtest.md'), 'utf8') : ''}`);
  const report = JSON.parse(readFileSync(join(out, 'loadtest.json'), 'utf8'));
  assert.equal(report.breached, false);
  const plan = JSON.parse(readFileSync(join(ROOT, 'loadtest', 'generated', 'plan.json'), 'utf8'));
  assert.deepEqual(
    report.operations.map((o: { operation_id: string }) => o.operation_id).sort(),
    Object.keys(plan.mix).sort(),
  );
  // An open model sends what it was asked to, answered or not; sharing two cores with the server
  // and another test file, vegeta can end a few requests short of its schedule.
  assert.ok(report.requests >= 9_900 && report.requests <= 10_000, `${report.requests} requests sent`);
  assert.match(readFileSync(join(out, 'loadtest.md'), 'utf8'), /All objectives met/);
  const svg = readFileSync(join(out, 'latency.svg'), 'utf8');
  assert.equal(XMLValidator.validate(svg), true);
  assert.match(svg, /<polyline /);
});

it('exits 2 on an operation the plan cannot load', async () => {
  const result = await loadtest({ OPERATIONS: 'createJob' });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /createJob is not loadable: creates an object/);
});

it('calls an objective breached when a percentile or the error rate reaches its target', () => {
  const operation = readPlan().operations.find((o) => o.operation_id === 'listFormats')!;
  const url = `http://127.0.0.1:1${operation.path}`;
  const samples = (latencyMs: number, status: number, count: number): Sample[] =>
    Array.from({ length: count }, (_, i) => ({ method: operation.method, url, sentAt: i, latencyMs, status, error: '' }));
  const evaluate = (all: Sample[]) => evaluateOperations(all, [operation], () => url);
  assert.equal(breached(evaluate(samples(1, 200, 1000))), false);
  assert.equal(breached(evaluate([...samples(1, 200, 940), ...samples(operation.sla.p95_ms, 200, 60)])), true);
  assert.equal(breached(evaluate([...samples(1, 200, 999), ...samples(1, 503, 1)])), true, 'one error in 1000 reaches a 0.1 % budget');
  assert.equal(breached(evaluate([])), true, 'no request is no evidence');
});

it('runs a short ramp, reads the server\'s memory at every step, writes both plots and exits 0', async () => {
  const out = mkdtempSync(join(tmpdir(), 'loadtest-ramp-'));
  const result = await loadtest({ PROFILE: 'ramp', RATE: '100', DURATION: '2', RAMP: '0.5,1,0.5', OPERATIONS: 'listFormats,createConversion', LOADTEST_OUT: out });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  const report = JSON.parse(readFileSync(join(out, 'loadtest.json'), 'utf8'));
  assert.equal(report.passed, true, report.reasons.join('\n'));
  assert.deepEqual(report.steps.map((s: StepResult) => [s.rate_per_s, s.requests]), [[50, 100], [100, 200], [50, 100]]);
  for (const step of report.steps as StepResult[]) assert.ok(step.rss_bytes! > 10 * 2 ** 20, `RSS ${step.rss_bytes}`);
  assert.match(readFileSync(join(out, 'loadtest.md'), 'utf8'), /\*\*Passed/);
  for (const svg of ['rates.svg', 'latency.svg'].map((f) => readFileSync(join(out, f), 'utf8'))) {
    assert.equal(XMLValidator.validate(svg), true);
    assert.match(svg, /<polyline /);
  }
});

it('reads PROFILE and RAMP, and refuses a ramp that does not start and end within RATE', () => {
  assert.equal(readSettings({}).profile, 'constant');
  const ramp = readSettings({ PROFILE: 'ramp', RATE: '200' });
  assert.deepEqual([ramp.profile, ramp.durationSeconds, ramp.ramp], ['ramp', 10, [0.5, 1, 2, 3, 1, 0.5]]);
  assert.deepEqual(rampSteps({ ...ramp, rate: 25 }).map((s) => s.rate_per_s), [13, 25, 50, 75, 25, 13]);
  assert.throws(() => readSettings({ PROFILE: 'spike' }), SettingsError);
  assert.throws(() => readSettings({ RAMP: '1,3' }), /start and end at most at 1/);
  assert.throws(() => readSettings({ RAMP: '1,x,1' }), SettingsError);
});

describe('the ramp\'s verdict', () => {
  const operation = readPlan().operations.find((o) => o.operation_id === 'listFormats')!;
  const url = `http://127.0.0.1:1${operation.path}`;
  const operationOf = (s: Sample): PlannedOperation | undefined => (s.url === url ? operation : undefined);
  /** `count` samples sent evenly over a 10 s step. */
  const samples = (count: number, latencyMs: number, status = 200, more: Partial<Sample> = {}): Sample[] =>
    Array.from({ length: count }, (_, i) => ({ method: operation.method, url, sentAt: Math.floor((i * 10_000) / count), latencyMs, status, error: '', ...more }));
  /** `rssMiB` null: the scrape failed. */
  const step = (multiplier: number, all: Sample[], rssMiB: number | null = 100) =>
    evaluateStep({ step: { multiplier, rate_per_s: multiplier * 100, duration_s: 10 }, samples: all, rssBytes: rssMiB === null ? undefined : rssMiB * 2 ** 20 }, operationOf);
  const shed = (count: number) => samples(count, 1, 503, { problem: 'E1502' });
  /** Under the limit, over it (half shed, accepted fast), and back. */
  const healthy = () => [step(0.5, samples(500, 5)), step(3, [...samples(1500, 80), ...shed(1500)], 130), step(0.5, samples(500, 5), 120)];

  it('passes a ramp that shed past the limit, kept accepted requests fast and recovered', () => {
    const steps = healthy();
    assert.deepEqual(judgeRamp(steps), { passed: true, reasons: [], notes: [] });
    assert.deepEqual([steps[1]!.accepted_per_s, steps[1]!.shed_share, steps[1]!.accepted_p99_ms, steps[1]!.errors], [150, 0.5, 80, 0]);
  });

  it('counts 429 and 503 E1502 as shed; any other 503, another status or no answer is a failure', () => {
    assert.equal(outcomeOf(samples(1, 1, 429)[0]!, 200), 'shed');
    assert.equal(outcomeOf(shed(1)[0]!, 200), 'shed');
    assert.equal(outcomeOf(samples(1, 1, 503, { problem: 'E1501' })[0]!, 200), 'error');
    assert.equal(outcomeOf(samples(1, 1, 503)[0]!, 200), 'error');
    const steps = healthy();
    steps[1] = step(3, [...samples(1500, 80), ...shed(1498), ...samples(1, 1, 503, { problem: 'E1000' }), ...samples(1, 10_000, 0, { error: 'timeout' })], 130);
    const verdict = judgeRamp(steps);
    assert.equal(verdict.passed, false);
    assert.deepEqual(verdict.reasons, ['2 requests failed otherwise than by shedding (step 2 (3× RATE): 1 × 503 E1000, 1 × timeout)']);
  });

  it('fails when more accepted requests than the objectives allow are slow, however many were shed', () => {
    const { p95_ms, p99_ms } = operation.sla;
    const steps = healthy();
    // 5 % at the p95 objective is within it, 1 % at the p99 one too.
    steps[1] = step(3, [...samples(1410, 80), ...samples(75, p95_ms), ...samples(15, p99_ms), ...shed(1500)], 130);
    assert.deepEqual([steps[1].slow_shares, judgeRamp(steps).passed], [{ p95: 0.06, p99: 0.01 }, false]);
    steps[1] = step(3, [...samples(1425, 80), ...samples(60, p95_ms), ...samples(15, p99_ms), ...shed(1500)], 130);
    assert.deepEqual([steps[1].slow_shares, judgeRamp(steps).passed], [{ p95: 0.05, p99: 0.01 }, true]);
    steps[1] = step(3, [...samples(1484, 80), ...samples(16, p99_ms), ...shed(1500)], 130);
    assert.deepEqual(judgeRamp(steps).reasons, ['step 2 (3× RATE): of the accepted requests, 1.07 % slower than their p99 objective (at most 1 %)']);
  });

  it('fails when memory ends far above where it started, or was not measured', () => {
    const grown = healthy();
    grown[2] = step(0.5, samples(500, 5), 100 * (1 + MAX_RSS_GROWTH) + 1);
    assert.match(judgeRamp(grown).reasons.join(), /resident memory grew from 100 MiB to 151 MiB/);
    const plateau = healthy();
    plateau[2] = step(0.5, samples(500, 5), 100 * (1 + MAX_RSS_GROWTH));
    assert.equal(judgeRamp(plateau).passed, true);
    const unmeasured = healthy();
    unmeasured[0] = step(0.5, samples(500, 5), null);
    assert.match(judgeRamp(unmeasured).reasons.join(), /resident memory was not measured/);
  });

  it('fails when the last step, back under the limit, still sheds in its second half', () => {
    const steps = healthy();
    steps[2] = step(0.5, [...samples(490, 5), ...shed(10)]);
    assert.deepEqual(judgeRamp(steps).reasons, ['no recovery: step 3 (0.5× RATE) still shed 2 % of the requests of its second half (at most 1 %)']);
    steps[2] = step(0.5, [...samples(495, 5), ...shed(5)]);
    assert.equal(judgeRamp(steps).passed, true, 'under 1 % is within "recovered"');
    // The refused share falls back over a second or two: shedding early in the step is no failure.
    const early = shed(100).map((s) => ({ ...s, sentAt: Math.floor(s.sentAt / 5) }));
    steps[2] = step(0.5, [...samples(400, 5), ...early]);
    assert.deepEqual([steps[2].shed_share, steps[2].late_shed_share, judgeRamp(steps).passed], [0.2, 0, true]);
  });

  it('notes, without failing, a ramp that never reached the limit', () => {
    const verdict = judgeRamp([step(0.5, samples(500, 5)), step(3, samples(3000, 20)), step(0.5, samples(500, 5))]);
    assert.equal(verdict.passed, true);
    assert.match(verdict.notes[0]!, /No step shed anything/);
  });
});

it('reads the resident memory from a Prometheus exposition', () => {
  const text = '# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 123731968\nprocess_resident_memory_bytes_other 1\n';
  assert.equal(residentMemoryOf(text), 123731968);
  assert.equal(residentMemoryOf('nodejs_heap_size_total_bytes 1\n'), undefined);
});
