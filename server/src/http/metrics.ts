// Latency and in-flight requests per operation, measured around everything the request meets
// (errors included), labelled by operationId: never by raw path, so unknown paths cannot create
// new series.
import { UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.ts';
import type { AppMiddleware } from './context.ts';

export function measure(metrics: Metrics): AppMiddleware {
  return async (ctx, next) => {
    const end = metrics.httpDuration.startTimer();
    metrics.inFlight.inc();
    try {
      await next();
    } finally {
      metrics.inFlight.dec();
      end({ method: ctx.method, route: ctx.state.route?.operationId ?? UNMATCHED_ROUTE, status_code: String(ctx.status) });
    }
  };
}
