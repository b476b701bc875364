// Usage of every authenticated request that reached an operation, with its final status (called
// by http/observe.ts). The record is made when the response has been sent (or the client went
// away), so bytes out and duration cover the sending.
import { Stream, Transform, pipeline } from 'node:stream';
import type { AppContext } from '../http/context.ts';
import type { UsageRecorder } from './usage-meter.ts';

/** Records the request once its response has been sent (or the client went away). */
export function recordWhenSent(ctx: AppContext, meter: UsageRecorder, start: number): void {
  const { principal, route } = ctx.state;
  if (principal === undefined || route === undefined) return;
  // A streamed body has no length up front: count what passes.
  const counted = ctx.body instanceof Stream ? countBytes(ctx, ctx.body) : undefined;

  const done = () =>
    meter.record({
      accountId: principal.accountId,
      keyId: principal.kind === 'key' ? principal.keyId : null,
      operationId: route.operationId,
      status: ctx.status,
      bytesIn: ctx.request.length ?? ctx.state.bodyBytes ?? 0,
      bytesOut: counted?.bytes ?? (Number(ctx.res.getHeader('content-length')) || 0),
      durationMs: performance.now() - start,
      at: Date.now(),
    });
  if (ctx.res.closed) done();
  else ctx.res.once('close', done);
}

function countBytes(ctx: AppContext, body: Stream): { bytes: number } {
  const counted = { bytes: 0 };
  const counter = new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      counted.bytes += Buffer.byteLength(chunk);
      callback(null, chunk);
    },
  });
  // Koa reports a failing body stream itself (app 'error'); the pipeline only has to pass it on.
  ctx.body = pipeline(body as NodeJS.ReadableStream, counter, () => {});
  return counted;
}
