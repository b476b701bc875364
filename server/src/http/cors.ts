// CORS for the origins on the allow-list only; other origins get no CORS headers at all.
import cors from '@koa/cors';
import spec from '../generated/openapi.json' with { type: 'json' };
import type { AppMiddleware } from './context.ts';

// A browser hands cross-origin code only the headers named here, so every response header the spec
// documents is named (X-Should-Retry tells an SDK not to retry; Content-Disposition names a
// download). Set-Cookie is never readable from script, and CORS's own headers are not the API's.
const NOT_EXPOSED = new Set(['set-cookie', 'access-control-allow-origin']);

/** The response header names the spec documents, in the spec's spelling. */
function documentedResponseHeaders(): string[] {
  const names = new Set<string>();
  const visit = (node: unknown, inResponse: boolean): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (inResponse && key === 'headers' && typeof value === 'object' && value !== null) {
        for (const name of Object.keys(value)) if (!NOT_EXPOSED.has(name.toLowerCase())) names.add(name);
      } else {
        visit(value, inResponse || key === 'responses');
      }
    }
  };
  visit(spec.paths, false);
  visit(spec.components.responses, true);
  return [...names].sort();
}

export function corsAllowList(origins: readonly string[]): AppMiddleware {
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'traceparent'],
    exposeHeaders: documentedResponseHeaders(),
    maxAge: 600,
    keepHeadersOnError: true,
  }) as AppMiddleware;
}
