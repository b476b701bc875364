// A transient failure: the database refuses the first run's final transaction (the role's INSERT
// on webhook_events is revoked, so the job.succeeded event cannot be written), and grants it again
// while the queue waits to retry. The first run writes nothing (the output, the state and the event
// roll back together); the queue retries after its backoff, and the job ends once, with one output
// and one event.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { QUEUE_SCHEMA } from '../../src/jobs/queue.ts';
import type { Database } from '../../src/db/orm.ts';
import { busyKey, ended, openTestDatabase, rows, until, waitForJob } from './fixture.ts';

let server: TestServer;
let db: Database;

before(async () => {
  server = await startTestServer({ JOB_CONCURRENCY: '1' });
  db = await openTestDatabase(server.database.config);
});
after(async () => {
  await db?.close();
  await server?.stop();
});

interface QueueRow {
  state: string;
  start_after: Date;
  started_on: Date | null;
  waiting_ms: number;
  output: { message?: string } | null;
}

const queueRow = async (queueJobId: string) =>
  (
    await rows<QueueRow>(
      db,
      `select state, start_after, started_on, extract(epoch from start_after - now()) * 1000 as waiting_ms, output
       from ${QUEUE_SCHEMA}.job where id = ?`,
      [queueJobId],
    )
  )[0];

it('retries a run the database failed, after a backoff, and ends the job once', async () => {
  const { secret } = await busyKey(server);
  // The server's own role (the tables' owner) loses the right, as an operator's mistake would take it.
  await rows(db, 'revoke insert on webhook_events from current_user');
  try {
    const created = await call(`${server.url}/v1/jobs`, { key: secret, body: { from: 'csv', to: 'json', input: 'a,b\n1,2\n' } });
    assert.equal(created.status, 202, created.text);
    const id = created.body.id as string;
    const [{ queue_job_id: queueJobId }] = (await rows<{ queue_job_id: string }>(db, 'select queue_job_id from jobs where id = ?', [id])) as [{ queue_job_id: string }];

    let failed: QueueRow | undefined;
    await until(async () => (failed = await queueRow(queueJobId))?.state === 'retry');
    assert.match(failed!.output?.message ?? '', /permission denied for table webhook_events/);
    assert.ok(failed!.waiting_ms > 0, 'the retry waits for its backoff');
    const [first] = await rows<{ status: string; attempts: number }>(db, 'select status, attempts from jobs where id = ?', [id]);
    assert.deepEqual(first, { status: 'running', attempts: 1 }, 'the failed run ended nothing');
    const kinds = await rows<{ kind: string }>(db, 'select distinct kind from job_payloads where job_id = ?', [id]);
    assert.deepEqual(kinds, [{ kind: 'input' }], 'no output, and the input kept for the retry');

    await rows(db, 'grant insert on webhook_events to current_user');
    const job = await waitForJob(server.url, secret, id, ended);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    assert.equal(job.attempts, 2);
    const retried = await queueRow(queueJobId);
    assert.equal(retried?.state, 'completed');
    assert.ok(retried!.started_on! >= failed!.start_after, 'the retry did not start before its backoff ended');

    const payloads = await rows<{ kind: string; bytes: number }>(db, 'select kind, sum(length(content))::int as bytes from job_payloads where job_id = ? group by kind', [id]);
    assert.deepEqual(payloads, [{ kind: 'output', bytes: job.result.bytes }], 'one output, and the input deleted');
    const events = await rows<{ type: string }>(db, "select type from webhook_events where data->>'job_id' = ?", [id]);
    assert.deepEqual(events, [{ type: 'job.succeeded' }]);
  } finally {
    await rows(db, 'grant insert on webhook_events to current_user');
  }
});
