// The delivery worker's own guarantees: the retry schedule, a clean stop that cuts a hanging
// attempt short and leaves the delivery to be retried, the per-attempt timeout, a lease that brings back a delivery whose
// worker died, and the bounds on what an event may carry.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimDue } from '../../src/db/outbox-store.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { WebhookDeliveryWorker } from '../../src/webhooks/delivery-worker.ts';
import { recordEvent } from '../../src/webhooks/events.ts';
import { RETRY_DELAYS_MS, retryAt } from '../../src/webhooks/retry-schedule.ts';
import { call } from '../support/server.ts';
import { eventually, Receiver } from './receiver.ts';
import { FAST_RETRIES_MS, startWebhookFixture, type WebhookFixture } from './fixture.ts';

let fx: WebhookFixture;
const receiver = new Receiver();
const log = createLogger('silent');

before(async () => {
  // No worker of the fixture's: each test runs the ones it needs.
  fx = await startWebhookFixture({ workers: 0 });
  await receiver.start();
});

after(async () => {
  await receiver.stop();
  await fx?.close();
});

test('the retry schedule: 7 retries over about 27.6 hours, each delay within ±10 %', () => {
  const total = RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
  assert.equal(total, (5 + 300 + 1_800 + 7_200 + 18_000 + 36_000 + 36_000) * 1000);
  const now = new Date(0);
  for (let attempt = 1; attempt <= RETRY_DELAYS_MS.length; attempt++) {
    const delay = RETRY_DELAYS_MS[attempt - 1]!;
    assert.equal(retryAt(attempt, RETRY_DELAYS_MS, now, () => 0.5)!.getTime(), delay);
    assert.equal(retryAt(attempt, RETRY_DELAYS_MS, now, () => 0)!.getTime(), Math.round(delay * 0.9));
    const latest = retryAt(attempt, RETRY_DELAYS_MS, now, () => 0.999_999)!.getTime();
    assert.ok(latest > delay * 1.099 && latest <= delay * 1.1, String(latest));
  }
  assert.equal(retryAt(RETRY_DELAYS_MS.length + 1, RETRY_DELAYS_MS, now), undefined, 'after the 8th attempt the delivery is dead');
});

test('after the last retry a delivery is dead and no more attempts are made', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/gone`, ['job.succeeded']);
  receiver.answer = (_request, response) => response.writeHead(410).end();
  const counted: string[] = [];
  const metrics = { webhookDelivered: (outcome: string, seconds: number) => void counted.push(`${outcome}:${seconds >= 0}`) };
  const worker = new WebhookDeliveryWorker(fx.db, fx.server.database.config, fx.audit, log, { retryDelaysMs: [50, 50], pollIntervalMs: 20, metrics });
  worker.start();
  try {
    await fx.record(accountId, 'job.succeeded');
    await eventually(() => receiver.received.filter((request) => request.path === '/gone').length === 3, 'three attempts');
    await sleep(300);
  } finally {
    await worker.stop();
  }
  assert.equal(receiver.received.filter((request) => request.path === '/gone').length, 3);
  const list = await call(`${fx.server.url}/v1/webhook-endpoints/${endpoint.id}/deliveries`, { key });
  assert.deepEqual(list.body.data.map((a: { attempt: number; response_status: number }) => [a.attempt, a.response_status]), [[3, 410], [2, 410], [1, 410]]);
  const [row] = await fx.db.orm.em.getConnection().execute<{ state: string }[]>('select state from webhook_outbox where endpoint_id = ?', [endpoint.id]);
  assert.equal(row?.state, 'dead');
  assert.deepEqual(counted, ['http_error:true', 'http_error:true', 'http_error:true']);
});

test('stop() cuts a hanging attempt short after its bound, and the delivery is retried later', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/hangs`, ['job.succeeded']);
  let hang = true;
  receiver.answer = (_request, response) => {
    if (!hang) response.writeHead(200).end('ok');
  };
  const first = new WebhookDeliveryWorker(fx.db, fx.server.database.config, fx.audit, log, { retryDelaysMs: FAST_RETRIES_MS, pollIntervalMs: 20, stopTimeoutMs: 200 });
  first.start();
  const eventId = await fx.record(accountId, 'job.succeeded');
  await eventually(() => receiver.of(eventId).length === 1, 'the attempt to start');
  const stopping = Date.now();
  await first.stop();
  // Well under the 10 s attempt timeout: the stop bound cut it short.
  assert.ok(Date.now() - stopping < 3_000, `stop took ${Date.now() - stopping} ms`);
  const list = await call(`${fx.server.url}/v1/webhook-endpoints/${endpoint.id}/deliveries`, { key });
  assert.deepEqual(list.body.data.map((a: { status: string; error: string }) => [a.status, a.error]), [['failed', 'interrupted by shutdown']]);

  hang = false;
  const second = new WebhookDeliveryWorker(fx.db, fx.server.database.config, fx.audit, log, { retryDelaysMs: FAST_RETRIES_MS, pollIntervalMs: 20 });
  second.start();
  try {
    await eventually(() => receiver.of(eventId).length === 2, 'the retry by the next worker');
  } finally {
    await second.stop();
  }
});

test('an attempt the receiver never answers is recorded as failed, a timeout, once WEBHOOK_TIMEOUT_MS has passed', async () => {
  const { key, accountId } = await fx.account();
  const endpoint = await fx.endpoint(key, `${receiver.url}/silent`, ['job.succeeded']);
  // The request is read, and no answer ever comes.
  receiver.answer = () => {};
  const timeoutMs = 500;
  const config = { ...fx.server.database.config, webhooks: { ...fx.server.database.config.webhooks, timeoutMs } };
  const outcomes: string[] = [];
  const metrics = { webhookDelivered: (outcome: string) => void outcomes.push(outcome) };
  // The retry comes long after the test: one attempt is recorded.
  const worker = new WebhookDeliveryWorker(fx.db, config, fx.audit, log, { retryDelaysMs: [60_000], pollIntervalMs: 20, metrics });
  worker.start();
  let attempts: { attempt: number; status: string; response_status: number | null; latency_ms: number; error: string }[];
  try {
    const eventId = await fx.record(accountId, 'job.succeeded');
    await eventually(() => receiver.of(eventId).length === 1, 'the attempt to reach the receiver');
    attempts = await eventually(async () => {
      const list = await call(`${fx.server.url}/v1/webhook-endpoints/${endpoint.id}/deliveries`, { key });
      return list.body.data.length > 0 && list.body.data;
    }, 'the attempt to be recorded');
  } finally {
    await worker.stop();
  }
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.status, a.response_status]),
    [[1, 'failed', null]],
  );
  // The attempt's own deadline and the client's wait for headers are the same length; either may end it.
  assert.match(attempts[0]!.error, new RegExp(`^timeout (after ${timeoutMs} ms|waiting for the response)$`));
  const latency = attempts[0]!.latency_ms;
  assert.ok(latency >= timeoutMs - 50 && latency < timeoutMs + 1_000, `the attempt took ${latency} ms`);
  assert.deepEqual(outcomes, ['timeout']);
});

test('a delivery claimed by a worker that died is claimed again when its lease ends', async () => {
  const { key, accountId } = await fx.account();
  await fx.endpoint(key, `${receiver.url}/lease`, ['job.succeeded']);
  receiver.answer = (_request, response) => response.writeHead(200).end();
  const eventId = await fx.record(accountId, 'job.succeeded');
  const now = new Date();
  const claimed = await claimDue(fx.db.orm.em.fork(), { now, leaseUntil: new Date(now.getTime() + 600), limit: 100 });
  assert.deepEqual(claimed.map((delivery) => delivery.event.id), [eventId]);

  const worker = new WebhookDeliveryWorker(fx.db, fx.server.database.config, fx.audit, log, { pollIntervalMs: 20 });
  worker.start();
  try {
    await sleep(300);
    assert.equal(receiver.of(eventId).length, 0, 'not while the lease holds');
    await eventually(() => receiver.of(eventId).length === 1, 'the delivery after the lease');
  } finally {
    await worker.stop();
  }
});

test('an event must be flat JSON scalars within the spec bounds', async () => {
  const { accountId } = await fx.account();
  const record = (data: Record<string, unknown>) =>
    fx.db.orm.em.fork().transactional((em) => recordEvent(em, { accountId, type: 'job.failed', data: data as never }));
  await assert.rejects(record({ nested: { a: 1 } }), RangeError);
  await assert.rejects(record({ long: 'x'.repeat(2_049) }), RangeError);
  await assert.rejects(record({ nan: Number.NaN }), RangeError);
  await assert.rejects(record(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]))), RangeError);
  assert.match(await record({ ok: 'x'.repeat(2_048), n: 1.5, b: true, z: null }), /^evt_[0-9a-z]{24}$/);
});
