// CORS for the origins on the allow-list only; other origins get no CORS headers at all.
import cors from '@koa/cors';
import type { AppMiddleware } from './context.ts';

const EXPOSED = ['X-Request-Id', 'Server-Timing', 'Deprecation', 'Sunset', 'Link', 'RateLimit', 'RateLimit-Policy', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'Location'];

export function corsAllowList(origins: readonly string[]): AppMiddleware {
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'traceparent'],
    exposeHeaders: EXPOSED,
    maxAge: 600,
    keepHeadersOnError: true,
  }) as AppMiddleware;
}
