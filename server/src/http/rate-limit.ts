// Rate-limit headers on every response, and the 429 for a refused request. Both the IETF fields
// (draft-ietf-httpapi-ratelimit-headers-11: RateLimit-Policy "name";q=;w= and RateLimit
// "name";r=;t=) and the X-RateLimit-* trio that most clients still read (DESIGN.md).
import type { ParameterizedContext } from 'koa';
import { ApiError } from './problem.ts';
import type { LimitOutcome } from '../limits/rate-limiter.ts';

export function applyRateLimitHeaders(ctx: Pick<ParameterizedContext, 'set'>, outcome: LimitOutcome): void {
  ctx.set(rateLimitHeaders(outcome));
}

/** Throws E1301 (429) with Retry-After when the outcome refused the request. */
export function rejectIfLimited(outcome: LimitOutcome): void {
  if (outcome.allowed) return;
  // Never 0: a client told to retry at once would spin until the window actually turns.
  const retryAfter = Math.max(1, outcome.resetS);
  throw new ApiError('E1301', `Rate limit exceeded; retry in ${retryAfter} seconds.`, {
    headers: { 'Retry-After': String(retryAfter), ...rateLimitHeaders(outcome) },
  });
}

function rateLimitHeaders(outcome: LimitOutcome): Record<string, string> {
  const remaining = String(outcome.remaining);
  const reset = String(outcome.resetS);
  return {
    'RateLimit-Policy': outcome.policy,
    RateLimit: `"${outcome.name}";r=${remaining};t=${reset}`,
    'X-RateLimit-Limit': String(outcome.limit),
    'X-RateLimit-Remaining': remaining,
    'X-RateLimit-Reset': reset,
  };
}
