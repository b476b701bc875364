// The one place an error becomes a response: an ApiError shows its catalog entry; anything else
// is logged in full and answered with E1000, which reveals nothing about the cause. An ApiError
// that carries a cause (a dependency that failed) has that cause logged, so every 5xx has one in
// the logs.
import { ApiError, problemOf } from './problem.ts';
import { errorCatalog } from '../generated/errors.ts';
import type { AppContext, AppMiddleware } from './context.ts';

export function handleErrors(): AppMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      writeProblem(ctx, error);
    }
  };
}

export function writeProblem(ctx: AppContext, error: unknown): void {
  const apiError = error instanceof ApiError ? error : new ApiError('E1000', 'An unexpected error occurred. Quote the request_id to support.');
  if (apiError !== error) ctx.state.log.error({ err: error }, 'unhandled error');
  else if (apiError.cause !== undefined) ctx.state.log.error({ err: apiError.cause, error_code: apiError.code }, apiError.message);
  if (apiError.headers) ctx.set(apiError.headers);
  if ((errorCatalog[apiError.code] as { retry?: false }).retry === false) ctx.set('x-should-retry', 'false');
  ctx.status = apiError.status;
  ctx.type = 'application/problem+json';
  ctx.body = problemOf(apiError, ctx.state.requestId, ctx.path);
}
