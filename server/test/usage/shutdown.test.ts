// A graceful shutdown loses no usage: the server stops right after the requests, long before its
// flush interval, and every request is in the table afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MikroORM } from '@mikro-orm/postgresql';
import { call, startTestServer } from '../support/server.ts';

test('stopping the server writes the buffered usage', async () => {
  const server = await startTestServer({ USAGE_FLUSH_INTERVAL_MS: '60000' });
  const key = await server.newKey();
  const made = 7;
  await Promise.all(Array.from({ length: made }, () => call(`${server.url}/v1/formats`, { key: key.secret })));
  await server.running.shutdown('test');
  const orm = await MikroORM.init({ clientUrl: server.database.url, entities: [], discovery: { warnWhenNoEntities: false }, pool: { min: 0, max: 1 } });
  try {
    const [row] = await orm.em.getConnection().execute<{ requests: string }[]>(
      'select coalesce(sum(requests), 0) as requests from usage_minutes where account_id = ?',
      [key.accountId],
    );
    assert.equal(Number(row!.requests), made);
    const [month] = await orm.em.getConnection().execute<{ requests: string }[]>('select requests from usage_months where account_id = ?', [key.accountId]);
    assert.equal(Number(month!.requests), made);
  } finally {
    await orm.close();
    await server.database.drop();
  }
});
