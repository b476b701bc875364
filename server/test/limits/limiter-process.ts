// A stand-in for one server process sharing Redis: connects, says "ready", waits for "go" on
// stdin so that every process starts counting at once, then prints whether each request passed.
//   node limiter-process.ts <redis-url> <plans-file> <key> <requests>
import { once } from 'node:events';
import { loadPlans } from '../../src/limits/plans.ts';
import { RateLimiter } from '../../src/limits/rate-limiter.ts';
import { createLogger } from '../../src/observability/logger.ts';

const [redisUrl, plansFile, key, requests] = process.argv.slice(2) as [string, string, string, string];
const limiter = new RateLimiter(
  { redisUrl, authRateLimitPerMinute: 1, signupRateLimitPerHour: 1 },
  loadPlans(plansFile),
  createLogger('silent'),
);
while (limiter.status() !== 'redis') await new Promise((resolve) => setTimeout(resolve, 10));
process.stdout.write('ready\n');
await once(process.stdin, 'data');
const checks = Array.from({ length: Number(requests) }, () => limiter.consume('plan:free', key));
const allowed = (await Promise.all(checks)).map((outcome) => outcome.allowed);
process.stdout.write(JSON.stringify({ allowed, fallbacks: limiter.fallbacks }) + '\n');
await limiter.close();
