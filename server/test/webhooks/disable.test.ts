// Sustained failure disables an endpoint (here after 300 ms instead of days): audited, announced to
// the account's other subscribed endpoints and never to the failing one, and undone by
// `enabled: true`. Also: with no grace period a rotated secret stops signing at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { call } from '../support/server.ts';
import { eventually, OK, Receiver } from './receiver.ts';
import { startWebhookFixture, type WebhookFixture } from './fixture.ts';

let fx: WebhookFixture;
const receiver = new Receiver();

before(async () => {
  fx = await startWebhookFixture({
    worker: { disableAfterMs: 300, retryDelaysMs: [100, 100, 100, 100, 100, 100, 100] },
    env: { WEBHOOK_SECRET_GRACE_S: '0' },
  });
  await receiver.start();
  receiver.answer = (request, response) => {
    if (request.path.startsWith('/failing')) response.writeHead(500).end('down');
    else OK(request, response);
  };
});

after(async () => {
  await receiver.stop();
  await fx?.close();
});

test('an endpoint failing without pause is disabled, audited and announced to the other endpoints only', async () => {
  const { key, accountId } = await fx.account();
  const failing = await fx.endpoint(key, `${receiver.url}/failing`, ['job.succeeded', 'webhook_endpoint.disabled']);
  await fx.endpoint(key, `${receiver.url}/healthy`, ['webhook_endpoint.disabled']);
  await fx.endpoint(key, `${receiver.url}/unsubscribed`, ['job.succeeded']);
  const started = Date.now();
  await fx.record(accountId, 'job.succeeded');

  const disabled = await eventually(async () => {
    const res = await call(`${fx.server.url}/v1/webhook-endpoints/${failing.id}`, { key });
    return res.body.enabled === false && res.body;
  }, 'the endpoint to be disabled');
  // One snapshot: the endpoint is never seen disabled without its audit entry.
  const [together] = await fx.db.orm.em.getConnection().execute<{ enabled: boolean; audited: number }[]>(
    `select enabled, (select count(*)::int from audit_events where account_id = ? and action = 'webhook_endpoint.disabled') as audited
     from webhook_endpoints where id = ?`,
    [accountId, failing.id],
  );
  assert.deepEqual(together, { enabled: false, audited: 1 });
  assert.ok(Date.now() - started >= 300, 'not before the configured time');
  assert.match(disabled.disabled_reason, /^Every delivery failed from \S+ to \S+\.$/);

  const [announcement] = await eventually(() => {
    const found = receiver.received.filter((request) => request.path === '/healthy');
    return found.length > 0 && found;
  }, 'the webhook_endpoint.disabled event');
  assert.ok(announcement);
  const event = JSON.parse(announcement.body);
  assert.equal(event.type, 'webhook_endpoint.disabled');
  assert.deepEqual(event.data, { endpoint_id: failing.id, url: `${receiver.url}/failing`, reason: disabled.disabled_reason });
  const listed = await call(`${fx.server.url}/v1/events?type=webhook_endpoint.disabled`, { key });
  assert.deepEqual(listed.body.data.map((e: { id: string }) => e.id), [event.id]);

  // No flush: the audit entry was written in the transaction that disabled the endpoint.
  const audits = await fx.db.orm.em
    .getConnection()
    .execute<{ actor_type: string; details: Record<string, unknown> }[]>("select actor_type, details from audit_events where account_id = ? and action = 'webhook_endpoint.disabled'", [accountId]);
  assert.equal(audits.length, 1);
  assert.equal(audits[0]!.actor_type, 'system');
  assert.equal(audits[0]!.details.endpoint_id, failing.id);

  // Disabled: no further attempts, and no new event reaches it.
  const before = receiver.received.filter((request) => request.path === '/failing').length;
  await fx.record(accountId, 'job.succeeded');
  await sleep(500);
  const toFailing = receiver.received.filter((request) => request.path === '/failing');
  assert.equal(toFailing.length, before);
  assert.ok(toFailing.every((request) => JSON.parse(request.body).type !== 'webhook_endpoint.disabled'));
  assert.equal(receiver.received.filter((request) => request.path === '/unsubscribed').length, 2);

  // Re-enabled (at an address that works), it receives again.
  const resumed = await call(`${fx.server.url}/v1/webhook-endpoints/${failing.id}`, {
    method: 'PATCH',
    key,
    body: { enabled: true, url: `${receiver.url}/recovered` },
  });
  assert.equal(resumed.status, 200, resumed.text);
  assert.deepEqual([resumed.body.enabled, resumed.body.disabled_reason], [true, null]);
  const after = await fx.record(accountId, 'job.succeeded');
  await eventually(() => receiver.of(after).some((request) => request.path === '/recovered'), 'a delivery after re-enabling');
});

test('a success in between starts the count again: failures spread over time do not disable', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/sometimes`, ['job.failed']);
  let calls = 0;
  const previous = receiver.answer;
  // Every other request fails: each event fails once, then succeeds on its retry.
  receiver.answer = (request, response) => {
    if (request.path === '/sometimes' && ++calls % 2 === 1) response.writeHead(502).end();
    else previous(request, response);
  };
  try {
    for (let i = 0; i < 4; i++) {
      const id = await fx.record(accountId, 'job.failed');
      await eventually(() => receiver.of(id).length === 2, 'the failure and its retry');
      await sleep(150);
    }
  } finally {
    receiver.answer = previous;
  }
  const res = await call(`${fx.server.url}/v1/webhook-endpoints/${endpoint.id}`, { key });
  assert.equal(res.body.enabled, true);
});

test('with no grace period a rotated secret stops signing at once', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/rotated`, ['export.ready']);
  const rotated = await call(`${fx.server.url}/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: 'POST', key });
  assert.equal(rotated.status, 200);
  const id = await fx.record(accountId, 'export.ready', { export_id: 'exp_1' });
  const [request] = await eventually(() => receiver.of(id).length > 0 && receiver.of(id), 'the delivery');
  assert.ok(request);
  const headers = {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
  assert.equal(headers['webhook-signature'].split(' ').length, 1);
  new Webhook(rotated.body.secret).verify(request.body, headers);
  assert.throws(() => new Webhook(endpoint.secret).verify(request.body, headers), /signature/i);
});
