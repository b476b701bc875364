// Idempotency-Key on the operations whose response holds a secret shown once (x-secret-once): API
// key creation and rotation, webhook endpoint creation and secret rotation. A retry does nothing
// twice and answers E1011 naming the object, and the stored record holds no secret.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { call, signUp, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let accounts = 0;

before(async () => {
  // Loopback endpoint URLs pass the SSRF guard only on the allow-list.
  server = await startTestServer({ WEBHOOK_ALLOWLIST: '127.0.0.1' });
});
after(() => server.stop());

type Reply = Awaited<ReturnType<typeof call>>;

function post(path: string, auth: { token?: string; key?: string }, idempotencyKey: string, body?: unknown): Promise<Reply> {
  return call(`${server.url}${path}`, { ...auth, method: 'POST', ...(body === undefined ? {} : { body }), headers: { 'Idempotency-Key': idempotencyKey } });
}

/** The whole stored row as text, so no column can hold the secret unseen. */
async function storedRow(idempotencyKey: string): Promise<{ text: string; response_body: Buffer | null; resource_id: string | null; response_status: number }> {
  const rows = await server.running.db.orm.em
    .fork()
    .execute<{ text: string; response_body: Buffer | null; resource_id: string | null; response_status: number }[]>(
      'select row_to_json(k)::text as text, response_body, resource_id, response_status from idempotency_keys k where key = ?',
      [idempotencyKey],
    );
  assert.equal(rows.length, 1);
  return rows[0]!;
}

function assertSecretShown(reply: Reply, id: string): void {
  assert.equal(reply.status, 409, reply.text);
  assert.equal(reply.body.code, 'E1011');
  assert.equal(reply.headers.get('x-should-retry'), 'false');
  assert.ok(reply.body.detail.includes(id), reply.body.detail);
}

async function assertNoSecretStored(idempotencyKey: string, secret: string, id: string, status: number): Promise<void> {
  const row = await storedRow(idempotencyKey);
  assert.equal(row.response_status, status);
  assert.equal(row.response_body, null);
  assert.equal(row.resource_id, id);
  // The part after the public prefix is what authenticates.
  assert.equal(row.text.includes(secret.slice(-16)), false);
}

describe('Idempotency-Key on API keys', () => {
  let token: string;

  before(async () => {
    token = (await signUp(server.url, `keys${++accounts}@example.com`)).access;
  });

  async function keyIds(): Promise<string[]> {
    const res = await call(`${server.url}/v1/api-keys?limit=100`, { token });
    assert.equal(res.status, 200, res.text);
    return res.body.data.map((k: { id: string }) => k.id);
  }

  it('a retried create makes no second key and names the first, whose secret is not stored', async () => {
    const idem = randomUUID();
    const request = { name: 'retried', scopes: ['conversions:write'] };
    const before = await keyIds();
    const first = await post('/v1/api-keys', { token }, idem, request);
    assert.equal(first.status, 201, first.text);
    const { id } = first.body.api_key;
    const retry = await post('/v1/api-keys', { token }, idem, request);
    assertSecretShown(retry, id);
    assert.equal(retry.text.includes(first.body.secret), false);
    assert.deepEqual(await keyIds(), [id, ...before]);
    await assertNoSecretStored(idem, first.body.secret, id, 201);
    // The key the first request made works.
    assert.equal((await call(`${server.url}/v1/formats`, { key: first.body.secret })).status, 200);
  });

  it('refuses the key for another payload (422 E1010) and makes no key', async () => {
    const idem = randomUUID();
    assert.equal((await post('/v1/api-keys', { token }, idem, { name: 'first', scopes: ['jobs:read'] })).status, 201);
    const before = await keyIds();
    const other = await post('/v1/api-keys', { token }, idem, { name: 'second', scopes: ['jobs:read'] });
    assert.equal(other.status, 422, other.text);
    assert.equal(other.body.code, 'E1010');
    assert.deepEqual(await keyIds(), before);
  });

  it('makes one key for concurrent identical creates', async () => {
    const idem = randomUUID();
    const before = (await keyIds()).length;
    const replies = await Promise.all(Array.from({ length: 6 }, () => post('/v1/api-keys', { token }, idem, { name: 'concurrent', scopes: ['jobs:read'] })));
    const created = replies.filter((r) => r.status === 201);
    assert.equal(created.length, 1, replies.map((r) => r.status).join());
    assert.ok(replies.every((r) => r.status === 201 || (r.status === 409 && ['E1009', 'E1011'].includes(r.body.code))));
    assert.equal((await keyIds()).length, before + 1);
  });

  it('a retried rotation rotates once: the secret it issued stays the key', async () => {
    const created = await post('/v1/api-keys', { token }, randomUUID(), { name: 'rotated', scopes: ['conversions:write'] });
    const { id } = created.body.api_key;
    const idem = randomUUID();
    const first = await post(`/v1/api-keys/${id}/rotate`, { token }, idem, { grace_period_seconds: 0 });
    assert.equal(first.status, 200, first.text);
    const retry = await post(`/v1/api-keys/${id}/rotate`, { token }, idem, { grace_period_seconds: 0 });
    assertSecretShown(retry, id);
    const key = await call(`${server.url}/v1/api-keys/${id}`, { token });
    assert.equal(key.body.rotated_at, first.body.api_key.rotated_at);
    assert.equal((await call(`${server.url}/v1/formats`, { key: first.body.secret })).status, 200);
    await assertNoSecretStored(idem, first.body.secret, id, 200);
  });

  it('stores and replays a refused rotation like any other 4xx', async () => {
    const idem = randomUUID();
    const missing = 'key_000000000000000000000000';
    const first = await post(`/v1/api-keys/${missing}/rotate`, { token }, idem);
    const retry = await post(`/v1/api-keys/${missing}/rotate`, { token }, idem);
    assert.equal(first.status, 404, first.text);
    assert.equal(retry.status, 404);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  });
});

describe('Idempotency-Key on webhook endpoints', () => {
  let key: string;

  before(async () => {
    key = (await server.newKey()).secret;
  });

  async function endpointIds(): Promise<string[]> {
    const res = await call(`${server.url}/v1/webhook-endpoints?limit=100`, { key });
    assert.equal(res.status, 200, res.text);
    return res.body.data.map((e: { id: string }) => e.id);
  }

  it('a retried rotation rotates once and stores no whsec_ secret', async () => {
    const created = await post('/v1/webhook-endpoints', { key }, randomUUID(), { url: 'http://127.0.0.1:9/rotated', events: ['job.succeeded'] });
    assert.equal(created.status, 201, created.text);
    const { id } = created.body.endpoint;
    const idem = randomUUID();
    const first = await post(`/v1/webhook-endpoints/${id}/rotate-secret`, { key }, idem);
    assert.equal(first.status, 200, first.text);
    const retry = await post(`/v1/webhook-endpoints/${id}/rotate-secret`, { key }, idem);
    assertSecretShown(retry, id);
    const endpoint = await call(`${server.url}/v1/webhook-endpoints/${id}`, { key });
    assert.equal(endpoint.body.secret_rotated_at, first.body.endpoint.secret_rotated_at);
    await assertNoSecretStored(idem, first.body.secret, id, 200);
    assert.deepEqual(await endpointIds(), [id]);
  });
});
