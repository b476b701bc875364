// How many webhook endpoints an account may have is its plan's `webhook_endpoints` (plans.yaml):
// through the real server, one more is 422 E1303, also when the creates arrive all at once;
// deleting one makes room; the plan counted is the one the account has when it creates.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { call, startTestServer, type TestServer } from '../support/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'transmute-plans-'));
const PLANS = join(dir, 'plans.yaml');
writeFileSync(
  PLANS,
  ['free', 'pro', 'enterprise'].map((plan, i) => `${plan}: { requests: 10000, window_s: 60, webhook_endpoints: ${[2, 4, 8][i]} }`).join('\n'),
);

let server: TestServer;
let db: Database;

before(async () => {
  server = await startTestServer({ PLANS_FILE: PLANS, WEBHOOK_ALLOWLIST: '127.0.0.1', JOB_WORKERS: 'false' });
  db = await openDatabase(server.database.config);
});
after(async () => {
  await db?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let created = 0;
const create = (key: string) => call(`${server.url}/v1/webhook-endpoints`, { key, body: { url: `http://127.0.0.1:9/hook-${++created}`, events: ['job.succeeded'] } });
const count = async (key: string) => (await call(`${server.url}/v1/webhook-endpoints?limit=100`, { key })).body.data.length as number;

test("an account gets its plan's endpoints, disabled ones counted, then 422 E1303 until it deletes one", async () => {
  const { secret: key } = await server.newKey();
  const first = await create(key);
  assert.equal(first.status, 201, first.text);
  const paused = await call(`${server.url}/v1/webhook-endpoints/${first.body.endpoint.id}`, { key, method: 'PATCH', body: { enabled: false } });
  assert.equal(paused.status, 200, paused.text);
  assert.equal((await create(key)).status, 201);

  const refused = await create(key);
  assert.equal(refused.status, 422, refused.text);
  assert.equal(refused.body.code, 'E1303');
  assert.match(refused.body.detail, /plan allows 2 webhook endpoints/);
  assert.equal(await count(key), 2);

  assert.equal((await call(`${server.url}/v1/webhook-endpoints/${first.body.endpoint.id}`, { key, method: 'DELETE' })).status, 204);
  assert.equal((await create(key)).status, 201);
  assert.equal((await create(key)).status, 422);
});

test('creates that all counted before any inserted still stop at the limit', async () => {
  const { secret: key, accountId } = await server.newKey();
  const CREATES = 6;
  // The test holds the account's row while the creates arrive: each one's insert needs a share of
  // it (the foreign key), so unless they queue for the row before they count, all count zero.
  const replies = await db.orm.em.fork().transactional(async (em) => {
    await em.execute('select 1 from accounts where id = ? for update', [accountId]);
    const sent = Array.from({ length: CREATES }, () => create(key));
    await until(async () => (await waitingForLocks()) >= CREATES);
    return sent;
  });
  const statuses = (await Promise.all(replies)).map((reply) => reply.status).sort();
  assert.deepEqual(statuses, [201, 201, ...Array<number>(CREATES - 2).fill(422)]);
  assert.equal(await count(key), 2);
});

async function waitingForLocks(): Promise<number> {
  const [row] = await db.orm.em
    .fork()
    .execute<{ n: number }[]>("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
  return row!.n;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, 'condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('the plan counted is the one the account has now', async () => {
  const { secret: key, accountId } = await server.newKey();
  for (let i = 0; i < 2; i++) assert.equal((await create(key)).status, 201);
  assert.equal((await create(key)).status, 422);
  await db.orm.em.fork().execute("update accounts set plan = 'pro' where id = ?", [accountId]);
  for (let i = 0; i < 2; i++) assert.equal((await create(key)).status, 201);
  assert.equal((await create(key)).status, 422);
  assert.equal(await count(key), 4);
});
