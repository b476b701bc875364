// Helpers the jobs tests share: inputs of a chosen size, waiting for a job, reading an event stream,
// and a look at the rows behind the API.
import assert from 'node:assert/strict';
import { call, type TestServer } from '../support/server.ts';
import { KEY_SCOPES } from '../../src/auth/scopes.ts';
import type { ApiKeyService } from '../../src/auth/api-keys.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { CHUNK_BYTES } from '../../src/db/job-payload-store.ts';
import { DEFAULT_OPTIONS } from '../../src/domain/options.ts';
import type { JobRecord, JobStore } from '../../src/db/job-store.ts';
import type { Config } from '../../src/config.ts';

/** A CSV of `rows` records, about 90 bytes each. */
export function csvOf(rows: number): string {
  const lines = ['id,name,email,amount,active,note'];
  for (let i = 0; i < rows; i++) lines.push(`${i},name ${i},user${i}@example.com,${(i * 1.37).toFixed(2)},${i % 2 === 0},"a note, with a comma ${i}"`);
  return lines.join('\n') + '\n';
}

let accounts = 0;

/**
 * A key of a new enterprise account: following jobs takes many requests, more than the free plan's
 * 60 a minute allows.
 */
export async function busyKey(keys: ApiKeyService | TestServer): Promise<{ secret: string; accountId: string }> {
  const service = 'running' in keys ? keys.running.keys : keys;
  const account = await service.findOrCreateAccount(`jobs${++accounts}-${process.pid}@example.com`, 'enterprise');
  return { secret: (await service.create(account.id, { name: 'jobs test', scopes: [...KEY_SCOPES] })).secret, accountId: account.id };
}

export async function waitForJob(base: string, key: string, id: string, until: (job: any) => boolean, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(`${base}/v1/jobs/${id}`, { key });
    assert.equal(res.status, 200, res.text);
    if (until(res.body)) return res.body;
    if (Date.now() > deadline) assert.fail(`job ${id} still ${res.body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const ended = (job: { status: string }) => !['queued', 'running'].includes(job.status);

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

/** Parses an event stream's text into its blocks (events, comments, retry lines). */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const event: SseEvent = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) event.comment = line.slice(1).trim();
        else {
          const at = line.indexOf(':');
          (event as Record<string, string>)[line.slice(0, at)] = line.slice(at + 1).trimStart();
        }
      }
      return event;
    });
}

export async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Direct access to the test database, for what the API does not show (payload rows, events). */
export async function rows<T>(db: Database, sql: string, params: unknown[] = []): Promise<T[]> {
  return db.orm.em.fork().getConnection().execute<T[]>(sql, params);
}

/** A job's stored input, its chunks joined; empty when it has none. */
export async function storedInput(db: Database, jobId: string): Promise<{ content: Buffer; chunks: number[] }> {
  const chunks = await rows<{ content: Buffer }>(db, "select content from job_payloads where job_id = ? and kind = 'input' order by seq", [jobId]);
  return { content: Buffer.concat(chunks.map((c) => c.content)), chunks: chunks.map((c) => c.content.length) };
}

/** Jobs and payload rows the account has: none after a refused or abandoned request. */
export async function leftovers(db: Database, accountId: string): Promise<{ jobs: number; payloads: number }> {
  const [row] = await rows<{ jobs: number; payloads: number }>(
    db,
    'select (select count(*)::int from jobs where account_id = ?) as jobs, (select count(*)::int from job_payloads where account_id = ?) as payloads',
    [accountId, accountId],
  );
  return row!;
}

export function openTestDatabase(config: Config): Promise<Database> {
  return openDatabase({ ...config, db: { ...config.db, poolMin: 0, poolMax: 2 } });
}

/** A CSV-to-JSON job made straight in the store, its input staged in chunks as a request's would be. */
export async function storeJob(store: JobStore, accountId: string, input: Buffer, requestId = 'req', stagedAt = new Date()): Promise<JobRecord> {
  const id = store.newJobId(stagedAt);
  let seq = 0;
  for (let offset = 0; seq === 0 || offset < input.length; offset += CHUNK_BYTES) {
    await store.stageInput(id, seq++, accountId, input.subarray(offset, offset + CHUNK_BYTES));
  }
  const job = { id, accountId, fromFormat: 'csv', toFormat: 'json', options: { ...DEFAULT_OPTIONS }, queueJobId: crypto.randomUUID(), requestId } as const;
  return store.create({ ...job, inputBytes: input.length }, new Date(), async () => {});
}
