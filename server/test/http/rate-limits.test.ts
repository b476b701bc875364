// Rate limits through the real server: the plan's limit passes, the next request is a 429 with the
// headers, and two server instances sharing one Redis (and one database) enforce one limit.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, type Running } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { startRedis, type TestRedis } from '../limits/redis-server.ts';

const LIMIT = 5;
let redis: TestRedis;
let first: TestServer;
let second: Running;

before(async () => {
  redis = await startRedis();
  const plans = join(mkdtempSync(join(tmpdir(), 'plans-')), 'plans.yaml');
  writeFileSync(plans, ['free', 'pro', 'enterprise'].map((p) => `${p}:\n  requests: ${LIMIT}\n  window_s: 60\n  webhook_endpoints: 5\n`).join(''));
  first = await startTestServer({ REDIS_URL: redis.url, PLANS_FILE: plans });
  // A second instance of the service: same configuration (database, Redis, secrets), its own port.
  second = await start(first.database.config, createLogger('silent'));
});
after(async () => {
  await second.shutdown('test finished');
  await first.stop();
  await redis.stop();
});

it('passes the plan\'s limit across two instances, then answers 429 with the headers', async () => {
  const { secret } = await first.newKey();
  const body = { from: 'json', to: 'json', input: '1' };
  const statuses: number[] = [];
  for (let i = 0; i < LIMIT; i++) {
    const target = i % 2 === 0 ? first.url : second.url;
    const res = await call(`${target}/v1/conversions`, { key: secret, body });
    statuses.push(res.status);
    assert.equal(res.headers.get('x-ratelimit-limit'), String(LIMIT));
    assert.equal(res.headers.get('x-ratelimit-remaining'), String(LIMIT - i - 1));
    assert.equal(res.headers.get('ratelimit-policy'), `"free";q=${LIMIT};w=60`);
  }
  assert.deepEqual(statuses, Array(LIMIT).fill(200));

  for (const target of [first.url, second.url]) {
    const refused = await call(`${target}/v1/conversions`, { key: secret, body });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'E1301');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
    assert.match(refused.headers.get('ratelimit')!, new RegExp(`^"free";r=0;t=${retryAfter}$`));
  }
});

it('reports the shared limiter in readiness', async () => {
  const res = await call(`${first.url}/ready`);
  assert.equal(res.status, 200);
  assert.equal(res.body.checks['redis:connection'][0].status, 'pass');
});
