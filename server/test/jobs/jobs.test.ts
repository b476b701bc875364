// Jobs through the real server, with its workers: the life of a job, its listing, cancel, the
// result's availability and retention, failures, ownership, and the event stream.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { JobStore } from '../../src/db/job-store.ts';
import { ABANDONED_QUEUE, RESULT_SWEEP_QUEUE } from '../../src/jobs/job-queues.ts';
import { ABANDONED_AFTER_MS } from '../../src/jobs/job-intake.ts';
import { closeQueue, openQueue } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Database } from '../../src/db/orm.ts';
import { busyKey, csvOf, ended, openTestDatabase, parseSse, rows, storeJob, until, waitForJob } from './fixture.ts';

let server: TestServer;
let db: Database;
let key: string;
let keyAccount: string;
let otherKey: string;

// Not the default (7 days): the retention a job gets must be the configured one.
const RETENTION_S = 5_400;

before(async () => {
  server = await startTestServer({ JOB_CONCURRENCY: '2', JOB_RESULT_RETENTION_S: String(RETENTION_S) });
  db = await openTestDatabase(server.database.config);
  ({ secret: key, accountId: keyAccount } = await busyKey(server));
  otherKey = (await busyKey(server)).secret;
});
after(async () => {
  await db?.close();
  await server?.stop();
});

const createJob = (body: object, as = key) => call(`${server.url}/v1/jobs`, { key: as, body });

/** Puts a message on one of the server's queues, as another process (or pg-boss itself) would. */
async function sendToQueue(name: string, data: object): Promise<void> {
  const boss = await openQueue(db, server.database.config, createLogger('silent'));
  try {
    await boss.send(name, data);
  } finally {
    await closeQueue(boss, 1_000);
  }
}

describe('a job that succeeds', () => {
  const request = { from: 'csv', to: 'json', input: 'name,age\nAda,36\nAlan,41\n', options: { infer_types: true, pretty: true } };
  let job: any;

  before(async () => {
    const res = await createJob(request);
    assert.equal(res.status, 202, res.text);
    assert.equal(res.headers.get('location'), `/v1/jobs/${res.body.id}`);
    assert.equal(res.body.status, 'queued');
    assert.equal(res.body.input_bytes, Buffer.byteLength(request.input));
    assert.equal(res.body.result, null);
    job = await waitForJob(server.url, key, res.body.id, ended);
  });

  it('ends succeeded after one attempt, with the result described', () => {
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    assert.equal(job.attempts, 1);
    assert.equal(job.progress, 1);
    assert.equal(job.options.infer_types, true);
    assert.equal(job.options.delimiter, ',', 'the options are shown with their defaults');
    assert.equal(job.result.media_type, 'application/json');
    assert.equal(job.result.records, 2);
    assert.ok(job.started_at && job.finished_at);
    // The expiry is set as the conversion ends, a moment before the job's end is written.
    const kept = Date.parse(job.result.expires_at) - Date.parse(job.finished_at);
    assert.ok(kept <= RETENTION_S * 1000 && kept > RETENTION_S * 1000 - 5_000, `kept for ${kept} ms`);
  });

  it('serves the same output as the synchronous conversion, as a download in the target media type', async () => {
    const sync = await call(`${server.url}/v1/conversions`, { key, body: request });
    assert.equal(sync.status, 200);
    const res = await fetch(`${server.url}/v1/jobs/${job.id}/result`, { headers: { 'X-API-Key': key } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="${job.id}.json"`);
    const text = await res.text();
    assert.equal(text, sync.body.output);
    assert.equal(Buffer.byteLength(text), job.result.bytes);
  });

  it("answers 406 when the Accept header refuses this job's format, though it allows another a job may have", async () => {
    const refused = await call(`${server.url}/v1/jobs/${job.id}/result`, { key, headers: { Accept: 'text/csv' } });
    assert.equal(refused.status, 406);
    assert.equal(refused.body.code, 'E1007');
    assert.match(refused.body.detail, /application\/json/);
    const accepted = await fetch(`${server.url}/v1/jobs/${job.id}/result`, { headers: { 'X-API-Key': key, Accept: 'text/csv, application/json;q=0.5' } });
    assert.equal(accepted.status, 200);
    assert.equal(await accepted.text(), (await call(`${server.url}/v1/conversions`, { key, body: request })).body.output);
  });

  it('keeps the output and no input, and recorded one job.succeeded event', async () => {
    const payloads = await rows<{ kind: string }>(db, 'select kind from job_payloads where job_id = ?', [job.id]);
    assert.deepEqual(payloads.map((p) => p.kind), ['output']);
    const events = await rows<{ type: string; data: { status: string } }>(db, "select type, data from webhook_events where data->>'job_id' = ?", [job.id]);
    assert.deepEqual(events.map((e) => [e.type, e.data.status]), [['job.succeeded', 'succeeded']]);
  });

  it('answers 410 E1403 once the output expired, and the retention sweep deletes it', async () => {
    await rows(db, "update jobs set result_expires_at = now() - interval '1 second' where id = ?", [job.id]);
    const gone = await call(`${server.url}/v1/jobs/${job.id}/result`, { key });
    assert.equal(gone.status, 410);
    assert.equal(gone.body.code, 'E1403');
    const shown = await call(`${server.url}/v1/jobs/${job.id}`, { key });
    assert.equal(shown.body.status, 'succeeded');
    assert.equal(shown.body.result, null);

    // The minutely tick, without waiting for the minute.
    await sendToQueue(RESULT_SWEEP_QUEUE, {});
    await until(async () => (await rows(db, 'select kind from job_payloads where job_id = ?', [job.id])).length === 0);
    assert.equal((await call(`${server.url}/v1/jobs/${job.id}/result`, { key })).body.code, 'E1403');
  });

  it('has the retention sweep scheduled every minute', async () => {
    const schedules = await rows<{ name: string; cron: string }>(db, "select name, cron from pgboss.schedule where name = 'conversion-result-sweep'");
    assert.deepEqual(schedules, [{ name: 'conversion-result-sweep', cron: '* * * * *' }]);
  });
});

describe('the input of a job never created (its request failed, or its process died)', () => {
  it('is deleted by the retention sweep once abandoned; a newer one, and a job\'s own, are kept', async () => {
    const store = new JobStore(db.orm);
    const longAgo = new Date(Date.now() - ABANDONED_AFTER_MS - 60_000);
    const abandoned = store.newJobId(longAgo);
    const uploading = store.newJobId(new Date());
    for (const seq of [0, 1]) await store.stageInput(abandoned, seq, keyAccount, Buffer.from('abandoned'));
    await store.stageInput(uploading, 0, keyAccount, Buffer.from('still arriving'));
    // A job as old, never run: its input is the job's.
    const queued = await storeJob(store, keyAccount, Buffer.from('a\n1\n'), 'req-old', longAgo);
    const seqs = async (id: string) => (await rows<{ seq: number }>(db, 'select seq from job_payloads where job_id = ? order by seq', [id])).map((r) => r.seq);

    await sendToQueue(RESULT_SWEEP_QUEUE, {});
    await until(async () => (await seqs(abandoned)).length === 0);
    assert.deepEqual(await seqs(uploading), [0]);
    assert.deepEqual(await seqs(queued.id), [0]);
  });
});

describe('a job whose input cannot be parsed', () => {
  it('fails at once (no retry) with E1201 and the creating request id, and cannot be downloaded or canceled', async () => {
    const res = await createJob({ from: 'json', to: 'csv', input: '[\n  {"a": 1},\n  {"a": }\n]' });
    assert.equal(res.status, 202);
    const job = await waitForJob(server.url, key, res.body.id, ended);
    assert.equal(job.status, 'failed');
    assert.equal(job.attempts, 1);
    assert.equal(job.error.code, 'E1201');
    assert.equal(job.error.status, 422);
    assert.equal(job.error.request_id, res.headers.get('x-request-id'));
    assert.equal(job.error.instance, `/v1/jobs/${job.id}`);
    assert.deepEqual(job.error.errors[0], { path: '/input', message: job.error.errors[0].message, line: 3, column: job.error.errors[0].column });

    const result = await call(`${server.url}/v1/jobs/${job.id}/result`, { key });
    assert.equal(result.status, 409);
    assert.equal(result.body.code, 'E1402');
    const cancel = await call(`${server.url}/v1/jobs/${job.id}/cancel`, { key, method: 'POST' });
    assert.equal(cancel.status, 409);
    assert.equal(cancel.body.code, 'E1401');

    assert.deepEqual(await rows(db, 'select kind from job_payloads where job_id = ?', [job.id]), [], 'the input is deleted');
    const events = await rows<{ type: string; data: { error_code: string } }>(db, "select type, data from webhook_events where data->>'job_id' = ?", [job.id]);
    assert.deepEqual(events.map((e) => [e.type, e.data.error_code]), [['job.failed', 'E1201']]);
  });
});

describe('a job the queue gave up on', () => {
  it('fails with E1000 and a job.failed event, whichever run held it', async () => {
    // A job whose every run died: claimed, then its message dead-lettered after the last retry.
    const store = new JobStore(db.orm);
    const job = await storeJob(store, keyAccount, Buffer.from('a\n1\n'), 'req-1');
    await store.claim(job.id, new Date());
    await sendToQueue(ABANDONED_QUEUE, { job_id: job.id });
    const failed = await waitForJob(server.url, key, job.id, ended);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.code, 'E1000');
    assert.equal(failed.error.request_id, 'req-1');
    const events = await rows<{ type: string }>(db, "select type from webhook_events where data->>'job_id' = ?", [job.id]);
    assert.deepEqual(events, [{ type: 'job.failed' }]);
  });
});

describe('cancel', () => {
  it('stops a running job without a result, answers E1402 for its result, and E1401 when canceled again', async () => {
    const res = await createJob({ from: 'csv', to: 'yaml', input: csvOf(30_000) });
    assert.equal(res.status, 202);
    const result = await call(`${server.url}/v1/jobs/${res.body.id}/result`, { key });
    assert.equal(result.status, 409, 'no result before the job succeeded');
    assert.equal(result.body.code, 'E1402');

    await waitForJob(server.url, key, res.body.id, (job) => job.status === 'running');
    const canceled = await call(`${server.url}/v1/jobs/${res.body.id}/cancel`, { key, method: 'POST' });
    assert.equal(canceled.status, 200, canceled.text);
    assert.equal(canceled.body.status, 'canceled');
    assert.ok(canceled.body.finished_at);

    const again = await call(`${server.url}/v1/jobs/${res.body.id}/cancel`, { key, method: 'POST' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'E1401');
    // Long enough for the conversion (about 1 s here) to have finished had it not been stopped.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const job = await call(`${server.url}/v1/jobs/${res.body.id}`, { key });
    assert.equal(job.body.status, 'canceled');
    assert.deepEqual(await rows(db, 'select kind from job_payloads where job_id = ?', [res.body.id]), []);
    assert.deepEqual(await rows(db, "select id from webhook_events where data->>'job_id' = ?", [res.body.id]), []);
  });
});

describe('listing', () => {
  it('pages newest first and filters by status', async () => {
    const account = (await busyKey(server)).secret;
    const created: string[] = [];
    for (const input of ['a\n1\n', 'a\n2\n', '{"a": ']) {
      const res = await createJob({ from: input.startsWith('{') ? 'json' : 'csv', to: 'json', input }, account);
      created.push(res.body.id);
    }
    for (const id of created) await waitForJob(server.url, account, id, ended);

    const first = await call(`${server.url}/v1/jobs?limit=2`, { key: account });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.data.map((j: { id: string }) => j.id), [created[2], created[1]]);
    assert.ok(first.body.next_cursor);
    const second = await call(`${server.url}/v1/jobs?limit=2&cursor=${first.body.next_cursor}`, { key: account });
    assert.deepEqual(second.body.data.map((j: { id: string }) => j.id), [created[0]]);
    assert.equal(second.body.next_cursor, null);

    const failed = await call(`${server.url}/v1/jobs?status=failed`, { key: account });
    assert.deepEqual(failed.body.data.map((j: { id: string }) => j.id), [created[2]]);
    const succeeded = await call(`${server.url}/v1/jobs?status=succeeded`, { key: account });
    assert.deepEqual(succeeded.body.data.map((j: { id: string }) => j.id), [created[1], created[0]]);
  });
});

describe('another account', () => {
  it('gets 404 E1005 from every operation on a job it does not own', async () => {
    const res = await createJob({ from: 'csv', to: 'json', input: 'a\n1\n' });
    const id = res.body.id;
    await waitForJob(server.url, key, id, ended);
    for (const [method, path] of [
      ['GET', ''],
      ['POST', '/cancel'],
      ['GET', '/result'],
      ['GET', '/events'],
    ] as const) {
      const other = await call(`${server.url}/v1/jobs/${id}${path}`, { key: otherKey, method });
      assert.equal(other.status, 404, `${method} ${path}`);
      assert.equal(other.body.code, 'E1005');
    }
    assert.deepEqual((await call(`${server.url}/v1/jobs`, { key: otherKey })).body.data, []);
  });
});

describe('the event stream', () => {
  it('sends progress while the job runs, then its final status, then closes', async () => {
    const res = await createJob({ from: 'csv', to: 'xml', input: csvOf(30_000) });
    const stream = await fetch(`${server.url}/v1/jobs/${res.body.id}/events`, { headers: { 'X-API-Key': key, 'Accept-Encoding': 'br, gzip' } });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    // A compressor would hold events back until its buffer fills.
    assert.equal(stream.headers.get('content-encoding'), null);
    assert.equal(stream.headers.get('cache-control'), 'no-cache');
    assert.equal(stream.headers.get('x-accel-buffering'), 'no');
    // text() resolves only once the server ends the stream.
    const blocks = parseSse(await stream.text());
    assert.equal(blocks[0]?.retry, '2000');
    const events = blocks.filter((b) => b.event);
    const last = events.at(-1)!;
    assert.equal(last.event, 'status');
    assert.equal(JSON.parse(last.data!).status, 'succeeded');
    const progress = events.slice(0, -1);
    assert.ok(progress.length >= 1, 'at least the state it was in when the stream opened');
    assert.ok(progress.every((e) => e.event === 'progress' && ['queued', 'running'].includes(JSON.parse(e.data!).status)));
    const ids = events.map((e) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids grow');
    assert.equal(new Set(ids).size, ids.length);

    // Resuming after the end hears the end again, and nothing before it.
    const resumed = await fetch(`${server.url}/v1/jobs/${res.body.id}/events`, { headers: { 'X-API-Key': key, 'Last-Event-ID': last.id! } });
    assert.deepEqual(parseSse(await resumed.text()).filter((b) => b.event).map((b) => b.event), ['status']);

    // The result of that size is compressed as it streams, and decodes to every byte of it.
    const finished = (await call(`${server.url}/v1/jobs/${res.body.id}`, { key })).body;
    const result = await fetch(`${server.url}/v1/jobs/${res.body.id}/result`, { headers: { 'X-API-Key': key, 'Accept-Encoding': 'gzip' } });
    assert.equal(result.status, 200);
    assert.equal(result.headers.get('content-encoding'), 'gzip');
    assert.equal(Buffer.byteLength(await result.text()), finished.result.bytes);
  });
});
