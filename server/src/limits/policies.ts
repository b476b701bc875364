// What each rate-limit policy allows, and how it reads in the RateLimit-Policy header
// (draft-ietf-httpapi-ratelimit-headers-11 §3: a String item with q=quota and w=window seconds).
import { PLANS, type Plan } from '../db/entities.ts';
import type { Config } from '../config.ts';
import type { Plans } from './plans.ts';

/**
 * `plan:<plan>`: per API key, or per signed-in user's account, at the plan's rate.
 * `auth-ip`: per client IP on log-in, refresh, MFA and OIDC endpoints.
 * `signup-ip`: per client IP on sign-up.
 */
export type LimitPolicy = `plan:${Plan}` | 'auth-ip' | 'signup-ip';

export interface PolicySpec {
  /** The policy's name in RateLimit-Policy and RateLimit. */
  name: string;
  limit: number;
  windowS: number;
  /** The RateLimit-Policy field value, built once rather than per response. */
  header: string;
}

export type PolicyConfig = Pick<Config, 'authRateLimitPerMinute' | 'signupRateLimitPerHour'>;

export function limitPolicies(config: PolicyConfig, plans: Plans): Map<LimitPolicy, PolicySpec> {
  const policies = new Map<LimitPolicy, PolicySpec>();
  for (const plan of PLANS) policies.set(`plan:${plan}`, spec(plan, plans[plan].requests, plans[plan].windowS));
  policies.set('auth-ip', spec('auth-ip', config.authRateLimitPerMinute, 60));
  policies.set('signup-ip', spec('signup-ip', config.signupRateLimitPerHour, 3_600));
  return policies;
}

// Names are plan names or fixed words, so none needs the escaping a structured-field String allows.
function spec(name: string, limit: number, windowS: number): PolicySpec {
  return { name, limit, windowS, header: `"${name}";q=${limit};w=${windowS}` };
}
