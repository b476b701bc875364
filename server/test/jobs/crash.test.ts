// A worker process killed mid-job (SIGKILL: no shutdown, no cleanup). Another process on the same
// database picks the job up again within seconds, and the job ends once: one output, one
// job.succeeded event, the output right.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { call } from '../support/server.ts';
import { listeningAt, serverEnv, spawnMain } from '../support/process.ts';
import { ApiKeyService } from '../../src/auth/api-keys.ts';
import { convert } from '../../src/domain/index.ts';
import type { Database } from '../../src/db/orm.ts';
import { busyKey, csvOf, ended, openTestDatabase, rows, waitForJob } from './fixture.ts';

const pepper = randomBytes(32).toString('hex');

let database: TestDatabase;
let db: Database;
const children: ChildProcess[] = [];

before(async () => {
  database = await createTestDatabase();
  db = await openTestDatabase({ ...database.config, apiKeys: { ...database.config.apiKeys, pepper } });
});
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await db?.close();
  await database?.drop();
});

/** The server as its own process, with workers; resolves with its base URL once it listens. */
async function startProcess(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawnMain(serverEnv(database, pepper, { JOB_WORKERS: 'true', JOB_CONCURRENCY: '1' }));
  children.push(child);
  return { child, base: await listeningAt(child) };
}

it('a job whose worker was killed is run again by another process and ends once', async () => {
  const first = await startProcess();
  const keys = new ApiKeyService(db, { ...database.config, apiKeys: { ...database.config.apiKeys, pepper } });
  const { secret } = await busyKey(keys);
  await keys.close();

  // About 3.5 MB of CSV to YAML: over a second of conversion, a wide window to kill it in.
  const request = { from: 'csv', to: 'yaml', input: csvOf(40_000) } as const;
  const created = await call(`${first.base}/v1/jobs`, { key: secret, body: request });
  assert.equal(created.status, 202, created.text);
  const id = created.body.id as string;

  // Killed once its input is read and the conversion is under way.
  const running = await waitForJob(first.base, secret, id, (job) => job.progress >= 0.1 || ended(job));
  assert.equal(running.status, 'running', 'the job was still running when the worker was killed');
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');
  const [stale] = await rows<{ status: string; attempts: number }>(db, 'select status, attempts from jobs where id = ?', [id]);
  assert.deepEqual(stale, { status: 'running', attempts: 1 }, 'the killed run left the job running');

  const killedAt = Date.now();
  const second = await startProcess();
  // Computed while the second process waits to notice the first one's death.
  const expected = convert(request.from, request.to, request.input, {}, database.config.conversion).output;
  const job = await waitForJob(second.base, secret, id, ended, 40_000);
  assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
  assert.ok(job.attempts >= 2, `attempts ${job.attempts}`);
  assert.ok(Date.now() - killedAt < 30_000, 'picked up again within seconds');

  const payloads = await rows<{ kind: string; bytes: number }>(
    db,
    'select kind, sum(length(content))::int as bytes from job_payloads where job_id = ? group by kind',
    [id],
  );
  assert.deepEqual(payloads, [{ kind: 'output', bytes: job.result.bytes }], 'one output, and the input deleted');
  const events = await rows<{ type: string }>(db, "select type from webhook_events where data->>'job_id' = ?", [id]);
  assert.deepEqual(events, [{ type: 'job.succeeded' }]);

  const result = await fetch(`${second.base}/v1/jobs/${id}/result`, { headers: { 'X-API-Key': secret } });
  assert.equal(result.status, 200);
  assert.ok((await result.text()) === expected, 'the output is the conversion of the input');

  second.child.kill('SIGTERM');
  const [code] = await once(second.child, 'exit');
  assert.equal(code, 0);
});
