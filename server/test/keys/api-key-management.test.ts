// API key management against a real PostgreSQL: listing, rotation with a grace period, the IP
// allow-list, other accounts' keys, and the audit events each change leaves.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKeyService, type ChangeOrigin, type VerifyResult } from '../../src/auth/api-keys.ts';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { ApiError } from '../../src/http/problem.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const HOUR_S = 3_600;
const INSIDE_V4 = '203.0.113.9';

let testDb: TestDatabase;
let db: Database;
let keys: ApiKeyService;
let audit: AuditLog;
const logLines: Record<string, unknown>[] = [];
let owner: string;
let stranger: string;
let accounts = 0;

before(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase(testDb.config);
  await db.migrate();
  keys = new ApiKeyService(db, testDb.config);
  audit = new AuditLog(db, createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) }));
  owner = await newAccount();
  stranger = await newAccount();
});

after(async () => {
  await audit?.close();
  await keys?.close();
  await db?.close();
  await testDb?.drop();
});

async function newAccount(): Promise<string> {
  return (await keys.findOrCreateAccount(`user${++accounts}@example.com`, 'pro')).id;
}

function origin(accountId: string): ChangeOrigin {
  return { audit, meta: { ip: '198.51.100.20', userAgent: 'key-tests/1.0', requestId: `req-${accountId}` }, actorType: 'user', actorId: accountId };
}

function verify(secret: string, ip = INSIDE_V4, now?: Date): Promise<VerifyResult> {
  return Promise.resolve(keys.verify(secret, ip, now));
}

function apiErrorWith(code: string, path: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.code, code);
    assert.ok(error.errors?.some((e) => e.path === path), JSON.stringify(error.errors));
    return true;
  };
}

test('create returns the view the API shows, and get and list return the same', async () => {
  // Within API_KEY_MAX_LIFETIME_DAYS, with milliseconds that must survive the round trip.
  const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 90 * 86_400_000 + 123);
  const { key, secret } = await keys.create(owner, {
    name: 'deploy',
    scopes: ['jobs:read', 'conversions:write'],
    expiresAt,
    allowedIps: ['203.0.113.0/24', '2001:DB8::/32', '198.51.100.7'],
  });
  assert.deepEqual(Object.keys(key).sort(), [
    'allowed_ips', 'created_at', 'expires_at', 'id', 'last_used_at', 'name', 'prefix',
    'previous_secret_expires_at', 'revoked_at', 'rotated_at', 'scopes',
  ]);
  assert.equal(key.name, 'deploy');
  assert.equal(key.prefix, secret.slice(0, 'tm_'.length + 16));
  assert.ok(secret.startsWith(`${key.prefix}_`));
  assert.deepEqual(key.scopes, ['jobs:read', 'conversions:write']);
  assert.deepEqual(key.allowed_ips, ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32']);
  assert.equal(key.expires_at, expiresAt.toISOString());
  assert.ok(Math.abs(Date.parse(key.created_at) - Date.now()) < 60_000);
  for (const field of ['last_used_at', 'revoked_at', 'rotated_at', 'previous_secret_expires_at'] as const) assert.equal(key[field], null);
  assert.ok(!JSON.stringify(key).includes(secret.slice(20)), 'no part of the secret is shown');

  assert.deepEqual(await keys.get(key.id, owner), key);
  const listed = await keys.list(owner, { limit: 100 });
  assert.deepEqual(listed.data.find((k) => k.id === key.id), key);
});

test('revoking shows in get and list, and the key stops verifying', async () => {
  const { key, secret } = await keys.create(owner, { name: 'short-lived', scopes: ['usage:read'] });
  assert.ok((await verify(secret)).ok);
  assert.equal(await keys.revoke(key.id, owner), true);
  const revoked = await keys.get(key.id, owner);
  assert.ok(revoked?.revoked_at !== null && revoked !== undefined);
  assert.ok(Math.abs(Date.parse(revoked.revoked_at!) - Date.now()) < 60_000);
  assert.deepEqual(await verify(secret), { ok: false, reason: 'revoked' });
});

test('list pages newest first with a limit of 2, and the cursors cover every key once', async () => {
  const account = await newAccount();
  const created: string[] = [];
  for (let i = 0; i < 5; i++) {
    created.push((await keys.create(account, { name: `k${i}`, scopes: ['jobs:read'] })).key.id);
    await sleep(2); // ids order keys across milliseconds; within one, order is arbitrary
  }
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const result = await keys.list(account, { limit: 2, cursor });
    pages.push(result.data.map((k) => k.id));
    cursor = result.next_cursor ?? undefined;
    if (cursor !== undefined) assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  } while (cursor !== undefined);
  assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
  assert.deepEqual(pages.flat(), [...created].reverse());
  // A page that ends exactly at the last key says so.
  const exact = await keys.list(account, { limit: 5 });
  assert.equal(exact.data.length, 5);
  assert.equal(exact.next_cursor, null);
});

test('a cursor that is not one of ours is a validation error at /query/cursor', async () => {
  const account = await newAccount();
  for (let i = 0; i < 3; i++) await keys.create(account, { name: `k${i}`, scopes: ['jobs:read'] });
  const good = (await keys.list(account, { limit: 1 })).next_cursor!;
  const auditCursor = Buffer.from(`aud_${'0'.repeat(24)}`).toString('base64url');
  for (const cursor of ['not-base64!', 'a2V5Xw', auditCursor, `${good}A`, Buffer.from("key_' or 1=1 --").toString('base64url')]) {
    await assert.rejects(keys.list(account, { limit: 1, cursor }), apiErrorWith('E1001', '/query/cursor'), cursor);
  }
  assert.equal((await keys.list(account, { limit: 1, cursor: good })).data.length, 1);
});

test("another account's key is not found by get, rotate or revoke, and is left untouched", async () => {
  const { key, secret } = await keys.create(owner, { name: 'mine', scopes: ['jobs:read'] });
  assert.equal(await keys.get(key.id, stranger), undefined);
  assert.equal(await keys.rotate(key.id, stranger, 0), undefined);
  assert.equal(await keys.revoke(key.id, stranger), false);
  assert.ok(!(await keys.list(stranger, { limit: 100 })).data.some((k) => k.id === key.id));
  assert.deepEqual(await keys.get(key.id, owner), key);
  assert.ok((await verify(secret)).ok);
  assert.equal(await keys.get('key_0000000000000000000000000', owner), undefined);
});

test('within the grace period both secrets work; after it only the new one', async () => {
  const { key, secret: oldSecret } = await keys.create(owner, { name: 'rotating', scopes: ['jobs:read'] });
  const rotated = await keys.rotate(key.id, owner, HOUR_S);
  assert.ok(rotated);
  const { key: after, secret: newSecret } = rotated;
  assert.notEqual(newSecret, oldSecret);
  assert.equal(after.id, key.id);
  assert.equal(after.prefix, key.prefix, 'the lookup id is kept');
  assert.ok(newSecret.startsWith(`${key.prefix}_`));
  assert.ok(after.rotated_at !== null);
  const graceEnd = Date.parse(after.previous_secret_expires_at!);
  assert.equal(graceEnd - Date.parse(after.rotated_at), HOUR_S * 1000);

  const now = new Date();
  for (const secret of [oldSecret, newSecret]) {
    const result = await verify(secret, INSIDE_V4, now);
    assert.ok(result.ok, secret);
    assert.equal(result.principal.keyId, key.id);
  }
  const later = new Date(graceEnd + 1);
  assert.deepEqual(await verify(oldSecret, INSIDE_V4, later), { ok: false, reason: 'unknown' });
  assert.ok((await verify(newSecret, INSIDE_V4, later)).ok);
});

test('a grace period of 0 ends the old secret at once; a second rotation ends the first secret', async () => {
  const { key, secret: first } = await keys.create(owner, { name: 'twice', scopes: ['jobs:read'] });
  const second = (await keys.rotate(key.id, owner, 0))!.secret;
  assert.deepEqual(await verify(first), { ok: false, reason: 'unknown' });
  assert.ok((await verify(second)).ok);
  const third = (await keys.rotate(key.id, owner, HOUR_S))!.secret;
  assert.ok((await verify(second)).ok, 'in its grace period');
  const fourth = (await keys.rotate(key.id, owner, HOUR_S))!.secret;
  assert.deepEqual(await verify(second), { ok: false, reason: 'unknown' }, 'only the secret just replaced keeps a grace period');
  assert.ok((await verify(third)).ok);
  assert.ok((await verify(fourth)).ok);
});

test('a grace period outside 0..API_KEY_MAX_GRACE_S is refused at /grace_period_seconds, changing nothing', async () => {
  const { key, secret } = await keys.create(owner, { name: 'grace', scopes: ['jobs:read'] });
  const max = testDb.config.apiKeyMaxGraceS;
  for (const grace of [-1, max + 1, 1.5, Number.NaN]) {
    await assert.rejects(keys.rotate(key.id, owner, grace), apiErrorWith('E1001', '/grace_period_seconds'), String(grace));
  }
  assert.equal((await keys.get(key.id, owner))!.rotated_at, null);
  assert.ok((await verify(secret)).ok);
  assert.ok(await keys.rotate(key.id, owner, max), 'the maximum itself is allowed');
});

test('a revoked key cannot be rotated', async () => {
  const { key } = await keys.create(owner, { name: 'gone', scopes: ['jobs:read'] });
  await keys.revoke(key.id, owner);
  assert.equal(await keys.rotate(key.id, owner, 0), undefined);
  assert.equal((await keys.get(key.id, owner))!.rotated_at, null);
});

test('rotating drops the cached key: the new secret verifies at once, the old one stops', async () => {
  const { key, secret: oldSecret } = await keys.create(owner, { name: 'cached', scopes: ['jobs:read'] });
  assert.ok((await verify(oldSecret)).ok);
  assert.ok(!(keys.verify(oldSecret, INSIDE_V4) instanceof Promise), 'the key is cached');
  const { secret: newSecret } = (await keys.rotate(key.id, owner, 0))!;
  assert.ok((await verify(newSecret)).ok);
  assert.deepEqual(await verify(oldSecret), { ok: false, reason: 'unknown' });
});

test('a rotation made by another instance is honoured within a second', async () => {
  const other = new ApiKeyService(db, testDb.config);
  try {
    const { key, secret: oldSecret } = await keys.create(owner, { name: 'two instances', scopes: ['jobs:read'] });
    assert.ok((await Promise.resolve(other.verify(oldSecret, INSIDE_V4))).ok);
    const { secret: newSecret } = (await keys.rotate(key.id, owner, HOUR_S))!;
    await sleep(1_100);
    assert.ok((await Promise.resolve(other.verify(newSecret, INSIDE_V4))).ok);
    assert.ok((await Promise.resolve(other.verify(oldSecret, INSIDE_V4))).ok, 'still within its grace period');
  } finally {
    await other.close();
  }
});

test('the allow-list admits IPv4, IPv6 and IPv4-mapped IPv6 clients inside it, cached or not', async () => {
  const { secret } = await keys.create(owner, { name: 'office', scopes: ['jobs:read'], allowedIps: ['203.0.113.0/24', '2001:db8::/32'] });
  for (const ip of ['203.0.113.9', '2001:db8:5::1', '::ffff:203.0.113.200', '203.0.113.9']) {
    assert.ok((await verify(secret, ip)).ok, ip);
  }
  const cached = keys.verify(secret, '::ffff:203.0.113.1');
  assert.ok(!(cached instanceof Promise) && cached.ok);
});

test('a request from outside the allow-list is ip_not_allowed, but only for the holder of the secret', async () => {
  const { secret } = await keys.create(owner, { name: 'office', scopes: ['jobs:read'], allowedIps: ['203.0.113.0/24', '2001:db8::/32', '192.0.2.44'] });
  for (const ip of ['198.51.100.1', '2001:db9::1', '::ffff:198.51.100.1', '192.0.2.45', '::1', '', 'localhost']) {
    assert.deepEqual(await verify(secret, ip), { ok: false, reason: 'ip_not_allowed' }, ip);
  }
  assert.ok((await verify(secret, '192.0.2.44')).ok, 'a bare address is a /32');
  const wrongSecret = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
  assert.deepEqual(await verify(wrongSecret, '198.51.100.1'), { ok: false, reason: 'unknown' });
});

test('a key without an allow-list is usable from anywhere', async () => {
  const { secret } = await keys.create(owner, { name: 'anywhere', scopes: ['jobs:read'] });
  for (const ip of ['198.51.100.1', '2001:db9::1', '']) assert.ok((await verify(secret, ip)).ok, ip);
});

test('invalid allowed_ips entries are refused one by one, and no key is stored', async () => {
  const account = await newAccount();
  const bad = ['10.0.0.0/33', 'not-an-ip', '2001:db8::/129', 'fe80::1%eth0', '10.0.0.0/8/8', '256.1.1.1'];
  await assert.rejects(
    keys.create(account, { name: 'bad', scopes: ['jobs:read'], allowedIps: ['10.0.0.0/8', ...bad] }),
    (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, 'E1001');
      assert.deepEqual(error.errors?.map((e) => e.path), bad.map((_, i) => `/allowed_ips/${i + 1}`));
      return true;
    },
  );
  assert.deepEqual((await keys.list(account, { limit: 10 })).data, []);
});

test('create, rotate and revoke are audited with who, from where, and never the secret', async () => {
  const account = await newAccount();
  const by = origin(account);
  const { key, secret } = await keys.create(account, { name: 'audited', scopes: ['jobs:read', 'usage:read'], allowedIps: ['203.0.113.0/24'] }, by);
  const { secret: rotatedSecret } = (await keys.rotate(key.id, account, 60, by))!;
  assert.equal(await keys.revoke(key.id, account, by), true);
  assert.equal(await keys.revoke(key.id, stranger, origin(stranger)), false);

  const events = (await audit.list(account, { limit: 10 })).data;
  // Sorted by action: three changes can fall in one millisecond, where id order is arbitrary.
  events.sort((a, b) => a.action.localeCompare(b.action));
  assert.deepEqual(events.map((e) => e.action), ['api_key.created', 'api_key.revoked', 'api_key.rotated']);
  for (const event of events) {
    assert.equal(event.outcome, 'success');
    assert.equal(event.actor_type, 'user');
    assert.equal(event.actor_id, account);
    assert.equal(event.ip, '198.51.100.20');
    assert.equal(event.user_agent, 'key-tests/1.0');
    assert.equal(event.request_id, `req-${account}`);
    assert.equal(event.details.key_id, key.id);
  }
  assert.equal(events[2]!.details.grace_period_seconds, 60);
  assert.match(String(events[2]!.details.previous_secret_expires_at), /^\d{4}-\d\d-\d\dT/);
  assert.equal(events[0]!.details.scopes, 'jobs:read usage:read');
  assert.equal(events[0]!.details.allowed_ips, '203.0.113.0/24');
  assert.deepEqual((await audit.list(stranger, { limit: 10 })).data, [], 'a refused revoke of another account leaves nothing');

  const written = JSON.stringify(events) + JSON.stringify(logLines);
  for (const s of [secret, rotatedSecret]) assert.ok(!written.includes(s.slice(20)), 'no secret in the audit log or its log lines');
  const logged = logLines.filter((line) => line.audit === true && line.account_id === account).map((line) => line.action);
  assert.deepEqual(logged, ['api_key.created', 'api_key.rotated', 'api_key.revoked'], 'logged as they happen');
});
