// Idempotency-Key as a client sees it (draft-ietf-httpapi-idempotency-key-header): replay, a
// reused key, concurrent retries, expiry, 5xx and 4xx, crashed first attempts, malformed keys.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../src/http/problem.ts';
import { IdempotencyStore } from '../../src/db/idempotency-store.ts';
import { startHarness, type Harness } from './harness.ts';
import type { Handler } from '../../src/http/handler.ts';

/** What the test handler does, chosen by the job's `input`. */
type Behaviour = 'ok' | 'slow' | 'crash' | 'not-found' | 'hang';

let runs = 0;
const hung: (() => void)[] = [];

const createJob: Handler<'createJob'> = async ({ body }) => {
  runs++;
  const behaviour = body.input as Behaviour;
  if (behaviour === 'slow') await sleep(300);
  if (behaviour === 'hang') await new Promise<void>((resolve) => hung.push(resolve));
  if (behaviour === 'crash') throw new Error('the database went away');
  if (behaviour === 'not-found') throw new ApiError('E1005', 'No such thing.');
  const id = `job_${String(runs).padStart(24, '0')}`;
  return { status: 202, body: { id, run: runs } as never, headers: { Location: `/v1/jobs/${id}` } };
};

function post(harness: Harness, key: string, idempotencyKey: string | undefined, body: unknown, raw?: string) {
  return fetch(`${harness.url}/v1/jobs`, {
    method: 'POST',
    headers: { 'X-API-Key': key, 'Content-Type': 'application/json', ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }) },
    body: raw ?? JSON.stringify(body),
  });
}

const job = (input: Behaviour | string) => ({ from: 'csv', to: 'json', input });

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 2_000) assert.fail('the handler did not start');
    await sleep(10);
  }
}

async function problem(res: Response): Promise<{ code: string; errors?: { path: string }[] }> {
  return (await res.json()) as { code: string; errors?: { path: string }[] };
}

describe('Idempotency-Key', () => {
  let harness: Harness;
  let key: string;

  before(async () => {
    harness = await startHarness({ createJob, lockMs: 400 });
    key = await harness.newKey();
  });
  after(async () => {
    for (const release of hung) release();
    await harness.close();
  });

  it('replays the first response exactly, without running the handler again', async () => {
    const idem = randomUUID();
    const before = runs;
    const first = await post(harness, key, idem, job('ok'));
    const firstBody = await first.text();
    const second = await post(harness, key, idem, job('ok'));
    const secondBody = await second.text();
    assert.equal(runs - before, 1);
    assert.equal(first.status, 202);
    assert.equal(second.status, 202);
    assert.equal(secondBody, firstBody);
    assert.equal(second.headers.get('location'), first.headers.get('location'));
    assert.match(first.headers.get('location') ?? '', /^\/v1\/jobs\/job_/);
    assert.equal(second.headers.get('content-type'), first.headers.get('content-type'));
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    // Each reply keeps its own request id: only the response itself is replayed.
    assert.notEqual(second.headers.get('x-request-id'), first.headers.get('x-request-id'));
  });

  it('treats the same JSON with other key order and spacing as the same request', async () => {
    const idem = randomUUID();
    const before = runs;
    await post(harness, key, idem, job('ok'));
    const reordered = await post(harness, key, idem, undefined, '{ "input": "ok",\n  "to": "json", "from": "csv" }');
    assert.equal(reordered.status, 202);
    assert.equal(reordered.headers.get('idempotent-replayed'), 'true');
    assert.equal(runs - before, 1);
  });

  it('refuses the same key with another payload (422 E1010)', async () => {
    const idem = randomUUID();
    assert.equal((await post(harness, key, idem, job('ok'))).status, 202);
    const before = runs;
    const other = await post(harness, key, idem, job('other input'));
    assert.equal(other.status, 422);
    assert.equal((await problem(other)).code, 'E1010');
    assert.equal(runs, before);
  });

  it('scopes keys to the account: another account may use the same key', async () => {
    const idem = randomUUID();
    const before = runs;
    const mine = await post(harness, key, idem, job('ok'));
    const theirs = await post(harness, await harness.newKey(), idem, job('ok'));
    assert.equal(runs - before, 2);
    assert.equal(theirs.headers.get('idempotent-replayed'), null);
    assert.notEqual(await theirs.text(), await mine.text());
  });

  it('runs the handler once for concurrent identical requests; the others get 409 or the replay', async () => {
    const idem = randomUUID();
    const before = runs;
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(harness, key, idem, job('slow'))));
    assert.equal(runs - before, 1);
    const original = replies.filter((r) => r.status === 202 && r.headers.get('idempotent-replayed') === null);
    const busy = replies.filter((r) => r.status === 409);
    const replayed = replies.filter((r) => r.status === 202 && r.headers.get('idempotent-replayed') === 'true');
    assert.equal(original.length, 1);
    assert.equal(busy.length + replayed.length, 9);
    assert.ok(busy.length > 0, 'a 300 ms handler should still be running when the others arrive');
    for (const reply of busy) {
      assert.equal(reply.headers.get('retry-after'), '1');
      assert.equal((await problem(reply)).code, 'E1009');
    }
    // After the first finishes, a retry gets its response.
    const retry = await post(harness, key, idem, job('slow'));
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(await retry.text(), await original[0]!.text());
  });

  it('does not store a 5xx: the key is released and a retry runs again', async () => {
    const idem = randomUUID();
    const before = runs;
    assert.equal((await post(harness, key, idem, job('crash'))).status, 500);
    const retry = await post(harness, key, idem, job('crash'));
    assert.equal(retry.status, 500);
    assert.equal(retry.headers.get('idempotent-replayed'), null);
    assert.equal(runs - before, 2);
    const rows = await harness.db.orm.em.fork().execute('select 1 from idempotency_keys where key = ?', [idem]);
    assert.equal(rows.length, 0);
  });

  it('stores a 4xx and replays it', async () => {
    const idem = randomUUID();
    const before = runs;
    const first = await post(harness, key, idem, job('not-found'));
    const second = await post(harness, key, idem, job('not-found'));
    assert.equal(first.status, 404);
    assert.equal(second.status, 404);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(second.headers.get('content-type'), 'application/problem+json');
    assert.equal(await second.text(), await first.text());
    assert.equal(runs - before, 1);
  });

  it('lets a retry take over a first attempt that died holding the key, once its lock expires', async () => {
    const idem = randomUUID();
    const before = runs;
    const stuck = post(harness, key, idem, job('hang'));
    await until(() => runs === before + 1);
    assert.equal((await post(harness, key, idem, job('hang'))).status, 409);
    await sleep(450);
    const takeover = post(harness, key, idem, job('hang'));
    await until(() => runs === before + 2);
    assert.equal(runs - before, 2);
    for (const release of hung.splice(0)) release();
    assert.equal((await takeover).status, 202);
    assert.equal((await stuck).status, 202);
  });

  it('refuses an empty key, a key over 255 characters, and one that is not printable ASCII (400 E1001)', async () => {
    const before = runs;
    for (const bad of ['', 'k'.repeat(256), 'clé']) {
      const res = await post(harness, key, bad, job('ok'));
      assert.equal(res.status, 400, JSON.stringify(bad));
      const body = await problem(res);
      assert.equal(body.code, 'E1001');
      assert.equal(body.errors?.[0]?.path, '/header/Idempotency-Key');
    }
    assert.equal((await post(harness, key, 'k'.repeat(255), job('ok'))).status, 202);
    assert.equal(runs - before, 1);
  });

  it('without the header, every request runs', async () => {
    const before = runs;
    await post(harness, key, undefined, job('ok'));
    await post(harness, key, undefined, job('ok'));
    assert.equal(runs - before, 2);
  });

  it('keeps the stored response sealed, not readable in the table', async () => {
    const idem = randomUUID();
    const body = await (await post(harness, key, idem, job('ok'))).text();
    const [row] = await harness.db.orm.em.fork().execute<{ response_body: Buffer }[]>('select response_body from idempotency_keys where key = ?', [idem]);
    assert.ok(row);
    assert.equal(row.response_body.includes(Buffer.from(body)), false);
    assert.equal(row.response_body.includes(Buffer.from('"run"')), false);
  });
});

describe('Idempotency-Key expiry', () => {
  let harness: Harness;
  let key: string;

  before(async () => {
    harness = await startHarness({ createJob, ttlMs: 300 });
    key = await harness.newKey();
  });
  after(() => harness.close());

  it('forgets a key after its time to live: the same key then runs a new request', async () => {
    const idem = randomUUID();
    assert.equal((await post(harness, key, idem, job('ok'))).status, 202);
    assert.equal((await post(harness, key, idem, job('other'))).status, 422);
    await sleep(400);
    const before = runs;
    const fresh = await post(harness, key, idem, job('other'));
    assert.equal(fresh.status, 202);
    assert.equal(fresh.headers.get('idempotent-replayed'), null);
    assert.equal(runs - before, 1);
  });

  it('purges expired keys from the table', async () => {
    const idem = randomUUID();
    await post(harness, key, idem, job('ok'));
    await sleep(400);
    const count = async () => (await harness.db.orm.em.fork().execute('select 1 from idempotency_keys where key = ?', [idem])).length;
    assert.equal(await count(), 1);
    assert.equal(await new IdempotencyStore(harness.db.orm).purgeExpired(new Date()), false);
    assert.equal(await count(), 0);
  });
});
