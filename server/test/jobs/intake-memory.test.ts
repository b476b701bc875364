// A job's input is never held in memory whole (issue 4 §1). Measured in a server process of its own
// with heap-probe.ts: while a 27 MiB input is uploaded and stored, live memory (heap and buffers,
// sampled after full collections, so garbage waiting for the collector does not count) grows by
// less than a quarter of the input. The whole-body reader this replaced held the body text, the
// parsed input and a Buffer of it at the same time: over three times the input. A second process,
// with workers and the probe in its conversion thread, then runs the job: as each chunk of the
// input reaches the thread, the thread holds the text decoded so far and that chunk, no more (it
// was handed the whole input as bytes before, and decoded it, holding both for the whole
// conversion); and the output is the conversion of the input.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { ApiKeyService } from '../../src/auth/api-keys.ts';
import { CHUNK_BYTES } from '../../src/db/job-payload-store.ts';
import { convert } from '../../src/domain/index.ts';
import type { Database } from '../../src/db/orm.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { call } from '../support/server.ts';
import { listeningAt, serverEnv, spawnMain } from '../support/process.ts';
import { busyKey, csvOf, ended, openTestDatabase, storedInput, waitForJob } from './fixture.ts';

const PROBE = join(import.meta.dirname, 'heap-probe.ts');
const MAX_GROWTH = 0.25;
// The decoded text of an ASCII input takes a byte a character; what else a thread holds while it
// receives (the decoder, the text's parts) is far below half a chunk (about 0.3 MiB measured).
const THREAD_SLACK = CHUNK_BYTES / 2;
const pepper = randomBytes(32).toString('hex');
// 330,000 records: over the default limit of a conversion.
const RECORDS = { CONVERSION_MAX_RECORDS: '400000' };

let database: TestDatabase;
let db: Database;
const children: ChildProcess[] = [];

before(async () => {
  database = await createTestDatabase(RECORDS);
  db = await openTestDatabase(database.config);
});
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await db?.close();
  await database?.drop();
});

async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; base: string; stderr: () => string }> {
  const child = spawnMain(serverEnv(database, pepper, env));
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data));
  return { child, base: await listeningAt(child), stderr: () => stderr };
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

it('uploads a 27 MiB input holding under a quarter of it in memory, and converts it holding its bytes a chunk at a time', async () => {
  const api = await startProcess({ JOB_WORKERS: 'false', NODE_OPTIONS: `--expose-gc --import ${PROBE}` });
  const keys = new ApiKeyService(db, { ...database.config, apiKeys: { ...database.config.apiKeys, pepper } });
  const { secret } = await busyKey(keys);
  await keys.close();
  const createJob = (input: string) => call(`${api.base}/v1/jobs`, { key: secret, body: { from: 'csv', to: 'json', input } });

  // A first upload of a few chunks, so what every upload reuses (connections, driver buffers) is in the baseline.
  assert.equal((await createJob(csvOf(30_000))).status, 202);
  const input = csvOf(330_000);
  const inputBytes = Buffer.byteLength(input);
  assert.ok(inputBytes > 27 * 2 ** 20, String(inputBytes));

  api.child.kill('SIGUSR2');
  const created = await createJob(input);
  const reported = api.stderr().length;
  api.child.kill('SIGUSR2');
  let line: RegExpExecArray | null = null;
  while ((line = /heap-probe (\{.*\})/.exec(api.stderr().slice(reported))) === null) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(created.status, 202, created.text);
  const { baseline, peak } = JSON.parse(line[1]!) as { baseline: number; peak: number };
  const growth = peak - baseline;
  assert.ok(growth < MAX_GROWTH * inputBytes, `live memory grew by ${mib(growth)} for a ${mib(inputBytes)} input`);
  assert.ok((await storedInput(db, created.body.id)).content.equals(Buffer.from(input)), 'the stored input is the input');
  await stop(api.child);

  const worker = await startProcess({ JOB_WORKERS: 'true', JOB_CONCURRENCY: '1', ...RECORDS, NODE_OPTIONS: `--expose-gc --import ${PROBE}` });
  const job = await waitForJob(worker.base, secret, created.body.id, ended, 120_000);
  assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
  // One report per conversion: this job's, and the first upload's if this process ran it. Sample k
  // is taken as message k arrives: chunk k, with chunks 0 to k - 1 decoded; the last, the end of
  // the input, with all of it decoded.
  const reports = [...worker.stderr().matchAll(/heap-probe-thread (\{.*\})/g)].map(([, json]) => (JSON.parse(json!) as { samples: number[] }).samples);
  const chunks = Math.ceil(inputBytes / CHUNK_BYTES);
  const samples = reports.find((report) => report.length === chunks + 1);
  assert.ok(samples, `no conversion thread received ${chunks} chunks: ${JSON.stringify(reports)}`);
  samples.forEach((sample, k) => {
    // The first sample holds chunk 0 already; the last holds no chunk.
    const text = Math.min(k * CHUNK_BYTES, inputBytes);
    const expected = k < chunks ? text : text - CHUNK_BYTES;
    const growth = sample - samples[0]!;
    assert.ok(growth <= expected + THREAD_SLACK, `at message ${k}, the thread holds ${mib(growth)} more than at the first, for ${mib(text)} of text`);
    if (k === chunks) assert.ok(growth >= expected - THREAD_SLACK, `with the whole input, the thread holds ${mib(growth)} more than at the first: the text is not all there`);
  });
  const expected = convert('csv', 'json', input, {}, database.config.conversion).output;
  const result = await fetch(`${worker.base}/v1/jobs/${job.id}/result`, { headers: { 'X-API-Key': secret } });
  assert.equal(result.status, 200);
  assert.ok((await result.text()) === expected, 'the output is the conversion of the input');
  await stop(worker.child);
});
