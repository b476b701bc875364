// Webhook delivery end to end: endpoints created through the real server, events recorded in a
// transaction as a change would, two delivery workers sharing the outbox, and a loopback receiver
// that checks signatures with the standardwebhooks package (an independent implementation).
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { recordEvent } from '../../src/webhooks/events.ts';
import { call } from '../support/server.ts';
import { eventually, OK, Receiver, type Received } from './receiver.ts';
import { startWebhookFixture, type WebhookFixture } from './fixture.ts';

let fx: WebhookFixture;
const receiver = new Receiver();

before(async () => {
  // Two workers on one database: every delivery below must still arrive exactly once.
  fx = await startWebhookFixture({ workers: 2 });
  await receiver.start();
});

after(async () => {
  await receiver.stop();
  await fx?.close();
});

beforeEach(() => {
  receiver.answer = OK;
});

function headersOf(request: Received): Record<string, string> {
  return {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
}

async function attempts(key: string, endpointId: string): Promise<any[]> {
  const res = await call(`${fx.server.url}/v1/webhook-endpoints/${endpointId}/deliveries?limit=100`, { key });
  assert.equal(res.status, 200, res.text);
  return res.body.data;
}

test('an endpoint is created with a whsec_ secret shown once, and read back without it', async () => {
  const { key } = await fx.account();
  const created = await call(`${fx.server.url}/v1/webhook-endpoints`, {
    key,
    body: { url: `${receiver.url}/hooks`, description: 'billing', events: ['job.succeeded', 'job.failed'] },
  });
  assert.equal(created.status, 201, created.text);
  assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(created.body.secret.slice('whsec_'.length), 'base64').length, 32);
  const endpoint = created.body.endpoint;
  assert.match(endpoint.id, /^whep_[0-9a-z]{24}$/);
  assert.deepEqual(
    { url: endpoint.url, description: endpoint.description, events: endpoint.events, enabled: endpoint.enabled, disabled_reason: endpoint.disabled_reason },
    { url: `${receiver.url}/hooks`, description: 'billing', events: ['job.succeeded', 'job.failed'], enabled: true, disabled_reason: null },
  );

  const read = await call(`${fx.server.url}/v1/webhook-endpoints/${endpoint.id}`, { key });
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, endpoint);
  const listed = await call(`${fx.server.url}/v1/webhook-endpoints`, { key });
  assert.deepEqual(listed.body, { data: [endpoint], next_cursor: null });
  assert.ok(!read.text.includes(created.body.secret.slice(6)) && !listed.text.includes('whsec_'));

  // Stored sealed: the secret's bytes are nowhere in the row.
  const [row] = await fx.db.orm.em.getConnection().execute<{ secret: Buffer }[]>('select secret from webhook_endpoints where id = ?', [endpoint.id]);
  assert.ok(row && !row.secret.includes(Buffer.from(created.body.secret.slice(6), 'base64')));
});

test('an event reaches the endpoint, signed so that standardwebhooks verifies it, and only with the right secret', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/in`, ['job.succeeded']);
  const eventId = await fx.record(accountId, 'job.succeeded', { job_id: 'job_abc', status: 'succeeded', bytes: 12, partial: false, note: null });

  const [request] = await eventually(() => receiver.of(eventId).length > 0 && receiver.of(eventId), 'the delivery');
  assert.ok(request);
  assert.equal(request.path, '/in');
  assert.equal(request.headers['content-type'], 'application/json');
  const timestamp = Number(request.headers['webhook-timestamp']);
  assert.ok(Math.abs(timestamp - Date.now() / 1000) < 30, 'webhook-timestamp is the attempt time in unix seconds');

  const verified = new Webhook(endpoint.secret).verify(request.body, headersOf(request)) as Record<string, unknown>;
  const events = await call(`${fx.server.url}/v1/events`, { key });
  assert.equal(events.status, 200);
  assert.deepEqual(events.body.data, [verified]);
  assert.deepEqual(verified, {
    id: eventId,
    type: 'job.succeeded',
    created_at: verified.created_at,
    data: { job_id: 'job_abc', status: 'succeeded', bytes: 12, partial: false, note: null },
  });
  assert.match(String(verified.created_at), /^\d{4}-\d\d-\d\dT/);

  const wrong = new Webhook(Buffer.alloc(32, 7).toString('base64'));
  assert.throws(() => wrong.verify(request.body, headersOf(request)), /signature/i);
  assert.throws(() => new Webhook(endpoint.secret).verify(request.body.replace('job_abc', 'job_abd'), headersOf(request)), /signature/i);

  const [attempt] = await eventually(async () => {
    const list = await attempts(key, endpoint.id);
    return list.length > 0 && list;
  }, 'the attempt record');
  assert.ok(attempt);
  assert.match(attempt.id, /^whdl_[0-9a-z]{24}$/);
  assert.deepEqual(
    { event_id: attempt.event_id, event_type: attempt.event_type, attempt: attempt.attempt, status: attempt.status, response_status: attempt.response_status, response_excerpt: attempt.response_excerpt, error: attempt.error },
    { event_id: eventId, event_type: 'job.succeeded', attempt: 1, status: 'succeeded', response_status: 200, response_excerpt: 'ok', error: null },
  );
  assert.ok(typeof attempt.latency_ms === 'number' && attempt.latency_ms >= 0);
});

test('only subscribed, enabled endpoints of the same account are queued, and a rolled-back change announces nothing', async () => {
  const { key, accountId } = await fx.account();
  const other = await fx.account();
  const subscribed = await fx.endpoint(key, `${receiver.url}/subscribed`, ['job.failed']);
  await fx.endpoint(key, `${receiver.url}/not-subscribed`, ['job.succeeded']);
  const paused = await fx.endpoint(key, `${receiver.url}/paused`, ['job.failed']);
  await fx.endpoint(other.key, `${receiver.url}/other-account`, ['job.failed']);
  const pause = await call(`${fx.server.url}/v1/webhook-endpoints/${paused.id}`, { method: 'PATCH', key, body: { enabled: false } });
  assert.equal(pause.status, 200);
  assert.equal(pause.body.enabled, false);
  assert.equal(pause.body.disabled_reason, 'Paused by the account.');

  let rolledBack: string | undefined;
  await assert.rejects(
    fx.db.orm.em.fork().transactional(async (em) => {
      rolledBack = await recordEvent(em, { accountId, type: 'job.failed', data: { job_id: 'job_x' } });
      throw new Error('the change failed');
    }),
    /the change failed/,
  );
  await assert.rejects(recordEvent(fx.db.orm.em.fork(), { accountId, type: 'job.failed', data: {} }), /inside the transaction/);
  const eventId = await fx.record(accountId, 'job.failed', { job_id: 'job_y', status: 'failed' });

  await eventually(() => receiver.of(eventId).length > 0, 'the delivery');
  await sleep(400);
  assert.deepEqual(receiver.of(eventId).map((request) => request.path), ['/subscribed']);
  assert.equal(receiver.of(rolledBack!).length, 0);
  const events = await call(`${fx.server.url}/v1/events?type=job.failed`, { key });
  assert.deepEqual(events.body.data.map((event: { id: string }) => event.id), [eventId]);
  assert.equal((await attempts(key, subscribed.id)).length, 1);
});

test('after a rotation deliveries carry two signatures, each verifying with its own secret', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/rotating`, ['export.ready']);
  const rotated = await call(`${fx.server.url}/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: 'POST', key });
  assert.equal(rotated.status, 200, rotated.text);
  assert.match(rotated.body.secret, /^whsec_/);
  assert.notEqual(rotated.body.secret, endpoint.secret);
  assert.ok(rotated.body.endpoint.secret_rotated_at);

  const eventId = await fx.record(accountId, 'export.ready', { export_id: 'exp_1' });
  const [request] = await eventually(() => receiver.of(eventId).length > 0 && receiver.of(eventId), 'the delivery');
  assert.ok(request);
  const signatures = String(request.headers['webhook-signature']).split(' ');
  assert.equal(signatures.length, 2);
  assert.ok(signatures.every((signature) => signature.startsWith('v1,')));
  // Each secret alone verifies: the receiver can switch whenever it likes.
  new Webhook(rotated.body.secret).verify(request.body, headersOf(request));
  new Webhook(endpoint.secret).verify(request.body, headersOf(request));
  // Newest first: one signature under the new secret, one under the previous.
  const alone = (signature: string) => ({ ...headersOf(request), 'webhook-signature': signature });
  new Webhook(rotated.body.secret).verify(request.body, alone(signatures[0]!));
  new Webhook(endpoint.secret).verify(request.body, alone(signatures[1]!));
  assert.throws(() => new Webhook(rotated.body.secret).verify(request.body, alone(signatures[1]!)), /signature/i);
});

test('while the receiver is down deliveries fail and are retried; once it is back every event arrives, repeats only under the same webhook-id', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/outage`, ['job.succeeded']);
  await receiver.stop();
  const ids: string[] = [];
  try {
    for (let i = 0; i < 5; i++) ids.push(await fx.record(accountId, 'job.succeeded', { job_id: `job_${i}` }));
    await eventually(async () => (await attempts(key, endpoint.id)).filter((a) => a.status === 'failed').length >= 5, 'failed attempts');
  } finally {
    await receiver.start();
  }
  await eventually(() => ids.every((id) => receiver.of(id).length > 0), 'every event after the outage');

  const failed = (await attempts(key, endpoint.id)).filter((a) => a.status === 'failed');
  assert.ok(failed.every((a) => a.response_status === null && a.error === 'connection refused'), JSON.stringify(failed[0]));
  const received = receiver.received.filter((request) => request.path === '/outage');
  assert.deepEqual([...new Set(received.map((request) => request.headers['webhook-id']))].sort(), [...ids].sort());
  const bodies = new Map<string, string>();
  for (const request of received) {
    const id = String(request.headers['webhook-id']);
    const seen = bodies.get(id);
    if (seen !== undefined) assert.equal(request.body, seen, 'a repeat carries the same event');
    bodies.set(id, request.body);
    new Webhook(endpoint.secret).verify(request.body, headersOf(request));
  }
  // The receiver answers before the worker records the attempt: wait for the records too.
  const succeeded = async () => (await attempts(key, endpoint.id)).filter((a) => a.status === 'succeeded');
  await eventually(async () => (await succeeded()).length === ids.length, 'every success recorded');
  assert.deepEqual((await succeeded()).map((a) => a.event_id).sort(), [...ids].sort());
  assert.ok((await succeeded()).every((a) => a.attempt >= 2));
});

test('replay sends the event again under the same webhook-id, to all subscribed endpoints or the one named', async () => {
  const { key, accountId } = await fx.account();
  const first = await fx.endpoint(key, `${receiver.url}/replay-1`, ['job.failed']);
  await fx.endpoint(key, `${receiver.url}/replay-2`, ['job.failed']);
  const eventId = await fx.record(accountId, 'job.failed', { job_id: 'job_r' });
  await eventually(() => receiver.of(eventId).length === 2, 'the first deliveries');

  const all = await call(`${fx.server.url}/v1/events/${eventId}/replay`, { method: 'POST', key });
  assert.equal(all.status, 202, all.text);
  assert.deepEqual(all.body, { event_id: eventId, endpoints: 2 });
  await eventually(() => receiver.of(eventId).length === 4, 'the replays');

  const one = await call(`${fx.server.url}/v1/events/${eventId}/replay`, { key, body: { endpoint_id: first.id } });
  assert.equal(one.status, 202, one.text);
  assert.deepEqual(one.body, { event_id: eventId, endpoints: 1 });
  await eventually(() => receiver.of(eventId).length === 5, 'the replay to one endpoint');
  await sleep(300);
  const paths = receiver.of(eventId).map((request) => request.path).sort();
  assert.deepEqual(paths, ['/replay-1', '/replay-1', '/replay-1', '/replay-2', '/replay-2']);
  assert.equal(new Set(receiver.of(eventId).map((request) => request.body)).size, 1);
});

test('a redirect is not followed: the attempt fails with its 3xx status', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/moved`, ['job.succeeded']);
  receiver.answer = (request, response) => {
    if (request.path === '/moved') response.writeHead(302, { location: `${receiver.url}/target` }).end();
    else response.writeHead(200).end('followed');
  };
  const eventId = await fx.record(accountId, 'job.succeeded');
  const [attempt] = await eventually(async () => {
    const list = await attempts(key, endpoint.id);
    return list.length > 0 && list;
  }, 'the attempt');
  assert.deepEqual(
    { status: attempt.status, response_status: attempt.response_status, error: attempt.error, event_id: attempt.event_id },
    { status: 'failed', response_status: 302, error: 'redirect not followed', event_id: eventId },
  );
  assert.equal(receiver.received.filter((request) => request.path === '/target').length, 0);
});

test('the response excerpt keeps at most 1 KiB of a large answer', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/verbose`, ['job.succeeded']);
  receiver.answer = (_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('é'.repeat(300) + 'x'.repeat(100_000));
  await fx.record(accountId, 'job.succeeded');
  const [attempt] = await eventually(async () => {
    const list = await attempts(key, endpoint.id);
    return list.length > 0 && list;
  }, 'the attempt');
  assert.equal(attempt.status, 'succeeded');
  assert.equal(attempt.response_excerpt.length, 1024);
  assert.equal(attempt.response_excerpt, 'é'.repeat(300) + 'x'.repeat(724));
});

test('a server error is a failed attempt with its status and excerpt, retried until it succeeds', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/flaky`, ['job.succeeded']);
  let calls = 0;
  receiver.answer = (request, response) => {
    if (request.path === '/flaky' && ++calls <= 2) response.writeHead(503).end('busy');
    else response.writeHead(204).end();
  };
  const eventId = await fx.record(accountId, 'job.succeeded');
  const list = await eventually(async () => {
    const all = await attempts(key, endpoint.id);
    return all.some((a) => a.status === 'succeeded') && all;
  }, 'the successful retry');
  assert.deepEqual(
    list.map((a: any) => [a.attempt, a.status, a.response_status, a.response_excerpt, a.event_id]),
    [
      [3, 'succeeded', 204, null, eventId],
      [2, 'failed', 503, 'busy', eventId],
      [1, 'failed', 503, 'busy', eventId],
    ],
  );
});

test('a deleted endpoint receives nothing more', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/deleted`, ['job.succeeded']);
  const deleted = await call(`${fx.server.url}/v1/webhook-endpoints/${endpoint.id}`, { method: 'DELETE', key });
  assert.equal(deleted.status, 204);
  await fx.record(accountId, 'job.succeeded');
  await sleep(400);
  assert.equal(receiver.received.filter((request) => request.path === '/deleted').length, 0);
  assert.equal((await call(`${fx.server.url}/v1/webhook-endpoints/${endpoint.id}`, { key })).status, 404);
});

test("another account's endpoint or event answers 404 to every operation on it", async () => {
  const owner = await fx.account();
  const stranger = await fx.account();
  const endpoint = await fx.endpoint(owner.key, `${receiver.url}/private`, ['job.succeeded']);
  const eventId = await fx.record(owner.accountId, 'job.succeeded');
  const base = `${fx.server.url}/v1/webhook-endpoints/${endpoint.id}`;
  const attemptsByStranger = [
    await call(base, { key: stranger.key }),
    await call(base, { method: 'PATCH', key: stranger.key, body: { enabled: false } }),
    await call(`${base}/rotate-secret`, { method: 'POST', key: stranger.key }),
    await call(`${base}/deliveries`, { key: stranger.key }),
    await call(base, { method: 'DELETE', key: stranger.key }),
    await call(`${fx.server.url}/v1/events/${eventId}/replay`, { method: 'POST', key: stranger.key }),
    await call(`${fx.server.url}/v1/events/${eventId}/replay`, { key: stranger.key, body: { endpoint_id: endpoint.id } }),
  ];
  for (const res of attemptsByStranger) {
    assert.equal(res.status, 404, res.text);
    assert.equal(res.body.code, 'E1005');
  }
  // Nor can the owner replay to the stranger's endpoint.
  const strangers = await fx.endpoint(stranger.key, `${receiver.url}/stranger`, ['job.succeeded']);
  const crossed = await call(`${fx.server.url}/v1/events/${eventId}/replay`, { key: owner.key, body: { endpoint_id: strangers.id } });
  assert.equal(crossed.status, 404);
  assert.deepEqual((await call(`${fx.server.url}/v1/events`, { key: stranger.key })).body.data, []);
  // Nothing changed for the owner.
  const read = await call(base, { key: owner.key });
  assert.equal(read.status, 200);
  assert.equal(read.body.enabled, true);
  assert.equal(read.body.secret_rotated_at, null);
});

test('an update checks the new URL and re-enabling clears the reason', async () => {
  const { key } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/update`, ['job.succeeded']);
  const base = `${fx.server.url}/v1/webhook-endpoints/${endpoint.id}`;
  const refused = await call(base, { method: 'PATCH', key, body: { url: 'https://10.0.0.1/hook' } });
  assert.equal(refused.status, 422, refused.text);
  assert.equal(refused.body.code, 'E1404');
  await call(base, { method: 'PATCH', key, body: { enabled: false } });
  const resumed = await call(base, { method: 'PATCH', key, body: { enabled: true, events: ['job.failed', 'api_key.expiring'], description: null } });
  assert.equal(resumed.status, 200, resumed.text);
  assert.deepEqual(
    { enabled: resumed.body.enabled, disabled_reason: resumed.body.disabled_reason, events: resumed.body.events, description: resumed.body.description },
    { enabled: true, disabled_reason: null, events: ['job.failed', 'api_key.expiring'], description: null },
  );
});
