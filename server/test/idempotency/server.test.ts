// Idempotency-Key through the real server, on an operation that creates something: retries of
// POST /v1/webhook-endpoints, one after another or all at once, create exactly one endpoint. Its
// response holds a secret shown once, so a retry names the endpoint (E1011) instead of replaying it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { call, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let key: string;

before(async () => {
  // Loopback endpoint URLs pass the SSRF guard only on the allow-list.
  server = await startTestServer({ WEBHOOK_ALLOWLIST: '127.0.0.1' });
  key = (await server.newKey()).secret;
});
after(() => server.stop());

const endpoint = (path: string) => ({ url: `http://127.0.0.1:9/${path}`, events: ['job.succeeded'] });

function create(idempotencyKey: string, body: unknown) {
  return call(`${server.url}/v1/webhook-endpoints`, { key, body, headers: { 'Idempotency-Key': idempotencyKey } });
}

async function endpointUrls(): Promise<string[]> {
  const res = await call(`${server.url}/v1/webhook-endpoints?limit=100`, { key });
  assert.equal(res.status, 200, res.text);
  return res.body.data.map((e: { url: string }) => e.url);
}

describe('Idempotency-Key on the real server', () => {
  it('answers a retried create with the endpoint it made, not its secret: one endpoint', async () => {
    const idem = randomUUID();
    const first = await create(idem, endpoint('retried'));
    const second = await create(idem, endpoint('retried'));
    assert.equal(first.status, 201, first.text);
    assert.equal(second.status, 409, second.text);
    assert.equal(second.body.code, 'E1011');
    assert.ok(second.body.detail.includes(first.body.endpoint.id), second.body.detail);
    assert.equal(second.text.includes(first.body.secret), false);
    assert.equal((await endpointUrls()).filter((u) => u.endsWith('/retried')).length, 1);
  });

  it('creates one endpoint for concurrent identical requests', async () => {
    const idem = randomUUID();
    const replies = await Promise.all(Array.from({ length: 8 }, () => create(idem, endpoint('concurrent'))));
    assert.ok(replies.every((r) => r.status === 201 || (r.status === 409 && ['E1009', 'E1011'].includes(r.body.code))), replies.map((r) => r.status).join());
    assert.equal(replies.filter((r) => r.status === 201).length, 1);
    assert.equal((await endpointUrls()).filter((u) => u.endsWith('/concurrent')).length, 1);
  });

  it('refuses the key for another payload (422 E1010)', async () => {
    const idem = randomUUID();
    assert.equal((await create(idem, endpoint('first'))).status, 201);
    const other = await create(idem, endpoint('second'));
    assert.equal(other.status, 422);
    assert.equal(other.body.code, 'E1010');
    assert.equal((await endpointUrls()).filter((u) => u.endsWith('/second')).length, 0);
  });

  it('checks the header on every operation that takes it', async () => {
    const job = { from: 'csv', to: 'json', input: 'a\n1\n' };
    const res = await call(`${server.url}/v1/jobs`, { key, body: job, headers: { 'Idempotency-Key': 'k'.repeat(256) } });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.code, 'E1001');
    assert.equal(res.body.errors[0].path, '/header/Idempotency-Key');
  });
});
