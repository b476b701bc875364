// Behind a trusted proxy (in the chain only then), a request that reached the proxy over plain
// HTTP is sent to HTTPS.
// Reads are redirected; anything else is refused, since its credentials already crossed the
// network in clear and the caller must learn that rather than have it silently fixed.
import { ApiError } from './problem.ts';
import type { AppMiddleware } from './context.ts';

export function httpsRedirect(): AppMiddleware {
  return (ctx, next) => {
    // Only what the proxy reports counts: a probe that reaches us directly carries no header.
    if (ctx.get('x-forwarded-proto').split(',')[0]!.trim().toLowerCase() !== 'http') return next();
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      ctx.status = 301;
      ctx.redirect(`https://${ctx.host}${ctx.originalUrl}`);
      return;
    }
    throw new ApiError('E1008', 'This API is served over HTTPS only.');
  };
}
