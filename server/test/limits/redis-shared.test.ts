// Limits kept in a real Redis: exact, per key, and shared by every limiter (and every process)
// that uses the same Redis.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { closeLimiters, connectedLimiter, newKey, sleep } from './fixtures.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

const PROCESS_SCRIPT = fileURLToPath(new URL('./limiter-process.ts', import.meta.url));

let redis: TestRedis;
let raw: Redis;

before(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url);
});

after(async () => {
  await closeLimiters();
  raw?.disconnect();
  await redis?.stop();
});


test('exactly the limit passes and the next is refused, counted in Redis', async () => {
  const limiter = await connectedLimiter(redis.url, { requests: 3, windowS: 60 });
  const key = newKey();
  const outcomes = [];
  for (let i = 0; i < 4; i++) outcomes.push(await limiter.consume('plan:free', key));
  const common = { limit: 3, resetS: 60, name: 'free', policy: '"free";q=3;w=60' };
  assert.deepEqual(outcomes, [
    { allowed: true, remaining: 2, ...common },
    { allowed: true, remaining: 1, ...common },
    { allowed: true, remaining: 0, ...common },
    { allowed: false, remaining: 0, ...common },
  ]);
  assert.equal(await raw.get(`transmute:rl:free:${key}`), '4');
  assert.ok((await raw.pttl(`transmute:rl:free:${key}`)) > 58_000);

  // Over the limit until the window ends: refused from this process's memory, Redis not asked.
  const again = await limiter.consume('plan:free', key);
  assert.deepEqual([again.allowed, again.remaining, again.resetS], [false, 0, 60]);
  assert.equal(await raw.get(`transmute:rl:free:${key}`), '4');
  assert.deepEqual([limiter.status(), limiter.fallbacks], ['redis', 0]);
});

test('the count starts again when the window ends', async () => {
  const limiter = await connectedLimiter(redis.url, { requests: 2, windowS: 1 });
  const key = newKey();
  await limiter.consume('plan:free', key);
  await limiter.consume('plan:free', key);
  const refused = await limiter.consume('plan:free', key);
  assert.deepEqual([refused.allowed, refused.resetS], [false, 1]);
  await sleep(1_050);
  const again = await limiter.consume('plan:free', key);
  assert.deepEqual([again.allowed, again.remaining], [true, 1]);
});

test('each key has its own count', async () => {
  const limiter = await connectedLimiter(redis.url, { requests: 1, windowS: 60 });
  const [a, b] = [newKey(), newKey()];
  assert.equal((await limiter.consume('plan:free', a)).allowed, true);
  assert.equal((await limiter.consume('plan:free', a)).allowed, false);
  assert.equal((await limiter.consume('plan:free', b)).allowed, true);
  assert.equal((await limiter.consume('auth-ip', a)).allowed, true);
});

test('two limiters on one Redis enforce one limit together', async () => {
  const [first, second] = [await connectedLimiter(redis.url, { requests: 6, windowS: 60 }), await connectedLimiter(redis.url, { requests: 6, windowS: 60 })];
  const key = newKey();
  const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).consume('plan:free', key)));
  assert.equal(outcomes.filter((o) => o.allowed).length, 6);
  const remainders = outcomes.filter((o) => o.allowed).map((o) => o.remaining).sort((a, b) => a - b);
  assert.deepEqual(remainders, [0, 1, 2, 3, 4, 5], 'each allowed request saw the shared count');
  assert.equal(first.fallbacks + second.fallbacks, 0);
});

test('two processes on one Redis enforce one limit together', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'transmute-limits-'));
  try {
    const plansFile = join(dir, 'plans.yaml');
    writeFileSync(plansFile, 'free: { requests: 10, window_s: 60, webhook_endpoints: 1 }\npro: { requests: 1, window_s: 60, webhook_endpoints: 1 }\nenterprise: { requests: 1, window_s: 60, webhook_endpoints: 1 }\n');
    const key = newKey();
    const processes = [0, 1].map(() => startProcess([redis.url, plansFile, key, '8']));
    for (const p of processes) assert.equal(await p.next(), 'ready');
    for (const p of processes) p.go();
    const results = (await Promise.all(processes.map((p) => p.next()))).map((line) => JSON.parse(line) as { allowed: boolean[]; fallbacks: number });
    const allowed = results.flatMap((r) => r.allowed).filter(Boolean).length;
    assert.equal(allowed, 10, JSON.stringify(results));
    assert.deepEqual(results.map((r) => r.fallbacks), [0, 0]);
    assert.deepEqual(await Promise.all(processes.map((p) => p.exited)), [0, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function startProcess(args: string[]) {
  const child = spawn(process.execPath, [PROCESS_SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async next(): Promise<string> {
      const line = await lines.next();
      if (line.done) throw new Error('the limiter process ended early');
      return line.value;
    },
    go: () => child.stdin.end('go\n'),
    exited: new Promise<number | null>((resolve) => child.once('exit', resolve)),
  };
}
