// Plans (PLANS_FILE) whose limits are far above any load this machine can make, so a measurement
// measures the server and not the rate limiter: with the shipped plans, enterprise allows 100
// req/s, and the rest of a bench run would be 429s. The limiter still runs on every request.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

const UNLIMITED = { requests: 1_000_000_000, window_s: 1, monthly_requests: 1_000_000_000_000, webhook_endpoints: 10_000 };

/** Writes the plans file into `dir` and returns its path. */
export function writeUnlimitedPlans(dir: string): string {
  const file = join(dir, 'plans.yaml');
  writeFileSync(file, stringify({ free: UNLIMITED, pro: UNLIMITED, enterprise: UNLIMITED }));
  return file;
}
