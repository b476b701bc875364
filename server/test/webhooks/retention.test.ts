// Webhook history past WEBHOOK_RETENTION_DAYS (here 7) is deleted by the minutely sweep of the real
// server (its workers on): old attempts, then old events nothing refers to any more, never an event
// with a delivery pending; in bounded batches. Old rows are written straight into the database with
// ids of their time, as the server would have made them then.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/db/ids.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { closeQueue, openQueue } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { RETENTION_SWEEP_QUEUE, WebhookRetention } from '../../src/webhooks/retention.ts';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { eventually } from './receiver.ts';

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 7;

let server: TestServer;
let db: Database;

before(async () => {
  server = await startTestServer({ WEBHOOK_RETENTION_DAYS: String(RETENTION_DAYS), WEBHOOK_ALLOWLIST: '127.0.0.1' });
  db = await openDatabase(server.database.config);
});
after(async () => {
  await db?.close();
  await server?.stop();
});

const sql = (text: string, params: unknown[] = []) => db.orm.em.fork().execute<any[]>(text, params);
const daysAgo = (days: number, from = Date.now()) => new Date(from - days * DAY_MS);

async function account(): Promise<{ key: string; accountId: string; endpointId: string }> {
  const { secret: key, accountId } = await server.newKey();
  const res = await call(`${server.url}/v1/webhook-endpoints`, { key, body: { url: 'http://127.0.0.1:9/hooks', events: ['job.succeeded'] } });
  assert.equal(res.status, 201, res.text);
  return { key, accountId, endpointId: res.body.endpoint.id };
}

/** An event recorded at `at`, its delivery to the endpoint in `state`, and one attempt at each of `attempts`. */
async function history(
  owner: { accountId: string; endpointId: string },
  at: Date,
  state: 'pending' | 'delivered',
  attempts: Date[],
): Promise<{ event: string; attempts: string[] }> {
  const event = newId('evt', at.getTime());
  await sql(`insert into webhook_events (id, account_id, type, data, created_at) values (?, ?, 'job.succeeded', '{"job_id":"job_x"}', ?)`, [event, owner.accountId, at]);
  // A pending delivery is due in an hour: the server's delivery worker leaves it alone.
  await sql(
    `insert into webhook_outbox (id, account_id, event_id, endpoint_id, state, attempts, next_attempt_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)`,
    [newId('whob', at.getTime()), owner.accountId, event, owner.endpointId, state, attempts.length, new Date(Date.now() + 3_600_000), at],
  );
  const ids: string[] = [];
  for (const [i, time] of attempts.entries()) {
    const id = newId('whdl', time.getTime());
    await sql(
      `insert into webhook_deliveries (id, account_id, endpoint_id, event_id, event_type, attempt, status, created_at) values (?, ?, ?, ?, 'job.succeeded', ?, 'failed', ?)`,
      [id, owner.accountId, owner.endpointId, event, i + 1, time],
    );
    ids.push(id);
  }
  return { event, attempts: ids };
}

const exists = async (table: string, id: string) => (await sql(`select 1 from ${table} where id = ?`, [id])).length === 1;

describe('a sweep', () => {
  it('deletes in batches of the size given, attempts first, then the events they leave unused', async () => {
    // Old only for a sweep a week from now, so the server's own ticks leave them to this one.
    const owner = await account();
    const later = Date.now() + RETENTION_DAYS * DAY_MS;
    for (let i = 0; i < 25; i++) await history(owner, daysAgo(RETENTION_DAYS + 1, later), 'delivered', [daysAgo(RETENTION_DAYS + 1, later)]);
    const retention = new WebhookRetention(db, RETENTION_DAYS, { batch: 10, maxBatches: 2 });
    // Each attempt is its event's only one: the events of the attempts deleted go in the same sweep.
    assert.deepEqual(await retention.purge(new Date(later)), { attempts: 20, events: 20 });
    assert.deepEqual(await retention.purge(new Date(later)), { attempts: 5, events: 5 });
    assert.deepEqual(await retention.purge(new Date(later)), { attempts: 0, events: 0 });
  });
});

describe("the server's retention sweep", () => {
  it('deletes what is past retention, and keeps an event pending or still referred to', async () => {
    const owner = await account();
    const old = daysAgo(RETENTION_DAYS + 1);
    const recent = daysAgo(1);
    const gone = await history(owner, old, 'delivered', [old, old]);
    const pending = await history(owner, old, 'pending', [old]);
    const replayed = await history(owner, old, 'delivered', [old, recent]);
    const young = await history(owner, recent, 'delivered', [recent]);

    // The minutely tick, without waiting for the minute.
    const boss = await openQueue(db, server.database.config, createLogger('silent'));
    await boss.send(RETENTION_SWEEP_QUEUE, {});
    await closeQueue(boss, 1_000);
    await eventually(async () => !(await exists('webhook_events', gone.event)), 'the old event deleted');

    assert.deepEqual(await sql('select id from webhook_outbox where event_id = ?', [gone.event]), [], 'its delivery went with it');
    for (const id of [...gone.attempts, pending.attempts[0]!, replayed.attempts[0]!]) assert.equal(await exists('webhook_deliveries', id), false, id);
    for (const id of [replayed.attempts[1]!, young.attempts[0]!]) assert.equal(await exists('webhook_deliveries', id), true, id);
    for (const id of [pending.event, replayed.event, young.event]) assert.equal(await exists('webhook_events', id), true, id);

    const events = await call(`${server.url}/v1/events?limit=100`, { key: owner.key });
    assert.deepEqual(events.body.data.map((e: { id: string }) => e.id).sort(), [pending.event, replayed.event, young.event].sort());
    const attempts = await call(`${server.url}/v1/webhook-endpoints/${owner.endpointId}/deliveries?limit=100`, { key: owner.key });
    assert.deepEqual(attempts.body.data.map((a: { id: string }) => a.id).sort(), [replayed.attempts[1], young.attempts[0]].sort());
  });

  it('is scheduled every minute', async () => {
    assert.deepEqual(await sql('select name, cron from pgboss.schedule where name = ?', [RETENTION_SWEEP_QUEUE]), [{ name: RETENTION_SWEEP_QUEUE, cron: '* * * * *' }]);
  });
});
