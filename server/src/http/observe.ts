// Everything recorded about a request once it is answered, in one layer around the rest (one
// frame instead of three on the hot path): its latency and the in-flight gauge, one structured
// log line, and the account's usage. It sits outside the error handler, so refusals and failures
// are seen with their final status.
import { UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.ts';
import { recordWhenSent } from '../usage/record-usage.ts';
import type { AppContext, AppMiddleware } from './context.ts';
import type { UsageRecorder } from '../usage/usage-meter.ts';

export function observe(metrics: Metrics, usage: UsageRecorder): AppMiddleware {
  return (ctx, next) => {
    const start = performance.now();
    metrics.inFlight.inc();
    return next().then(
      () => answered(ctx, metrics, usage, start),
      (error: unknown) => {
        answered(ctx, metrics, usage, start);
        throw error;
      },
    );
  };
}

function answered(ctx: AppContext, metrics: Metrics, usage: UsageRecorder, start: number): void {
  const seconds = (performance.now() - start) / 1000;
  const { route, principal } = ctx.state;
  metrics.inFlight.dec();
  metrics.httpDuration.observe({ method: ctx.method, route: route?.operationId ?? UNMATCHED_ROUTE, status_code: ctx.status }, seconds);
  const fields = {
    method: ctx.method,
    path: route?.path ?? null,
    operation: route?.operationId ?? null,
    status: ctx.status,
    duration_ms: Math.round(seconds * 100_000) / 100,
    account_id: principal?.accountId ?? null,
    key_id: principal?.kind === 'key' ? principal.keyId : null,
    ip: ctx.ip,
  };
  if (ctx.status >= 500) ctx.state.log.error(fields, 'request failed');
  else ctx.state.log.info(fields, 'request');
  recordWhenSent(ctx, usage, start);
}
