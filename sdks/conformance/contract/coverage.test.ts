// The contract coverage rule: an operation counts only once the server answered it with a status
// the spec documents as one of its successes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '../../../server/src/observability/metrics.ts';
import { routes } from '../../../server/src/generated/routes.ts';
import { SUCCESS_EXEMPT, coverageReport, successStatuses, uncoveredOperations } from './coverage.ts';

const answer = (metrics: Metrics, route: string, status: number) => metrics.httpDuration.observe({ method: 'GET', route, status_code: String(status) }, 0.01);

/** Metrics where every operation was answered with its first documented success, except `skip`. */
function allSucceeded(skip: readonly string[]): Metrics {
  const metrics = new Metrics();
  for (const { operationId } of routes) if (!skip.includes(operationId)) answer(metrics, operationId, [...successStatuses(operationId)][0]!);
  return metrics;
}

describe('contract coverage', () => {
  it('counts an operation once it answered a documented success, a 3xx included', async () => {
    assert.deepEqual(await uncoveredOperations(allSucceeded([])), []);
    assert.deepEqual(successStatuses('startOidcSignIn'), new Set([302]));
  });

  it('does not count an operation refused with 401, 404 or 422, nor a success the spec does not document', async () => {
    const metrics = allSucceeded(['getJob', 'createJob', 'listFormats']);
    answer(metrics, 'getJob', 404);
    answer(metrics, 'getJob', 401);
    answer(metrics, 'createJob', 422);
    answer(metrics, 'createJob', 200); // createJob documents 202
    assert.deepEqual(new Set(await uncoveredOperations(metrics)), new Set(['getJob', 'createJob', 'listFormats']));
    assert.match(coverageReport(['createJob']), /createJob \(202\)/);
  });

  it('keeps every exemption tied to an operation of the spec, with its reason', () => {
    for (const [operationId, reason] of Object.entries(SUCCESS_EXEMPT)) {
      assert.ok(routes.some((r) => r.operationId === operationId), `${operationId} is not in the spec`);
      assert.ok(reason.trim().length > 0, `${operationId} needs a reason`);
    }
  });
});
