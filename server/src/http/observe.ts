// Everything recorded about a request once it is answered, in one layer around the rest (one
// frame instead of four on the hot path): the count of requests in flight (which the load shedder
// caps and a gauge reports), its latency (also told to the client in Server-Timing), one access
// log line, and the account's usage. It sits outside the error handler, so refusals and failures are
// seen with their final status.
import { UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.ts';
import { recordWhenSent } from '../usage/record-usage.ts';
import type { AccessLog } from '../observability/access-log.ts';
import type { LoadShedder } from '../limits/load-shedder.ts';
import type { AppContext, AppMiddleware } from './context.ts';
import type { UsageRecorder } from '../usage/usage-meter.ts';

type InFlight = Pick<LoadShedder, 'inFlight'>;

export function observe(metrics: Metrics, usage: UsageRecorder, accessLog: AccessLog, requests: InFlight): AppMiddleware {
  return (ctx, next) => {
    const start = performance.now();
    requests.inFlight++;
    return next().then(
      () => answered(ctx, metrics, usage, accessLog, requests, start),
      (error: unknown) => {
        answered(ctx, metrics, usage, accessLog, requests, start);
        throw error;
      },
    );
  };
}

function answered(ctx: AppContext, metrics: Metrics, usage: UsageRecorder, accessLog: AccessLog, requests: InFlight, start: number): void {
  const seconds = (performance.now() - start) / 1000;
  const durationMs = Math.round(seconds * 100_000) / 100;
  // Koa writes the head only once the whole chain has resolved (a streamed body too), so the
  // answer still carries it; the time is the server's, before the body's sending.
  ctx.set('Server-Timing', `app;dur=${durationMs}`);
  const { route, principal } = ctx.state;
  const operation = route?.operationId ?? null;
  requests.inFlight--;
  metrics.httpDuration.observe({ method: ctx.method, route: operation ?? UNMATCHED_ROUTE, status_code: ctx.status }, seconds);
  accessLog.write({
    requestId: ctx.state.requestId,
    traceId: ctx.state.trace.traceId,
    method: ctx.method,
    path: route?.path ?? null,
    operation,
    status: ctx.status,
    durationMs,
    accountId: principal?.accountId ?? null,
    keyId: principal?.kind === 'key' ? principal.keyId : null,
    ip: ctx.ip,
  });
  recordWhenSent(ctx, usage, start);
}
