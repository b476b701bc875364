// Which operations of the spec an SDK's contract suite has not exercised, read from the server's
// own request histogram: an operation counts once the server answered it with a status the spec
// documents as one of its successes (2xx or 3xx). A call refused with 401, 404 or 422 proves the
// request reached the server, not that the SDK can use the operation, so it does not count. The
// suite cannot claim coverage it did not earn, and an operation added to the spec fails every
// suite until each one calls it successfully.
import type { Metrics } from '../../../server/src/observability/metrics.ts';
import { routes } from '../../../server/src/generated/routes.ts';

/**
 * Operations a contract suite cannot make succeed, each with the reason; a refusal still has to
 * reach them (any answer below 500). The one place such an exemption may be written: keep it empty
 * unless an operation truly cannot succeed against the contract environment.
 */
export const SUCCESS_EXEMPT: Readonly<Record<string, string>> = {};

/** The statuses the spec documents as an operation's successes. */
export function successStatuses(operationId: string): Set<number> {
  const route = routes.find((r) => r.operationId === operationId);
  if (!route) throw new Error(`no operation ${operationId} in the spec`);
  return new Set(Object.keys(route.responseTypes).map(Number).filter((status) => status >= 200 && status < 400));
}

export async function uncoveredOperations(metrics: Metrics): Promise<string[]> {
  const answered = new Map<string, Set<number>>();
  for (const { metricName, labels, value } of (await metrics.httpDuration.get()).values) {
    if (metricName === 'http_request_duration_seconds_count' && value > 0) {
      const route = String(labels.route);
      answered.set(route, (answered.get(route) ?? new Set()).add(Number(labels.status_code)));
    }
  }
  return routes
    .map((route) => route.operationId)
    .filter((operationId) => {
      const statuses = [...(answered.get(operationId) ?? [])];
      if (operationId in SUCCESS_EXEMPT) return !statuses.some((status) => status < 500);
      const successes = successStatuses(operationId);
      return !statuses.some((status) => successes.has(status));
    });
}

export function coverageReport(uncovered: readonly string[]): string {
  const exempt = Object.entries(SUCCESS_EXEMPT).map(([operationId, reason]) => `${operationId} (${reason})`);
  const note = exempt.length ? `; reached but not required to succeed: ${exempt.join('; ')}` : '';
  return uncovered.length === 0
    ? `contract coverage: every operation of the spec answered with a documented success${note}`
    : `contract coverage: ${uncovered.length} operation(s) never answered with a status the spec documents as a success: ${uncovered.map((id) => `${id} (${[...successStatuses(id)].join('/')})`).join(', ')}${note}`;
}
