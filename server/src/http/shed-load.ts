// Refuses work the instance cannot serve within its objectives (limits/load-shedder.ts decides).
// Second in the chain, right after the request id: a refusal skips authentication, rate limiting,
// body reading and validation, and also the access log line, the latency histogram and usage
// metering, which together cost more than the refusal itself (measured: refusing here answers
// about 1.6 times as many requests a second as refusing at the end of the chain). Refusals are
// counted by transmute_shed_requests_total instead, and alerted on (TransmuteLoadShedding).
import { ApiError } from './problem.ts';
import { writeProblem } from './handle-errors.ts';
import { helmetHeaders } from './security-headers.ts';
import type { AppMiddleware } from './context.ts';
import type { LoadShedder, ShedReason } from '../limits/load-shedder.ts';
import type { Metrics } from '../observability/metrics.ts';

/** The probes and the scrape: an overloaded instance must still be seen as alive and as overloaded. */
const NEVER_SHED = new Set(['/health', '/ready', '/metrics']);

// Built once: an Error captures a stack trace when constructed, work no refusal needs to repeat.
// Nothing in them depends on the request (writeProblem adds the request id and path).
const REFUSALS: Record<ShedReason, ApiError> = {
  // The refused share is revisited four times a second and a lag clears within seconds.
  event_loop: new ApiError('E1502', 'The server is overloaded; retry after the delay in Retry-After.', { headers: { 'Retry-After': '2' } }),
  // A request slot frees as soon as any request in flight is answered.
  in_flight: new ApiError('E1502', 'The server has too many requests in flight; retry after the delay in Retry-After.', { headers: { 'Retry-After': '1' } }),
};

/** helmet's headers, as every other answer carries them (security-headers comes later in the chain). */
const SECURITY = new Map(helmetHeaders());

/** Admitted requests are counted in flight by http/observe.ts, next in the chain. */
export function shedLoad(shedder: LoadShedder, metrics: Pick<Metrics, 'shed'>): AppMiddleware {
  return (ctx, next) => {
    if (NEVER_SHED.has(ctx.path)) return next();
    const reason = shedder.refusal();
    if (reason !== undefined) {
      metrics.shed(reason);
      ctx.res.setHeaders(SECURITY);
      writeProblem(ctx, REFUSALS[reason]);
      return;
    }
    return next();
  };
}
