// One structured line per request, written when the response is done, with its outcome.
import type { AppMiddleware } from './context.ts';

export function accessLog(): AppMiddleware {
  return async (ctx, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const duration_ms = Math.round((performance.now() - start) * 100) / 100;
      const fields = {
        method: ctx.method,
        path: ctx.state.route?.path ?? null,
        operation: ctx.state.route?.operationId ?? null,
        status: ctx.status,
        duration_ms,
        account_id: ctx.state.principal?.accountId ?? null,
        key_id: ctx.state.principal?.kind === 'key' ? ctx.state.principal.keyId : null,
        ip: ctx.ip,
      };
      if (ctx.status >= 500) ctx.state.log.error(fields, 'request failed');
      else ctx.state.log.info(fields, 'request');
    }
  };
}
