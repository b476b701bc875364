// Monthly quotas: through the real server with a tiny quota, and two meters on one database
// standing in for two instances, to show how far they can overshoot and that they catch up.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { routes } from '../../src/generated/routes.ts';
import { ApiError } from '../../src/http/problem.ts';
import { ApiKeyService } from '../../src/auth/api-keys.ts';
import { UsageStore } from '../../src/db/usage-store.ts';
import { UsageMeter } from '../../src/usage/usage-meter.ts';
import { monthOf } from '../../src/usage/month.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import type { KeyPrincipal } from '../../src/auth/principal.ts';
import type { Plans } from '../../src/limits/plans.ts';

const QUOTA = 3;

describe('monthly quota through the server', () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'transmute-quota-'));

  before(async () => {
    const plans = join(dir, 'plans.yaml');
    writeFileSync(plans, ['free', 'pro', 'enterprise'].map((p) => `${p}:\n  requests: 1000\n  window_s: 60\n  monthly_requests: ${QUOTA}\n  webhook_endpoints: 5\n`).join(''));
    server = await startTestServer({ PLANS_FILE: plans });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses work past the quota with E1302 and Retry-After until next month, and still shows usage', async () => {
    const key = await server.newKey();
    for (let i = 0; i < QUOTA; i++) assert.equal((await call(`${server.url}/v1/formats`, { key: key.secret })).status, 200);
    const refused = await call(`${server.url}/v1/formats`, { key: key.secret });
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body.code, 'E1302');
    const expected = (monthOf(Date.now()).next - Date.now()) / 1_000;
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(Math.abs(retryAfter - expected) < 5, `Retry-After ${retryAfter}, expected about ${expected}`);
    assert.equal((await call(`${server.url}/v1/conversions`, { key: key.secret, body: { from: 'json', to: 'csv', input: '[]' } })).status, 429);
    // The account can still see why.
    const now = Date.now();
    const usage = await call(`${server.url}/v1/usage?from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`, { key: key.secret });
    assert.equal(usage.status, 200);
  });

  it('counts per account: another account still has its quota', async () => {
    const other = await server.newKey();
    assert.equal((await call(`${server.url}/v1/formats`, { key: other.secret })).status, 200);
  });
});

describe('monthly quota across instances', () => {
  let testDb: TestDatabase;
  let db: Database;
  let keys: ApiKeyService;
  const log = createLogger('silent');
  const plans = { free: { requests: 1, windowS: 1, monthlyRequests: 10 } } as unknown as Plans;
  const route = routes.find((r) => r.operationId === 'listFormats')!;

  before(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.config);
    await db.migrate();
    keys = new ApiKeyService(db, testDb.config);
  });
  after(async () => {
    await keys.close();
    await db.close();
    await testDb.drop();
  });

  const meter = () => new UsageMeter(new UsageStore(db.orm), plans, log, { flushIntervalMs: 3_600_000 });

  function use(instance: UsageMeter, principal: KeyPrincipal, count: number): void {
    for (let i = 0; i < count; i++) {
      instance.record({ accountId: principal.accountId, keyId: principal.keyId, operationId: 'listFormats', status: 200, bytesIn: 0, bytesOut: 10, durationMs: 1, at: Date.now() });
    }
  }

  async function admitted(instance: UsageMeter, principal: KeyPrincipal): Promise<boolean> {
    try {
      await instance.admit(principal, route);
      return true;
    } catch (error) {
      assert.ok(error instanceof ApiError && error.code === 'E1302', String(error));
      return false;
    }
  }

  it('reads the database total once, counts in memory, and catches up with the other instance at each flush', async () => {
    const account = await keys.findOrCreateAccount('two-instances@example.com', 'free');
    const principal: KeyPrincipal = { kind: 'key', accountId: account.id, keyId: 'key_a', plan: 'free', scopes: new Set() };
    const a = meter();
    const b = meter();
    try {
      assert.equal(await admitted(a, principal), true);
      use(a, principal, 6);
      await a.flush();

      // B starts from the database: A's 6.
      assert.equal(await admitted(b, principal), true);
      use(b, principal, 4);
      // B knows all 10 at once, from memory: refused synchronously.
      assert.throws(() => b.admit(principal, route), (error) => error instanceof ApiError && error.code === 'E1302');
      // A has not seen B's 4 (B has not flushed): the overshoot a flush interval allows.
      assert.equal(await admitted(a, principal), true);

      await b.flush();
      use(a, principal, 1);
      await a.flush();
      // A's flush read the total back: 11 of 10.
      assert.equal(await admitted(a, principal), false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('admits without waiting once the account is counted, and without a plan quota at all', async () => {
    const account = await keys.findOrCreateAccount('sync@example.com', 'free');
    const principal: KeyPrincipal = { kind: 'key', accountId: account.id, keyId: 'key_b', plan: 'free', scopes: new Set() };
    const instance = meter();
    const unlimited = new UsageMeter(new UsageStore(db.orm), { free: { requests: 1, windowS: 1 } } as unknown as Plans, log, { flushIntervalMs: 3_600_000 });
    try {
      assert.ok(instance.admit(principal, route) instanceof Promise);
      await instance.admit(principal, route);
      assert.equal(instance.admit(principal, route), undefined);
      assert.equal(unlimited.admit(principal, route), undefined);
    } finally {
      await instance.close();
      await unlimited.close();
    }
  });
});
