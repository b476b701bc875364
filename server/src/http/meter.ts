// Rate limiting per the route's x-rate-limit: per API key or user under their plan, or per client
// address on the sign-in endpoints. Every metered response says where the caller stands. Then the
// account's monthly quota, for the principal's plan.
import type { AppContext } from './context.ts';
import type { RouteDefinition } from '../generated/routes.ts';
import type { Principal } from '../auth/principal.ts';

import type { LimitOutcome } from '../limits/rate-limiter.ts';

export type { LimitOutcome };

export interface Meter {
  consume(policy: string, key: string, cost: number): LimitOutcome | Promise<LimitOutcome>;
  applyHeaders(ctx: AppContext, outcome: LimitOutcome): void;
  /** Throws the E1301 problem (with Retry-After) when the outcome is a refusal. */
  rejectIfLimited(outcome: LimitOutcome): void;
}

export interface Quota {
  /** Throws E1302 once the account used its plan's requests this month; waits only for an account it has not counted yet. */
  admit(principal: Principal, route: RouteDefinition): void | Promise<void>;
}

export function meter(ctx: AppContext, route: RouteDefinition, limiter: Meter, quota: Quota): void | Promise<void> {
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
  if (outcome instanceof Promise) {
    return outcome.then((o) => {
      settle(ctx, limiter, o);
      return admit(ctx, route, quota);
    });
  }
  settle(ctx, limiter, outcome);
  return admit(ctx, route, quota);
}

function admit(ctx: AppContext, route: RouteDefinition, quota: Quota): void | Promise<void> {
  const principal = ctx.state.principal;
  if (principal === undefined) return;
  return quota.admit(principal, route);
}

function settle(ctx: AppContext, limiter: Meter, outcome: LimitOutcome): void {
  limiter.applyHeaders(ctx, outcome);
  limiter.rejectIfLimited(outcome);
}
