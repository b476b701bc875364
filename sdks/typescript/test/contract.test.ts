// The SDK against the real server process on the real PostgreSQL (DATABASE_URL): every call goes
// over HTTP exactly as an integrator's would.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../server/test/support/server.ts';
import { eventually, Receiver } from '../../../server/test/webhooks/receiver.ts';
import { NotFoundError, Transmute, AuthenticationError } from '../src/index.ts';

let server: TestServer;
let user: Transmute;
let client: Transmute;
const receiver = new Receiver();

before(async () => {
  server = await startTestServer({ WEBHOOK_ALLOWLIST: '127.0.0.1' });
  await receiver.start();
  const anonymous = new Transmute({ baseURL: server.url, apiKey: undefined });
  const signup = await anonymous.auth.signUp({ email: 'sdk-contract@example.com', password: 'correct horse battery staple' });
  user = new Transmute({ baseURL: server.url, apiKey: signup.tokens.access_token });
  const created = await user.apiKeys.create({ name: 'sdk', scopes: ['conversions:write', 'jobs:read', 'jobs:write', 'webhooks:read', 'webhooks:write', 'usage:read'] });
  client = new Transmute({ baseURL: server.url, apiKey: created.secret });
});

after(async () => {
  await receiver.stop();
  await server?.stop();
});

describe('TypeScript SDK against the real server', () => {
  it('formats.list', async () => {
    const { data, request_id } = await client.formats.list().withResponse();
    assert.ok(data.data.some((f) => f.id === 'csv'));
    assert.ok(request_id);
  });

  it('conversions.create and createBatch', async () => {
    const conversion = await client.conversions.create({ from: 'json', to: 'csv', input: '[{"a":1},{"a":2}]' });
    assert.equal(conversion.output.trim(), 'a\r\n1\r\n2');
    const batch = await client.conversions.createBatch({ items: [{ from: 'json', to: 'yaml', input: '{"a":1}' }, { from: 'json', to: 'csv', input: '{' }] });
    assert.deepEqual(batch.data.map((i) => i.status), ['succeeded', 'failed']);
  });

  it('jobs.createAndWait, getResult and list', async () => {
    const job = await client.jobs.createAndWait({ from: 'json', to: 'ndjson', input: '[{"a":1}]' }, { deadlineMs: 30_000, pollIntervalMs: 50 });
    assert.equal(job.status, 'succeeded');
    assert.equal(String(await client.jobs.getResult(job.id)).trim(), '{"a":1}');
    const ids: string[] = [];
    for await (const j of client.jobs.list({ limit: 1 })) ids.push(j.id);
    assert.ok(ids.includes(job.id));
    await assert.rejects(client.jobs.retrieve('job_' + '0'.repeat(24)), NotFoundError);
  });

  it('apiKeys list, create, retrieve, rotate and revoke with the user token', async () => {
    const created = await user.apiKeys.create({ name: 'rotating', scopes: ['jobs:read'] });
    const listed: string[] = [];
    for await (const key of user.apiKeys.list()) listed.push(key.id);
    assert.ok(listed.includes(created.api_key.id));
    assert.equal((await user.apiKeys.retrieve(created.api_key.id)).id, created.api_key.id);
    const rotated = await user.apiKeys.rotate(created.api_key.id, { grace_period_seconds: 0 });
    assert.notEqual(rotated.secret, created.secret);
    await user.apiKeys.revoke(created.api_key.id);
    await assert.rejects(new Transmute({ baseURL: server.url, apiKey: rotated.secret, maxRetries: 0 }).jobs.list(), AuthenticationError);
  });

  it('me.getAccount and usage.retrieve', async () => {
    const account = await user.me.getAccount();
    assert.equal(account.email, 'sdk-contract@example.com');
    const hour = 3_600_000;
    const usage = await client.usage.retrieve({ from: new Date(Date.now() - hour).toISOString(), to: new Date(Date.now() + hour).toISOString() });
    assert.ok(Array.isArray(usage.data));
  });

  it('webhooks: an endpoint receives a signed event that webhooks.verify accepts', async () => {
    const { endpoint, secret } = await client.webhooks.createEndpoint({ url: `${receiver.url}/hook`, events: ['job.succeeded'] });
    assert.ok(endpoint.id.startsWith('whep_'));
    const job = await client.jobs.createAndWait({ from: 'json', to: 'csv', input: '[{"b":2}]' }, { deadlineMs: 30_000, pollIntervalMs: 50 });
    const delivered = await eventually(() => receiver.received.find((r) => r.body.includes(job.id)), 'the job.succeeded delivery', 20_000);
    const event = await client.webhooks.verify(delivered.body, delivered.headers, secret);
    assert.equal(event.type, 'job.succeeded');
    await assert.rejects(client.webhooks.verify(delivered.body + ' ', delivered.headers, secret));
  });
});
