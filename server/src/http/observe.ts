// Everything recorded about a request once it is answered, in one layer around the rest (one
// frame instead of three on the hot path): its latency and the in-flight gauge, one access log
// line, and the account's usage. It sits outside the error handler, so refusals and failures are
// seen with their final status.
import { UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.ts';
import { recordWhenSent } from '../usage/record-usage.ts';
import type { AccessLog } from '../observability/access-log.ts';
import type { AppContext, AppMiddleware } from './context.ts';
import type { UsageRecorder } from '../usage/usage-meter.ts';

export function observe(metrics: Metrics, usage: UsageRecorder, accessLog: AccessLog): AppMiddleware {
  return (ctx, next) => {
    const start = performance.now();
    metrics.inFlight.inc();
    return next().then(
      () => answered(ctx, metrics, usage, accessLog, start),
      (error: unknown) => {
        answered(ctx, metrics, usage, accessLog, start);
        throw error;
      },
    );
  };
}

function answered(ctx: AppContext, metrics: Metrics, usage: UsageRecorder, accessLog: AccessLog, start: number): void {
  const seconds = (performance.now() - start) / 1000;
  const { route, principal } = ctx.state;
  const operation = route?.operationId ?? null;
  metrics.inFlight.dec();
  metrics.httpDuration.observe({ method: ctx.method, route: operation ?? UNMATCHED_ROUTE, status_code: ctx.status }, seconds);
  accessLog.write({
    requestId: ctx.state.requestId,
    traceId: ctx.state.trace.traceId,
    method: ctx.method,
    path: route?.path ?? null,
    operation,
    status: ctx.status,
    durationMs: Math.round(seconds * 100_000) / 100,
    accountId: principal?.accountId ?? null,
    keyId: principal?.kind === 'key' ? principal.keyId : null,
    ip: ctx.ip,
  });
  recordWhenSent(ctx, usage, start);
}
