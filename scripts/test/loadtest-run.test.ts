// `make loadtest` end to end, short: the real server on PostgreSQL (DATABASE_URL, else embedded),
// vegeta at a constant rate, the report written, and the exit code telling met from breached.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { XMLValidator } from 'fast-xml-parser';
import { breached, evaluateOperations } from '../../loadtest/run/evaluate.ts';
import { readPlan } from '../../loadtest/run/plan.ts';
import type { Sample } from '../../loadtest/run/vegeta.ts';
import { ROOT } from '../lib/spec.ts';

const run = promisify(execFile);

function loadtest(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, ['loadtest/run.ts'], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

it('loads formats and conversions for 5 s at 200 req/s, writes the report and exits 0', async () => {
  const out = mkdtempSync(join(tmpdir(), 'loadtest-report-'));
  const result = await loadtest({ RATE: '200', DURATION: '5', OPERATIONS: 'listFormats,createConversion', LOADTEST_OUT: out });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(readFileSync(join(out, 'loadtest.json'), 'utf8'));
  assert.equal(report.breached, false);
  assert.deepEqual(report.operations.map((o: { operation_id: string }) => o.operation_id), ['listFormats', 'createConversion']);
  // An open model sends what it was asked to, answered or not.
  assert.equal(report.requests, 1000);
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
