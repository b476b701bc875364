// The guard that makes a job end once: of two runs of the same job (the queue handed it out again
// while the first was still alive), only the newer one writes, and only once.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ApiKeyStore } from '../../src/db/api-key-store.ts';
import { JobStore, type OnEnd } from '../../src/db/job-store.ts';
import type { Database } from '../../src/db/orm.ts';
import { CHUNK_BYTES, PayloadGone } from '../../src/db/job-payload-store.ts';
import { openTestDatabase, rows, storeJob } from './fixture.ts';

let database: TestDatabase;
let db: Database;
let store: JobStore;
let accountId: string;

before(async () => {
  database = await createTestDatabase();
  db = await openTestDatabase(database.config);
  await db.migrate();
  store = new JobStore(db.orm);
  accountId = (await new ApiKeyStore(db.orm).findOrCreateAccount('store@example.com', 'free')).id;
});
after(async () => {
  await db?.close();
  await database?.drop();
});

const newJob = () => storeJob(store, accountId, Buffer.from('a\n1\n'));

it('lets only the latest run end the job, once, with one output and one event', async () => {
  const job = await newJob();
  const first = await store.claim(job.id, new Date());
  const second = await store.claim(job.id, new Date());
  assert.deepEqual([first?.attempt, second?.attempt], [1, 2]);

  const announced: string[] = [];
  const announce: OnEnd = async (_em, ended) => void announced.push(ended.status);
  const success = (text: string) => ({ status: 'succeeded' as const, output: Buffer.from(text), records: 1, expiresAt: new Date(Date.now() + 60_000) });

  assert.equal(await store.reportProgress(job.id, 1, 0.5), false, 'the superseded run is told to stop');
  assert.equal(await store.end(job.id, 1, success('stale'), new Date(), announce), false);
  assert.equal(await store.end(job.id, 2, success('fresh'), new Date(), announce), true);
  assert.equal(await store.end(job.id, 2, success('twice'), new Date(), announce), false);
  assert.equal(await store.claim(job.id, new Date()), undefined, 'an ended job cannot be claimed again');

  assert.deepEqual(announced, ['succeeded']);
  const payloads = await rows<{ kind: string; content: Buffer }>(db, 'select kind, content from job_payloads where job_id = ?', [job.id]);
  assert.deepEqual(payloads.map((p) => [p.kind, p.content.toString()]), [['output', 'fresh']]);
});

it('rolls the ending back whole when its event cannot be written', async () => {
  const job = await newJob();
  const claim = await store.claim(job.id, new Date());
  const failing: OnEnd = async () => {
    throw new Error('outbox unavailable');
  };
  const ending = { status: 'succeeded' as const, output: Buffer.from('x'), records: 1, expiresAt: new Date(Date.now() + 60_000) };
  await assert.rejects(store.end(job.id, claim!.attempt, ending, new Date(), failing), /outbox unavailable/);
  const [row] = await rows<{ status: string }>(db, 'select status from jobs where id = ?', [job.id]);
  assert.equal(row?.status, 'running');
  const payloads = await rows<{ kind: string }>(db, 'select kind from job_payloads where job_id = ?', [job.id]);
  assert.deepEqual(payloads.map((p) => p.kind), ['input'], 'no output, and the input kept for the retry');
});

/** Bytes that differ from one position to the next, so a chunk out of place shows. */
function patterned(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7919) % 251;
  return bytes;
}

async function joined(slices: AsyncIterable<Buffer>): Promise<{ content: Buffer; largest: number }> {
  const parts: Buffer[] = [];
  for await (const slice of slices) parts.push(slice);
  return { content: Buffer.concat(parts), largest: Math.max(...parts.map((p) => p.length)) };
}

it('reads an input of several chunks back intact, in slices of at most a chunk', async () => {
  const big = patterned(5 * CHUNK_BYTES + 123);
  const job = await storeJob(store, accountId, big);
  const read = await joined(store.readInput(job.id));
  assert.ok(read.content.equals(big));
  assert.equal(read.largest, CHUNK_BYTES);
});

it('stores an output in chunks, and serves it in slices of at most a chunk', async () => {
  const job = await newJob();
  const claim = await store.claim(job.id, new Date());
  const output = patterned(2 * CHUNK_BYTES + 7);
  const ending = { status: 'succeeded' as const, output, records: 1, expiresAt: new Date(Date.now() + 60_000) };
  assert.equal(await store.end(job.id, claim!.attempt, ending, new Date(), async () => {}), true);
  const chunks = await rows<{ seq: number; bytes: number }>(db, "select seq, length(content) as bytes from job_payloads where job_id = ? and kind = 'output' order by seq", [job.id]);
  assert.deepEqual(chunks, [{ seq: 0, bytes: CHUNK_BYTES }, { seq: 1, bytes: CHUNK_BYTES }, { seq: 2, bytes: 7 }]);
  const read = await joined(store.readOutput(job.id));
  assert.ok(read.content.equals(output));
});

it('serves a payload stored whole, before payloads were chunked, in slices of at most a chunk', async () => {
  const job = await newJob();
  const whole = patterned(2 * CHUNK_BYTES + 300);
  await rows(db, "insert into job_payloads (job_id, kind, seq, account_id, content) values (?, 'output', 0, ?, ?)", [job.id, accountId, whole]);
  const read = await joined(store.readOutput(job.id));
  assert.ok(read.content.equals(whole));
  assert.equal(read.largest, CHUNK_BYTES);
});

it('tells a deleted output apart from an empty one', async () => {
  const job = await newJob();
  await assert.rejects(joined(store.readOutput(job.id)), PayloadGone);
  const claim = await store.claim(job.id, new Date());
  const ending = { status: 'succeeded' as const, output: Buffer.alloc(0), records: 0, expiresAt: new Date(Date.now() + 60_000) };
  await store.end(job.id, claim!.attempt, ending, new Date(), async () => {});
  assert.equal((await joined(store.readOutput(job.id))).content.length, 0);
});
