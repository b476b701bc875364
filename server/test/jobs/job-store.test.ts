// The guard that makes a job end once: of two runs of the same job (the queue handed it out again
// while the first was still alive), only the newer one writes, and only once.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ApiKeyStore } from '../../src/db/api-key-store.ts';
import { JobStore, type OnEnd } from '../../src/db/job-store.ts';
import { DEFAULT_OPTIONS } from '../../src/domain/options.ts';
import type { Database } from '../../src/db/orm.ts';
import { openTestDatabase, rows } from './fixture.ts';

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

const newJob = () =>
  store.create(
    { accountId, fromFormat: 'csv', toFormat: 'json', options: { ...DEFAULT_OPTIONS }, queueJobId: crypto.randomUUID(), requestId: 'req' },
    Buffer.from('a\n1\n'),
    new Date(),
    async () => {},
  );

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

it('reads a payload larger than one slice back intact', async () => {
  const big = Buffer.alloc(5 * 1024 * 1024 + 123);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  const job = await store.create(
    { accountId, fromFormat: 'csv', toFormat: 'json', options: { ...DEFAULT_OPTIONS }, queueJobId: crypto.randomUUID(), requestId: 'req' },
    big,
    new Date(),
    async () => {},
  );
  assert.ok((await store.readInput(job.id, big.length))?.equals(big));
});
