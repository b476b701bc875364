// When buffered usage reaches the database: every USAGE_FLUSH_INTERVAL_MS on its own, with no
// flush asked for; and at a graceful shutdown, which loses none, the server stopping right after
// the requests, long before its flush interval.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MikroORM } from '@mikro-orm/postgresql';
import { call, startTestServer, type TestServer } from '../support/server.ts';

/** The requests the account has in the per-minute rollups and in this month's total. */
async function stored(server: TestServer, accountId: string): Promise<{ minutes: number; month: number }> {
  const orm = await MikroORM.init({ clientUrl: server.database.url, entities: [], discovery: { warnWhenNoEntities: false }, pool: { min: 0, max: 1 } });
  try {
    const [row] = await orm.em.getConnection().execute<{ requests: string }[]>(
      'select coalesce(sum(requests), 0) as requests from usage_minutes where account_id = ?',
      [accountId],
    );
    const [month] = await orm.em.getConnection().execute<{ requests: string }[]>('select requests from usage_months where account_id = ?', [accountId]);
    return { minutes: Number(row!.requests), month: Number(month?.requests ?? 0) };
  } finally {
    await orm.close();
  }
}

async function requests(server: TestServer, key: string, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, () => call(`${server.url}/v1/formats`, { key })));
}

test('the buffered usage is written every interval without a flush', async () => {
  const intervalMs = 200;
  const server = await startTestServer({ USAGE_FLUSH_INTERVAL_MS: String(intervalMs) });
  try {
    const key = await server.newKey();
    const made = 5;
    await requests(server, key.secret, made);
    const deadline = Date.now() + 10 * intervalMs;
    let found = await stored(server, key.accountId);
    while (found.minutes < made && Date.now() < deadline) {
      await sleep(intervalMs / 4);
      found = await stored(server, key.accountId);
    }
    assert.deepEqual(found, { minutes: made, month: made }, `within ${10 * intervalMs} ms`);
    assert.equal(server.running.usage.waiting, 0);
  } finally {
    await server.stop();
  }
});

test('stopping the server writes the buffered usage', async () => {
  const server = await startTestServer({ USAGE_FLUSH_INTERVAL_MS: '60000' });
  try {
    const key = await server.newKey();
    const made = 7;
    await requests(server, key.secret, made);
    await server.running.shutdown('test');
    assert.deepEqual(await stored(server, key.accountId), { minutes: made, month: made });
  } finally {
    await server.database.drop();
  }
});
