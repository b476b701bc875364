// Which operations of the spec an SDK's contract suite has not exercised, read from the server's
// own request histogram: an operation counts once the server answered it below 500. The suite
// cannot claim coverage it did not earn, and an operation added to the spec fails every suite
// until each one calls it.
import type { Metrics } from '../../../server/src/observability/metrics.ts';
import { routes } from '../../../server/src/generated/routes.ts';

export async function uncoveredOperations(metrics: Metrics): Promise<string[]> {
  const answered = new Set<string>();
  for (const { metricName, labels, value } of (await metrics.httpDuration.get()).values) {
    if (metricName === 'http_request_duration_seconds_count' && value > 0 && Number(labels.status_code) < 500) {
      answered.add(String(labels.route));
    }
  }
  return routes.map((route) => route.operationId).filter((operationId) => !answered.has(operationId));
}

export function coverageReport(uncovered: readonly string[]): string {
  return uncovered.length === 0
    ? 'contract coverage: every operation of the spec was answered'
    : `contract coverage: no request of the suite reached ${uncovered.length} operation(s): ${uncovered.join(', ')}`;
}
