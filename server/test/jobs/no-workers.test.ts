// A server that only takes jobs (JOB_WORKERS=false): its jobs wait for a worker process, a queued
// job cancels at once (queue message included), and shutting down ends open event streams.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import type { Database } from '../../src/db/orm.ts';
import { busyKey, openTestDatabase, parseSse, rows } from './fixture.ts';

let server: TestServer;
let db: Database | undefined;
let key: string;
let stopped = false;

before(async () => {
  server = await startTestServer({ JOB_WORKERS: 'false', SHUTDOWN_TIMEOUT_MS: '8000' });
  db = await openTestDatabase(server.database.config);
  key = (await busyKey(server)).secret;
});
after(async () => {
  await db?.close();
  if (!stopped) await server?.stop();
});

const queueState = async (id: string) =>
  (await rows<{ state: string }>(db!, 'select q.state from pgboss.job q join jobs j on j.queue_job_id = q.id where j.id = ?', [id]))[0]?.state;

it('leaves jobs queued, and cancels a queued one at once, in the queue too', async () => {
  const res = await call(`${server.url}/v1/jobs`, { key, body: { from: 'csv', to: 'json', input: 'a\n1\n' } });
  assert.equal(res.status, 202);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const job = await call(`${server.url}/v1/jobs/${res.body.id}`, { key });
  assert.equal(job.body.status, 'queued', 'no worker took it');
  assert.equal(job.headers.get('retry-after'), '2');
  assert.equal(await queueState(res.body.id), 'created');

  const canceled = await call(`${server.url}/v1/jobs/${res.body.id}/cancel`, { key, method: 'POST' });
  assert.equal(canceled.status, 200);
  assert.equal(canceled.body.status, 'canceled');
  assert.equal(canceled.body.attempts, 0);
  assert.equal(await queueState(res.body.id), 'cancelled');
  assert.equal((await call(`${server.url}/v1/jobs/${res.body.id}`, { key })).headers.get('retry-after'), null);
});

it('ends open event streams when the server shuts down, without waiting for the deadline', async () => {
  const res = await call(`${server.url}/v1/jobs`, { key, body: { from: 'csv', to: 'json', input: 'a\n1\n' } });
  const stream = await fetch(`${server.url}/v1/jobs/${res.body.id}/events`, { headers: { 'X-API-Key': key } });
  assert.equal(stream.status, 200);
  const body = stream.text();
  // stop() drops the database: our own connections go first.
  await db!.close();
  db = undefined;
  const started = Date.now();
  stopped = true;
  await server.stop();
  const events = parseSse(await body).filter((b) => b.event);
  assert.deepEqual(events.map((e) => e.event), ['progress'], 'the job is still queued: no status event');
  assert.ok(Date.now() - started < 2_000, `shutdown took ${Date.now() - started} ms`);
});
