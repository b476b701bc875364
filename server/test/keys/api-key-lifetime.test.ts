// The server-enforced maximum API-key lifetime (API_KEY_MAX_LIFETIME_DAYS, here 30), through the
// real server over HTTP: a key made without expires_at gets the maximum, a later one is refused with
// E1015 and no key is made, and rotation brings a key that would outlive the maximum down to it.
// A key made before the limit existed is one whose expires_at is later, or unset, in its row.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiKeyService } from '../../src/auth/api-keys.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { call, signUp, startTestServer, type TestServer } from '../support/server.ts';

const DAY_MS = 86_400_000;
const MAX_DAYS = 30;
// Requests and clocks in between: the expiries compared below are "now + 30 days" on each side.
const SLACK_MS = 60_000;

let server: TestServer;
let db: Database;
let users = 0;

before(async () => {
  server = await startTestServer({ API_KEY_MAX_LIFETIME_DAYS: String(MAX_DAYS) });
  db = await openDatabase(server.database.config);
});
after(async () => {
  await db?.close();
  await server?.stop();
});

const url = (path: string) => `${server.url}${path}`;
const user = async () => (await signUp(server.url, `lifetime${++users}@example.com`)).access;
const create = (token: string, body: Record<string, unknown> = {}) =>
  call(url('/v1/api-keys'), { token, body: { name: 'ci', scopes: ['conversions:write'], ...body } });

function aboutMaxFromNow(expiresAt: string | null): void {
  assert.ok(expiresAt !== null, 'an expiry is set');
  assert.ok(Math.abs(Date.parse(expiresAt) - (Date.now() + MAX_DAYS * DAY_MS)) < SLACK_MS, expiresAt);
}

describe('creating a key', () => {
  it('without expires_at gives it the maximum lifetime', async () => {
    const created = await create(await user());
    assert.equal(created.status, 201, created.text);
    aboutMaxFromNow(created.body.api_key.expires_at);
    assert.equal((await call(url('/v1/conversions'), { key: created.body.secret, body: { from: 'json', to: 'csv', input: '[{"a":1}]' } })).status, 200);
  });

  it('keeps an expires_at within the maximum as given', async () => {
    const expiresAt = new Date(Date.now() + (MAX_DAYS - 1) * DAY_MS).toISOString();
    const created = await create(await user(), { expires_at: expiresAt });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.api_key.expires_at, expiresAt);
  });

  it('refuses an expires_at beyond the maximum with E1015 at /expires_at, making no key', async () => {
    const token = await user();
    const refused = await create(token, { expires_at: new Date(Date.now() + (MAX_DAYS + 1) * DAY_MS).toISOString() });
    assert.equal(refused.status, 422, refused.text);
    assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(refused.body.code, 'E1015');
    assert.match(refused.body.detail, new RegExp(`${MAX_DAYS} days`));
    assert.deepEqual(refused.body.errors.map((e: { path: string }) => e.path), ['/expires_at']);
    assert.deepEqual((await call(url('/v1/api-keys'), { token })).body.data, []);
  });
});

describe('rotating a key', () => {
  it('brings an expiry beyond the maximum, or none, down to the maximum from now', async () => {
    const token = await user();
    for (const legacy of [null, new Date(Date.now() + 5 * 365 * DAY_MS)]) {
      const key = (await create(token)).body.api_key;
      await db.orm.em.fork().execute('update api_keys set expires_at = ? where id = ?', [legacy, key.id]);
      assert.equal((await call(url(`/v1/api-keys/${key.id}`), { token })).body.expires_at, legacy?.toISOString() ?? null);
      const rotated = await call(url(`/v1/api-keys/${key.id}/rotate`), { token, body: { grace_period_seconds: 0 } });
      assert.equal(rotated.status, 200, rotated.text);
      aboutMaxFromNow(rotated.body.api_key.expires_at);
      assert.equal((await call(url(`/v1/api-keys/${key.id}`), { token })).body.expires_at, rotated.body.api_key.expires_at);
    }
  });

  it('never extends an expiry within the maximum', async () => {
    const token = await user();
    const expiresAt = new Date(Date.now() + 2 * DAY_MS).toISOString();
    const key = (await create(token, { expires_at: expiresAt })).body.api_key;
    const rotated = await call(url(`/v1/api-keys/${key.id}/rotate`), { token, body: {} });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(rotated.body.api_key.expires_at, expiresAt);
  });
});

describe('API_KEY_MAX_LIFETIME_DAYS', () => {
  it('defaults to 365 days, and 0 lifts the limit: a key may then never expire', async () => {
    assert.equal(loadConfig({ NODE_ENV: 'test', DATA_DIR: server.database.config.dataDir }).apiKeyMaxLifetimeS, 365 * 86_400);
    const unlimited = loadConfig({ NODE_ENV: 'test', DATA_DIR: server.database.config.dataDir, API_KEY_MAX_LIFETIME_DAYS: '0' });
    assert.equal(unlimited.apiKeyMaxLifetimeS, undefined);
    const keys = new ApiKeyService(db, { ...server.database.config, apiKeyMaxLifetimeS: undefined });
    try {
      const account = (await keys.findOrCreateAccount('unlimited@example.com', 'free')).id;
      assert.equal((await keys.create(account, { name: 'forever', scopes: ['jobs:read'] })).key.expires_at, null);
      const far = new Date(Date.now() + 20 * 365 * DAY_MS);
      assert.equal((await keys.create(account, { name: 'far', scopes: ['jobs:read'], expiresAt: far })).key.expires_at, far.toISOString());
    } finally {
      await keys.close();
    }
  });
});
