// api_key.expiring: one event per key expiring within 7 days, once, even when two instances check
// at the same moment; delivered like any other event.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createLogger } from '../../src/observability/logger.ts';
import { ApiKeyExpiryNotifier } from '../../src/webhooks/key-expiry.ts';
import { call } from '../support/server.ts';
import { eventually, Receiver } from './receiver.ts';
import { startWebhookFixture, type WebhookFixture } from './fixture.ts';

const DAY_MS = 86_400_000;

let fx: WebhookFixture;
const receiver = new Receiver();

before(async () => {
  fx = await startWebhookFixture();
  await receiver.start();
});

after(async () => {
  await receiver.stop();
  await fx?.close();
});

test('each key expiring within 7 days is announced once', async () => {
  const soon = await fx.server.newKey({ expiresAt: new Date(Date.now() + 3 * DAY_MS) });
  const later = await fx.server.newKey({ expiresAt: new Date(Date.now() + 30 * DAY_MS) });
  const revoked = await fx.server.newKey({ expiresAt: new Date(Date.now() + 2 * DAY_MS) });
  await fx.server.running.keys.revoke(revoked.id, revoked.accountId);
  const endpoint = await fx.endpoint(soon.secret, `${receiver.url}/expiring`, ['api_key.expiring']);

  const log = createLogger('silent');
  const notifiers = [new ApiKeyExpiryNotifier(fx.db, log), new ApiKeyExpiryNotifier(fx.db, log)];
  try {
    const counts = await Promise.all(notifiers.map((notifier) => notifier.check()));
    assert.equal(counts[0]! + counts[1]!, 1, `one event between both instances, got ${counts.join(' + ')}`);
    assert.equal(await notifiers[0]!.check(), 0, 'a key is announced once');
  } finally {
    await Promise.all(notifiers.map((notifier) => notifier.stop()));
  }

  const events = await call(`${fx.server.url}/v1/events?type=api_key.expiring`, { key: soon.secret });
  assert.equal(events.body.data.length, 1);
  const [event] = events.body.data;
  assert.equal(event.data.api_key_id, soon.id);
  assert.equal(event.data.name, 'test');
  assert.match(event.data.expires_at, /^\d{4}-/);
  for (const other of [later, revoked]) {
    const theirs = await call(`${fx.server.url}/v1/events?type=api_key.expiring`, { key: other.secret });
    // The revoked key cannot read anything; the later one has no event.
    if (theirs.status === 200) assert.deepEqual(theirs.body.data, []);
  }

  const [request] = await eventually(() => receiver.of(event.id).length > 0 && receiver.of(event.id), 'the delivery');
  assert.ok(request);
  const delivered = new Webhook(endpoint.secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
  assert.deepEqual(delivered, event);
});

test('start() checks at once, without waiting for the first interval', async () => {
  const key = await fx.server.newKey({ expiresAt: new Date(Date.now() + DAY_MS) });
  const notifier = new ApiKeyExpiryNotifier(fx.db, createLogger('silent'), { intervalMs: 3_600_000 });
  notifier.start();
  try {
    await eventually(async () => {
      const events = await call(`${fx.server.url}/v1/events?type=api_key.expiring`, { key: key.secret });
      return events.body.data.length === 1;
    }, 'the first check');
  } finally {
    await notifier.stop();
  }
});
