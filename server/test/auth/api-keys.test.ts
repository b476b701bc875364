import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { syncBuiltinESMExports } from 'node:module';
import { after, before, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKeyService, type VerifyResult } from '../../src/auth/api-keys.ts';
import { KEY_SCOPES } from '../../src/auth/scopes.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const HOUR = 3_600_000;
const CLIENT_IP = '203.0.113.7';

let testDb: TestDatabase;
let db: Database;
let keys: ApiKeyService;
let accountId: string;
let queries = 0;

before(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase(testDb.config);
  await db.migrate();
  keys = new ApiKeyService(db, testDb.config);
  accountId = (await keys.findOrCreateAccount('Owner@Example.com', 'pro')).id;
  // Every query takes a connection from the pool: counting checkouts counts round trips.
  const pool = (await db.orm.em.getConnection().getNativeClient()) as EventEmitter;
  pool.on('acquire', () => queries++);
});

after(async () => {
  await keys?.close();
  await db?.close();
  await testDb?.drop();
});

async function settle(outcome: VerifyResult | Promise<VerifyResult>): Promise<VerifyResult> {
  return outcome;
}

function newKey(options: { expiresAt?: Date } = {}) {
  return keys.create(accountId, { name: 'test', scopes: ['jobs:read', 'conversions:write'], ...options });
}

test('a created key verifies to its account, plan and scopes', async () => {
  const { key, secret } = await newKey();
  assert.match(secret, /^tm_[0-9a-z]{16}_[A-Za-z0-9_-]{43}$/);
  assert.match(key.id, /^key_/);
  const result = await settle(keys.verify(secret, CLIENT_IP));
  assert.ok(result.ok);
  assert.equal(result.principal.accountId, accountId);
  assert.equal(result.principal.keyId, key.id);
  assert.equal(result.principal.plan, 'pro');
  assert.deepEqual([...result.principal.scopes].sort(), ['conversions:write', 'jobs:read']);
});

test('a wrong secret for a real lookup id is unknown', async () => {
  const { secret } = await newKey();
  const tampered = secret.slice(0, -2) + (secret.endsWith('AA') ? 'BB' : 'AA');
  assert.deepEqual(await settle(keys.verify(tampered, CLIENT_IP)), { ok: false, reason: 'unknown' });
  // Also once the key is cached.
  assert.ok((await settle(keys.verify(secret, CLIENT_IP))).ok);
  assert.deepEqual(keys.verify(tampered, CLIENT_IP), { ok: false, reason: 'unknown' });
});

test('a malformed key is refused without touching the database', () => {
  const before = queries;
  for (const presented of ['', 'Bearer x', 'tm_short_secret', 'sk_live_0123456789abcdef0123456789']) {
    assert.deepEqual(keys.verify(presented, CLIENT_IP), { ok: false, reason: 'malformed' });
  }
  assert.equal(queries, before);
});

test('an unknown key is unknown, and asking again is answered from memory', async () => {
  const presented = `tm_0000000000000000_${'A'.repeat(43)}`;
  assert.deepEqual(await settle(keys.verify(presented, CLIENT_IP)), { ok: false, reason: 'unknown' });
  const before = queries;
  assert.deepEqual(keys.verify(presented, CLIENT_IP), { ok: false, reason: 'unknown' });
  assert.equal(queries, before);
});

test('a cached key verifies synchronously, with no database query', async () => {
  const { secret } = await newKey();
  assert.ok((await settle(keys.verify(secret, CLIENT_IP))).ok);
  const before = queries;
  for (let i = 0; i < 100; i++) {
    const outcome = keys.verify(secret, CLIENT_IP);
    assert.ok(!(outcome instanceof Promise), 'a cache hit returns the result itself');
    assert.ok(outcome.ok);
  }
  assert.equal(queries, before);
});

test('a key created elsewhere is not verified from memory on its first use', async () => {
  const { secret } = await newKey();
  const before = queries;
  const outcome = keys.verify(secret, CLIENT_IP);
  assert.ok(outcome instanceof Promise);
  assert.ok((await outcome).ok);
  assert.equal(queries, before + 1, 'one query loads the key with its account');
});

test('revoking drops the cached key; revoked is told only to the holder of the secret', async () => {
  const { key, secret } = await newKey();
  assert.ok((await settle(keys.verify(secret, CLIENT_IP))).ok);
  assert.equal(await keys.revoke(key.id, accountId), true);
  assert.deepEqual(await settle(keys.verify(secret, CLIENT_IP)), { ok: false, reason: 'revoked' });
  const wrongSecret = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
  assert.deepEqual(await settle(keys.verify(wrongSecret, CLIENT_IP)), { ok: false, reason: 'unknown' });
});

test('only the owning account can revoke a key', async () => {
  const { key, secret } = await newKey();
  const other = await keys.findOrCreateAccount('other@example.com', 'free');
  assert.equal(await keys.revoke(key.id, other.id), false);
  assert.equal(await keys.revoke('key_doesnotexist', accountId), false);
  assert.ok((await settle(keys.verify(secret, CLIENT_IP))).ok);
});

test('an expired key is expired, also when it is cached', async () => {
  const now = new Date();
  const { secret } = await newKey({ expiresAt: new Date(now.getTime() + HOUR) });
  assert.ok((await settle(keys.verify(secret, CLIENT_IP, now))).ok);
  assert.deepEqual(keys.verify(secret, CLIENT_IP, new Date(now.getTime() + 2 * HOUR)), { ok: false, reason: 'expired' });
  const { secret: expired } = await newKey({ expiresAt: new Date(now.getTime() - 1) });
  assert.deepEqual(await settle(keys.verify(expired, CLIENT_IP, now)), { ok: false, reason: 'expired' });
  const wrongSecret = expired.slice(0, -1) + (expired.endsWith('A') ? 'B' : 'A');
  assert.deepEqual(await settle(keys.verify(wrongSecret, CLIENT_IP, now)), { ok: false, reason: 'unknown' });
});

test('every verification, cached or not, compares hashes with crypto.timingSafeEqual', async (t: TestContext) => {
  const { secret } = await newKey();
  const compare = t.mock.method(crypto, 'timingSafeEqual');
  syncBuiltinESMExports();
  t.after(() => {
    compare.mock.restore();
    syncBuiltinESMExports();
  });
  const compares = async (presented: string) => {
    const before = compare.mock.callCount();
    const { ok } = await settle(keys.verify(presented, CLIENT_IP));
    return { ok, compared: compare.mock.callCount() > before };
  };
  assert.deepEqual(await compares(secret), { ok: true, compared: true });
  assert.deepEqual(await compares(secret), { ok: true, compared: true });
  assert.deepEqual(await compares(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')), { ok: false, compared: true });
});

test('a secret that matched is recognised by its digest: one HMAC per secret, not per request', async (t: TestContext) => {
  const { key, secret } = await newKey();
  const hmac = t.mock.method(crypto, 'createHmac');
  syncBuiltinESMExports();
  t.after(() => {
    hmac.mock.restore();
    syncBuiltinESMExports();
  });
  for (let i = 0; i < 3; i++) assert.ok((await settle(keys.verify(secret, CLIENT_IP))).ok);
  assert.equal(hmac.mock.callCount(), 1);
  const nearMiss = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
  for (let i = 0; i < 2; i++) assert.deepEqual(await settle(keys.verify(nearMiss, CLIENT_IP)), { ok: false, reason: 'unknown' });
  assert.equal(hmac.mock.callCount(), 3, 'a secret that never matched is hashed every time');
  // After a rotation the key is loaded again and nothing is recognised from before: the old secret
  // is judged by its grace period, the new one by its own hash.
  const now = new Date();
  const rotated = (await keys.rotate(key.id, accountId, 60))!;
  assert.ok((await settle(keys.verify(rotated.secret, CLIENT_IP, now))).ok);
  assert.ok((await settle(keys.verify(secret, CLIENT_IP, now))).ok);
  assert.ok((await settle(keys.verify(secret, CLIENT_IP, now))).ok);
  assert.deepEqual(await settle(keys.verify(secret, CLIENT_IP, new Date(now.getTime() + 120_000))), { ok: false, reason: 'unknown' });
  assert.ok((await settle(keys.verify(rotated.secret, CLIENT_IP, new Date(now.getTime() + 120_000)))).ok);
});

test('the secret is never stored, only its HMAC under the pepper', async () => {
  const { key, secret } = await newKey();
  const [row] = await db.orm.em
    .getConnection()
    .execute<Record<string, unknown>[]>('select * from api_keys where id = ?', [key.id]);
  assert.ok(row);
  const secretPart = secret.slice('tm_'.length + 16 + 1);
  const stored = JSON.stringify(row) + String(row.secret_hash);
  assert.ok(!stored.includes(secretPart));
  assert.ok(!(row.secret_hash as Buffer).includes(Buffer.from(secretPart)));
  assert.ok(!(row.secret_hash as Buffer).includes(Buffer.from(secretPart, 'base64url')));
  const expected = crypto.createHmac('sha256', testDb.config.apiKeys.pepper).update(secretPart).digest();
  assert.deepEqual(row.secret_hash, expected);
  assert.equal(row.key_prefix, secret.slice(3, 19));
});

test('last_used_at is written in one batch on flush, not per request', async () => {
  const first = await newKey();
  const second = await newKey();
  await keys.flush();
  // Within the keys' lifetime (API_KEY_MAX_LIFETIME_DAYS): an expired key's use is not a use.
  const usedAt = new Date(Date.now() + 86_400_000);
  for (let i = 0; i < 5; i++) {
    await settle(keys.verify(first.secret, CLIENT_IP, usedAt));
    await settle(keys.verify(second.secret, CLIENT_IP, usedAt));
  }
  const lastUsed = async () => {
    const rows = await db.orm.em
      .getConnection()
      .execute<{ id: string; last_used_at: string | null }[]>('select id, last_used_at from api_keys where id in (?, ?)', [
        first.key.id,
        second.key.id,
      ]);
    const byId = new Map(rows.map((row) => [row.id, row.last_used_at && new Date(row.last_used_at).toISOString()]));
    return [byId.get(first.key.id), byId.get(second.key.id)];
  };
  assert.deepEqual(await lastUsed(), [null, null]);
  const before = queries;
  await keys.flush();
  assert.equal(queries, before + 1, 'one UPDATE for every key used');
  assert.deepEqual(await lastUsed(), [usedAt.toISOString(), usedAt.toISOString()]);
  // An older use flushed later does not move the time backwards.
  await settle(keys.verify(first.secret, CLIENT_IP, new Date(usedAt.getTime() - 3_600_000)));
  await keys.flush();
  assert.deepEqual(await lastUsed(), [usedAt.toISOString(), usedAt.toISOString()]);
});

test('last_used_at is also written every touch interval without a flush call', async () => {
  const config = { ...testDb.config, apiKeys: { ...testDb.config.apiKeys, touchIntervalMs: 100 } };
  const ticking = new ApiKeyService(db, config);
  try {
    const { key, secret } = await ticking.create(accountId, { name: 'tick', scopes: ['jobs:read'] });
    assert.ok((await settle(ticking.verify(secret, CLIENT_IP))).ok);
    const written = async () =>
      (await db.orm.em.getConnection().execute('select 1 from api_keys where id = ? and last_used_at is not null', [key.id])).length === 1;
    for (let waited = 0; !(await written()) && waited < 5_000; waited += 50) await sleep(50);
    assert.ok(await written());
  } finally {
    await ticking.close();
  }
});

test('accounts are found by lowercased email, created once', async () => {
  const created = await Promise.all([1, 2, 3].map(() => keys.findOrCreateAccount(' New@Example.COM ', 'free')));
  assert.equal(new Set(created.map((account) => account.id)).size, 1);
  assert.equal(created[0]!.email, 'new@example.com');
  assert.match(created[0]!.id, /^acct_/);
  const again = await keys.findOrCreateAccount('new@example.com', 'enterprise');
  assert.equal(again.id, created[0]!.id);
  assert.equal(again.plan, 'free');
});

test('scopes must come from KEY_SCOPES', async () => {
  await assert.rejects(
    keys.create(accountId, { name: 'bad', scopes: ['keys:write' as never] }),
    /unknown API key scopes: keys:write/,
  );
  const { key } = await keys.create(accountId, { name: 'all', scopes: KEY_SCOPES });
  assert.deepEqual(key.scopes, [...KEY_SCOPES]);
});

test('a cached key keeps verifying with the database gone', async () => {
  const own = await createTestDatabase();
  const ownDb = await openDatabase(own.config);
  const ownKeys = new ApiKeyService(ownDb, own.config);
  try {
    await ownDb.migrate();
    const account = await ownKeys.findOrCreateAccount('gone@example.com', 'free');
    const { secret } = await ownKeys.create(account.id, { name: 'x', scopes: ['usage:read'] });
    assert.ok((await settle(ownKeys.verify(secret, CLIENT_IP))).ok);
    await own.drop();
    const outcome = ownKeys.verify(secret, CLIENT_IP);
    assert.ok(!(outcome instanceof Promise));
    assert.ok(outcome.ok);
  } finally {
    await ownKeys.close().catch(() => {});
    await ownDb.close().catch(() => {});
    await own.drop();
  }
});
