// One instance, no Redis: counts kept in this process's memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTH_PER_MINUTE, SIGNUP_PER_HOUR, sleep, testLimiter } from './fixtures.ts';

test('exactly the limit passes, counting down; the next is refused', async () => {
  const limiter = testLimiter({ requests: 3, windowS: 60 });
  const outcomes = [];
  for (let i = 0; i < 4; i++) outcomes.push(await limiter.consume('plan:free', 'key_a'));
  const common = { limit: 3, resetS: 60, name: 'free', policy: '"free";q=3;w=60' };
  assert.deepEqual(outcomes, [
    { allowed: true, remaining: 2, ...common },
    { allowed: true, remaining: 1, ...common },
    { allowed: true, remaining: 0, ...common },
    { allowed: false, remaining: 0, ...common },
  ]);
  assert.equal(limiter.status(), 'memory');
  assert.equal(limiter.fallbacks, 0);
});

test('the count starts again when the window ends', async () => {
  const limiter = testLimiter({ requests: 2, windowS: 1 });
  await limiter.consume('plan:free', 'key_a');
  await limiter.consume('plan:free', 'key_a');
  const refused = await limiter.consume('plan:free', 'key_a');
  assert.equal(refused.allowed, false);
  assert.equal(refused.resetS, 1);
  await sleep(1_050);
  const again = await limiter.consume('plan:free', 'key_a');
  assert.deepEqual({ allowed: again.allowed, remaining: again.remaining }, { allowed: true, remaining: 1 });
});

test('keys and policies are counted apart', async () => {
  const limiter = testLimiter({ requests: 1, windowS: 60 });
  assert.equal((await limiter.consume('plan:free', 'key_a')).allowed, true);
  assert.equal((await limiter.consume('plan:free', 'key_a')).allowed, false);
  assert.equal((await limiter.consume('plan:free', 'key_b')).allowed, true, 'another key has its own count');
  const pro = await limiter.consume('plan:pro', 'key_a');
  assert.deepEqual([pro.allowed, pro.remaining, pro.policy], [true, 99, '"pro";q=100;w=60'], 'another plan has its own count');
  assert.equal((await limiter.consume('auth-ip', 'key_a')).allowed, true, 'per-IP policies have their own counts');
});

test('auth-ip allows the configured requests per minute, signup-ip per hour', async () => {
  const limiter = testLimiter({ requests: 1, windowS: 60 });
  const auth = [];
  for (let i = 0; i <= AUTH_PER_MINUTE; i++) auth.push(await limiter.consume('auth-ip', '203.0.113.7'));
  assert.deepEqual(auth.map((o) => o.allowed), [true, true, false]);
  assert.equal(auth[0]!.policy, `"auth-ip";q=${AUTH_PER_MINUTE};w=60`);
  assert.equal(auth[2]!.resetS, 60);
  const signup = [];
  for (let i = 0; i <= SIGNUP_PER_HOUR; i++) signup.push(await limiter.consume('signup-ip', '203.0.113.7'));
  assert.deepEqual(signup.map((o) => o.allowed), [true, false]);
  assert.equal(signup[1]!.policy, `"signup-ip";q=${SIGNUP_PER_HOUR};w=3600`);
  assert.equal(signup[1]!.resetS, 3_600);
});

test('a costly request uses up several requests at once', async () => {
  const limiter = testLimiter({ requests: 3, windowS: 60 });
  assert.deepEqual(await limiter.consume('plan:free', 'key_a', 2).then((o) => [o.allowed, o.remaining]), [true, 1]);
  assert.deepEqual(await limiter.consume('plan:free', 'key_a', 2).then((o) => [o.allowed, o.remaining]), [false, 0]);
});

test('an unknown policy or a cost that is not a positive integer is a programming error', () => {
  const limiter = testLimiter({ requests: 3, windowS: 60 });
  assert.throws(() => limiter.consume('plan:gold' as never, 'key_a'), /unknown rate-limit policy plan:gold/);
  assert.throws(() => limiter.consume('plan:free', 'key_a', 0), RangeError);
  assert.throws(() => limiter.consume('plan:free', 'key_a', 1.5), RangeError);
});
