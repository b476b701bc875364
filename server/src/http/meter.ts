// Rate limiting per the route's x-rate-limit: per API key or user under their plan, or per client
// address on the sign-in endpoints. Every metered response says where the caller stands.
import type { AppContext } from './context.ts';
import type { RouteDefinition } from '../generated/routes.ts';

export interface LimitOutcome {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetS: number;
  policy: string;
}

export interface Meter {
  consume(policy: string, key: string, cost: number): LimitOutcome | Promise<LimitOutcome>;
  applyHeaders(ctx: AppContext, outcome: LimitOutcome): void;
  /** Throws the E1301 problem (with Retry-After) when the outcome is a refusal. */
  rejectIfLimited(outcome: LimitOutcome): void;
}

export function meter(ctx: AppContext, route: RouteDefinition, limiter: Meter): void | Promise<void> {
  const { policy, cost } = route.rateLimit;
  if (policy === 'none') return;
  let name: string;
  let key: string;
  if (policy === 'plan') {
    const principal = ctx.state.principal!;
    name = `plan:${principal.plan}`;
    key = principal.kind === 'key' ? principal.keyId : `user:${principal.accountId}`;
  } else {
    name = policy;
    key = ctx.ip;
  }
  const outcome = limiter.consume(name, key, cost);
  if (outcome instanceof Promise) return outcome.then((o) => settle(ctx, limiter, o));
  settle(ctx, limiter, outcome);
}

function settle(ctx: AppContext, limiter: Meter, outcome: LimitOutcome): void {
  limiter.applyHeaders(ctx, outcome);
  limiter.rejectIfLimited(outcome);
}
