// Limiters with small, known limits for the tests: the free plan as given, the others far apart.
import { randomUUID } from 'node:crypto';
import { RateLimiter } from '../../src/limits/rate-limiter.ts';
import type { PlanLimit, Plans } from '../../src/limits/plans.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';

export const AUTH_PER_MINUTE = 2;
export const SIGNUP_PER_HOUR = 1;

export function testPlans(free: PlanLimit): Plans {
  return { free, pro: { requests: 100, windowS: 60 }, enterprise: { requests: 1_000, windowS: 60 } };
}

const open: RateLimiter[] = [];

/** A limiter that closeLimiters() closes, so a failed test cannot leave a Redis client reconnecting. */
export function testLimiter(free: PlanLimit, options: { redisUrl?: string; log?: Logger } = {}): RateLimiter {
  const limiter = new RateLimiter(
    { redisUrl: options.redisUrl, authRateLimitPerMinute: AUTH_PER_MINUTE, signupRateLimitPerHour: SIGNUP_PER_HOUR },
    testPlans(free),
    options.log ?? createLogger('silent'),
  );
  open.push(limiter);
  return limiter;
}

/** A limiter on the Redis at `redisUrl`, once it is connected. */
export async function connectedLimiter(redisUrl: string, free: PlanLimit, log?: Logger): Promise<RateLimiter> {
  const limiter = testLimiter(free, { redisUrl, ...(log ? { log } : {}) });
  await until('the limiter to reach Redis', () => limiter.status() === 'redis');
  return limiter;
}

/** A key no other test uses, so tests sharing one Redis never share a count. */
export const newKey = (): string => `key_${randomUUID()}`;

export async function closeLimiters(): Promise<void> {
  await Promise.all(open.splice(0).map((limiter) => limiter.close()));
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function until(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
