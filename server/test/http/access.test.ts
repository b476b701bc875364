// API key management and who may do what, through the real server: every {id} operation with
// another account's credentials, every operation with a key lacking its scope, and every
// user-only operation with a key. The operations come from the route table, so new ones are
// covered as they are added to the spec.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseApiKey } from '../../src/auth/key-format.ts';
import { routes } from '../../src/generated/routes.ts';
import { call, signUp, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
const url = (path: string) => `${server.url}${path}`;

before(async () => {
  // Addresses from X-Forwarded-For, so IPv4 and IPv6 clients can be simulated on loopback.
  server = await startTestServer({ TRUST_PROXY: 'true' });
});
after(() => server.stop());

async function createKey(token: string, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await call(url('/v1/api-keys'), { token, body: { name: 'test', scopes: ['conversions:write'], ...body } });
  assert.equal(res.status, 201, res.text);
  return { id: res.body.api_key.id, secret: res.body.secret };
}

const conversion = { from: 'json', to: 'csv', input: '[{"a":1}]' };

describe('API key management', () => {
  it('creates a key whose secret is shown once and never listed', async () => {
    const user = await signUp(server.url, 'keys@example.com');
    const created = await call(url('/v1/api-keys'), { token: user.access, body: { name: 'ci', scopes: ['conversions:write', 'jobs:read'] } });
    assert.equal(created.status, 201);
    assert.match(created.body.secret, /^tm_[a-z0-9]+_[A-Za-z0-9_-]{43}$/);
    assert.ok(created.body.secret.startsWith(created.body.api_key.prefix));
    const fetched = await call(url(`/v1/api-keys/${created.body.api_key.id}`), { token: user.access });
    assert.equal(fetched.status, 200);
    assert.equal(JSON.stringify(fetched.body).includes(parseApiKey(created.body.secret)!.secret), false);
    assert.equal((await call(url('/v1/conversions'), { key: created.body.secret, body: conversion })).status, 200);
  });

  it('lists keys page by page with cursors', async () => {
    const user = await signUp(server.url, 'pages@example.com');
    for (let i = 0; i < 3; i++) await createKey(user.access, { name: `k${i}` });
    const first = await call(url('/v1/api-keys?limit=2'), { token: user.access });
    assert.equal(first.body.data.length, 2);
    assert.ok(first.body.next_cursor);
    const second = await call(url(`/v1/api-keys?limit=2&cursor=${first.body.next_cursor}`), { token: user.access });
    assert.equal(second.body.data.length, 1);
    assert.equal(second.body.next_cursor, null);
    const names = [...first.body.data, ...second.body.data].map((k: { name: string }) => k.name).sort();
    assert.deepEqual(names, ['k0', 'k1', 'k2']);
    const bad = await call(url('/v1/api-keys?limit=101'), { token: user.access });
    assert.equal(bad.status, 400);
  });

  it('rotates: the old secret works during the grace period only', async () => {
    const user = await signUp(server.url, 'rotate-key@example.com');
    const key = await createKey(user.access, {});
    const rotated = await call(url(`/v1/api-keys/${key.id}/rotate`), { token: user.access, body: { grace_period_seconds: 1 } });
    assert.equal(rotated.status, 200, rotated.text);
    assert.notEqual(rotated.body.secret, key.secret);
    assert.equal((await call(url('/v1/conversions'), { key: key.secret, body: conversion })).status, 200);
    assert.equal((await call(url('/v1/conversions'), { key: rotated.body.secret, body: conversion })).status, 200);
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal((await call(url('/v1/conversions'), { key: key.secret, body: conversion })).status, 401);
    assert.equal((await call(url('/v1/conversions'), { key: rotated.body.secret, body: conversion })).status, 200);
  });

  it('revokes at once', async () => {
    const user = await signUp(server.url, 'revoke-key@example.com');
    const key = await createKey(user.access, {});
    assert.equal((await call(url('/v1/conversions'), { key: key.secret, body: conversion })).status, 200);
    assert.equal((await call(url(`/v1/api-keys/${key.id}`), { method: 'DELETE', token: user.access })).status, 204);
    const res = await call(url('/v1/conversions'), { key: key.secret, body: conversion });
    assert.equal(res.body.code, 'E1104');
  });

  it('honours allowed_ips for IPv4 and IPv6 clients', async () => {
    const user = await signUp(server.url, 'ips@example.com');
    const key = await createKey(user.access, { allowed_ips: ['198.51.100.0/24', '2001:db8::/32'] });
    const from = (ip: string) => call(url('/v1/conversions'), { key: key.secret, body: conversion, headers: { 'X-Forwarded-For': ip } });
    assert.equal((await from('198.51.100.7')).status, 200);
    assert.equal((await from('2001:db8::42')).status, 200);
    const refused = await from('203.0.113.9');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'E1106');
    assert.equal((await from('2001:db9::1')).body.code, 'E1106');
  });
});

describe('ownership (OWASP API1)', () => {
  it('answers every {id} operation on another account\'s key with 404', async () => {
    const owner = await signUp(server.url, 'owner@example.com');
    const other = await signUp(server.url, 'other@example.com');
    const key = await createKey(owner.access, {});
    const idRoutes = routes.filter((r) => r.path.includes('{id}') && r.path.startsWith('/v1/api-keys'));
    assert.ok(idRoutes.length >= 3);
    for (const route of idRoutes) {
      const res = await call(url(route.path.replace('{id}', key.id)), { method: route.method, token: other.access, ...(route.method === 'POST' ? { body: {} } : {}) });
      assert.equal(res.status, 404, `${route.operationId}: ${res.text}`);
      assert.equal(res.body.code, 'E1005');
    }
    assert.equal((await call(url('/v1/conversions'), { key: key.secret, body: conversion })).status, 200, 'the key is untouched');
  });
});

describe('least privilege (OWASP API5)', () => {
  it('refuses a key on every operation that needs a scope it lacks, with 403 E1105', async () => {
    const user = await signUp(server.url, 'scopes@example.com');
    const key = await createKey(user.access, { scopes: ['usage:read'] });
    const scoped = routes.filter((r) => r.security?.key && r.security.key.scopes.length > 0 && !(r.security.key.scopes as readonly string[]).includes('usage:read'));
    assert.ok(scoped.length > 0);
    for (const route of scoped) {
      const res = await call(url(route.path.replace('{id}', 'key_0000000000000000000000aa')), { method: route.method, key: key.secret, ...(route.method === 'POST' ? { body: {} } : {}) });
      assert.equal(res.status, 403, route.operationId);
      assert.equal(res.body.code, 'E1105');
    }
  });

  it('refuses a key on every user-only operation with 403 E1107 (keys cannot manage keys)', async () => {
    const user = await signUp(server.url, 'useronly@example.com');
    const key = await createKey(user.access, { scopes: ['conversions:write', 'jobs:read', 'jobs:write', 'webhooks:read', 'webhooks:write', 'usage:read'] });
    const userOnly = routes.filter((r) => r.security && r.security.key === null);
    assert.ok(userOnly.some((r) => r.operationId === 'createApiKey'));
    for (const route of userOnly) {
      const res = await call(url(route.path.replace('{id}', 'key_0000000000000000000000aa')), { method: route.method, key: key.secret, ...(['POST', 'PATCH'].includes(route.method) ? { body: {} } : {}) });
      assert.equal(res.status, 403, route.operationId);
      assert.equal(res.body.code, 'E1107');
    }
  });
});

describe('audit log', () => {
  it('records security events of the account, and shows them to it only', async () => {
    const user = await signUp(server.url, 'audited@example.com');
    const stranger = await signUp(server.url, 'stranger@example.com');
    await call(url('/v1/auth/login'), { body: { email: 'audited@example.com', password: 'wrong password, twelve+' } });
    const key = await createKey(user.access, { allowed_ips: ['198.51.100.0/24'] });
    await call(url('/v1/conversions'), { key: key.secret, body: conversion, headers: { 'X-Forwarded-For': '203.0.113.9' } });
    await call(url(`/v1/api-keys/${key.id}`), { method: 'DELETE', token: user.access });

    const events = await call(url('/v1/audit-logs?limit=100'), { token: user.access });
    assert.equal(events.status, 200);
    const actions = events.body.data.map((e: { action: string }) => e.action);
    for (const action of ['login.failed', 'api_key.created', 'api_key.revoked']) assert.ok(actions.includes(action), `${action} in ${actions}`);
    const failed = events.body.data.find((e: { action: string }) => e.action === 'login.failed');
    assert.ok(failed.request_id);
    assert.equal(failed.user_agent !== undefined, true);

    const theirs = await call(url('/v1/audit-logs?limit=100'), { token: stranger.access });
    assert.equal(theirs.body.data.some((e: { action: string }) => e.action.startsWith('api_key')), false);
    const filtered = await call(url('/v1/audit-logs?action=api_key.revoked'), { token: user.access });
    assert.deepEqual(filtered.body.data.map((e: { action: string }) => e.action), ['api_key.revoked']);
  });
});
