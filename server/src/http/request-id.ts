// First in the chain, so every later log line and error body can carry the request's id.
import { randomFillSync, randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.ts';
import { State, type AppMiddleware, type TraceContext } from './context.ts';

const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// W3C Trace Context, version 00: trace id and parent id must not be all zeros.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

// Trace and span ids are cut from a pool refilled in one call: a call into the CSPRNG per request
// cost more than the rest of this middleware (measured by make bench's profile).
const POOL_BYTES = 24 * 256;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

export function requestId(log: Logger): AppMiddleware {
  return (ctx, next) => {
    const given = ctx.get('x-request-id');
    const id = WELL_FORMED_ID.test(given) ? given : randomUUID();
    const parent = TRACEPARENT.exec(ctx.get('traceparent'));
    const traceId = parent && parent[1] !== ZERO_TRACE && parent[2] !== ZERO_SPAN ? parent[1]! : randomHex(16);
    const spanId = randomHex(8);
    ctx.state = new State(id, { traceId, spanId, flags: parent?.[3] ?? '01' }, log);
    ctx.set('X-Request-Id', id);
    return next();
  };
}

/** The traceparent to send on calls this request makes, so they join its trace. */
export function outgoingTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}
