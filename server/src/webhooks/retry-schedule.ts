// When a failed delivery is tried again. The schedule (Standard Webhooks' suggestion, close to
// Svix's): the first attempt at once, then retries 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after
// the failure before each: 8 attempts over about 27.6 hours, so a receiver down for a day still gets
// everything. After the last failure the delivery is dead (replay brings the event back).
// Each delay is spread by ±10 % so deliveries that failed together do not all return at once.
export const RETRY_DELAYS_MS: readonly number[] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000].map((s) => s * 1000);

const JITTER = 0.1;

/**
 * When to try again after `attemptsMade` attempts all failed; undefined when none is left.
 * `random`: a number in [0, 1), for tests.
 */
export function retryAt(attemptsMade: number, delaysMs: readonly number[], now: Date, random: () => number = Math.random): Date | undefined {
  const delay = delaysMs[attemptsMade - 1];
  if (delay === undefined) return undefined;
  return new Date(now.getTime() + Math.round(delay * (1 + JITTER * (2 * random() - 1))));
}
