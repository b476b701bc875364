// The headers and the 429 as a client sees them: a tiny Koa app on loopback with the real error
// middleware, limiting per X-API-Key on the free plan.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import Koa from 'koa';
import { State } from '../../src/http/context.ts';
import { handleErrors } from '../../src/http/handle-errors.ts';
import { applyRateLimitHeaders, rejectIfLimited } from '../../src/http/rate-limit.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { testLimiter } from './fixtures.ts';

const limiter = testLimiter({ requests: 2, windowS: 60 });
let server: Server;
let url: string;

before(async () => {
  const app = new Koa<State>();
  app.use((ctx, next) => {
    ctx.state = new State('req_test', { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', flags: '01' }, createLogger('silent'));
    return next();
  });
  app.use(handleErrors());
  app.use((ctx) =>
    limiter.consume('plan:free', ctx.get('x-api-key')).then((outcome) => {
      applyRateLimitHeaders(ctx, outcome);
      rejectIfLimited(outcome);
      ctx.body = { ok: true };
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/formats`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const RATE_HEADERS = ['ratelimit-policy', 'ratelimit', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'];

function rateHeaders(res: Response): Record<string, string | null> {
  return Object.fromEntries(RATE_HEADERS.map((name) => [name, res.headers.get(name)]));
}

const get = (key: string) => fetch(url, { headers: { 'X-API-Key': key } });

test('allowed responses carry the IETF and X-RateLimit headers, counting down', async () => {
  const first = await get('key_a');
  const second = await get('key_a');
  assert.deepEqual([first.status, second.status], [200, 200]);
  assert.deepEqual(rateHeaders(first), {
    'ratelimit-policy': '"free";q=2;w=60',
    ratelimit: '"free";r=1;t=60',
    'x-ratelimit-limit': '2',
    'x-ratelimit-remaining': '1',
    'x-ratelimit-reset': '60',
    'retry-after': null,
  });
  assert.equal(rateHeaders(second).ratelimit, '"free";r=0;t=60');
  assert.equal(rateHeaders(second)['x-ratelimit-remaining'], '0');
});

test('the request after the limit is a 429 problem with Retry-After and the same headers', async () => {
  assert.deepEqual([(await get('key_c')).status, (await get('key_c')).status], [200, 200]);
  const refused = await get('key_c');
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('content-type'), 'application/problem+json');
  assert.deepEqual(rateHeaders(refused), {
    'ratelimit-policy': '"free";q=2;w=60',
    ratelimit: '"free";r=0;t=60',
    'x-ratelimit-limit': '2',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': '60',
    'retry-after': '60',
  });
  const body = (await refused.json()) as Record<string, unknown>;
  assert.equal(body.code, 'E1301');
  assert.equal(body.status, 429);
  assert.equal(body.detail, 'Rate limit exceeded; retry in 60 seconds.');
  assert.equal(body.request_id, 'req_test');
});

test('another key is not affected', async () => {
  const other = await get('key_b');
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('ratelimit'), '"free";r=1;t=60');
});
