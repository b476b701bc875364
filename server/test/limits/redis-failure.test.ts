// When Redis fails, requests are still limited, from this process's memory (the library's insurance
// limiter); status() says 'degraded', the fallback counter grows, and both recover with Redis.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/observability/logger.ts';
import { freePort } from '../support/database.ts';
import { closeLimiters, connectedLimiter, newKey, testLimiter, until } from './fixtures.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

let redis: TestRedis;

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await closeLimiters();
  await redis?.stop();
});

interface LogLine {
  level: string;
  msg: string;
}

function capturedLogger() {
  const lines: LogLine[] = [];
  const log = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}


async function allowedOf(limiter: ReturnType<typeof testLimiter>, key: string, requests: number): Promise<boolean[]> {
  const allowed = [];
  for (let i = 0; i < requests; i++) allowed.push((await limiter.consume('plan:free', key)).allowed);
  return allowed;
}

test('Redis killed: limited in memory and degraded; Redis back: shared again', { timeout: 30_000 }, async () => {
  const { log, lines } = capturedLogger();
  const limiter = await connectedLimiter(redis.url, { requests: 3, windowS: 60 }, log);
  assert.deepEqual(await allowedOf(limiter, newKey(), 1), [true]);
  assert.equal(limiter.fallbacks, 0);

  await redis.kill();
  await until('the limiter to notice', () => limiter.status() === 'degraded');
  assert.deepEqual(await allowedOf(limiter, newKey(), 4), [true, true, true, false], 'still limited, in memory');
  assert.equal(limiter.fallbacks, 4);
  assert.equal(limiter.status(), 'degraded');

  await redis.restart();
  await until('the limiter to reconnect', () => limiter.status() === 'redis');
  const key = newKey();
  assert.deepEqual(await allowedOf(limiter, key, 1), [true]);
  assert.equal(limiter.fallbacks, 4, 'answered by Redis, not the fallback');
  const raw = new Redis(redis.url);
  assert.equal(await raw.get(`transmute:rl:free:${key}`), '1');
  raw.disconnect();

  // One warning per outage, however many reconnect attempts failed, and one line on recovery.
  const rateLimitLines = lines.filter((l) => /Redis/.test(l.msg)).map((l) => `${l.level}: ${l.msg}`);
  assert.deepEqual(rateLimitLines, [
    'warn: Redis unreachable: rate limits are kept in this process until it answers',
    'info: Redis answers again: rate limits are shared across instances',
  ]);
});

// Resumed well within the socket timeout, so the connection never drops and no 'ready' event
// comes: only a check that Redis answers can end the degraded state.
test('Redis stalls on a live connection: a check times out to memory, the next answer recovers', { timeout: 30_000 }, async () => {
  const limiter = await connectedLimiter(redis.url, { requests: 2, windowS: 60 });
  redis.pause();
  try {
    assert.deepEqual(await allowedOf(limiter, newKey(), 1), [true]);
    assert.equal(limiter.fallbacks, 1);
    assert.equal(limiter.status(), 'degraded');
  } finally {
    redis.resume();
  }
  assert.deepEqual(await allowedOf(limiter, newKey(), 1), [true]);
  assert.equal(limiter.fallbacks, 1, 'answered by Redis once it woke up');
  assert.equal(limiter.status(), 'redis');
});

test('Redis unreachable from the start: degraded, and every check is limited in memory', async () => {
  const limiter = testLimiter({ requests: 2, windowS: 60 }, { redisUrl: `redis://127.0.0.1:${await freePort()}` });
  assert.equal(limiter.status(), 'degraded');
  assert.deepEqual(await allowedOf(limiter, newKey(), 3), [true, true, false]);
  assert.equal(limiter.fallbacks, 3);
});
