// The load plan and its k6 scripts: every loadable operation is planned with its objectives, the
// rest are named with a reason, and the k6 scripts type-check against @types/k6 (k6 itself is
// not installable here).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildLoadPlan } from '../generate/loadtest/plan.ts';
import { loadSpec, operationsOf, ROOT, slaOf } from '../lib/spec.ts';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

it('the k6 scripts type-check with @types/k6', async () => {
  const result = await run(TSC, ['-p', join(ROOT, 'loadtest')], { cwd: ROOT }).catch((error: { stdout: string }) => error);
  assert.equal(result.stdout, '');
});

it('plans or skips, with a reason, every operation, and takes thresholds from x-sla', () => {
  const spec = loadSpec();
  const plan = buildLoadPlan(spec, { createConversion: 1 });
  const accounted = [...plan.operations.map((o) => o.operation_id), ...plan.skipped.map((s) => s.operation_id)].sort();
  assert.deepEqual(accounted, operationsOf(spec).map((o) => o.operationId).sort());
  const conversion = plan.operations.find((o) => o.operation_id === 'createConversion');
  assert.ok(conversion);
  const specOperation = operationsOf(spec).find((o) => o.operationId === 'createConversion')!;
  assert.deepEqual(conversion.sla, slaOf(spec, specOperation.op));
  assert.equal(conversion.auth, 'key');
  assert.deepEqual(JSON.parse(conversion.body!), specOperation.op.requestBody.content['application/json'].examples.csv_to_json.value);
  assert.ok(plan.skipped.every((s) => s.reason.length > 0));
  assert.ok(plan.skipped.some((s) => s.operation_id === 'createJob'), 'an operation that creates objects is not loaded');
});

it('refuses a mix that names an operation the plan cannot load', () => {
  assert.throws(() => buildLoadPlan(loadSpec(), { createJob: 1 }), /createJob is not an operation the plan can load/);
});
