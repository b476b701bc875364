// The audit log against a real PostgreSQL: append-only in the database itself, batched writes
// that lose nothing on close, listing one account's events, record() that never throws, and
// recordIn() that writes in the caller's transaction.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditLog, fromMeta, type AuditEvent, type AuditLogOptions } from '../../src/audit/audit-log.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { ApiError } from '../../src/http/problem.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let testDb: TestDatabase;
let db: Database;
let queries = 0;
let accounts = 0;

before(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase(testDb.config);
  await db.migrate();
  // Every statement takes a connection from the pool: counting checkouts counts round trips.
  const pool = (await db.orm.em.getConnection().getNativeClient()) as EventEmitter;
  pool.on('acquire', () => queries++);
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

/** An AuditLog whose log lines are kept; its timer never fires unless asked to. */
function auditLog(options: AuditLogOptions = { flushIntervalMs: 600_000 }) {
  const lines: Record<string, unknown>[] = [];
  const log = new AuditLog(db, createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) }), options);
  return { log, lines };
}

function newAccount(): string {
  return `acct_test${++accounts}`;
}

function event(accountId: string | null, action = 'auth.login', extra: Partial<AuditEvent> = {}): AuditEvent {
  return { action, accountId, actorType: 'user', actorId: accountId, outcome: 'success', ip: '203.0.113.7', userAgent: 'tests/1', requestId: 'req-1', ...extra };
}

async function count(accountId: string): Promise<number> {
  const [row] = await db.orm.em.getConnection().execute<{ n: string }[]>('select count(*) as n from audit_events where account_id = ?', [accountId]);
  return Number(row!.n);
}

async function sql(statement: string, params: unknown[] = []): Promise<void> {
  await db.orm.em.getConnection().execute(statement, params);
}

test('UPDATE, DELETE and TRUNCATE of audit events are refused by the database', async () => {
  const { log } = auditLog();
  const account = newAccount();
  log.record(event(account, 'auth.login', { details: { reason: 'x' } }));
  await log.close();
  for (const statement of [
    'update audit_events set action = ? where account_id = ?',
    'update audit_events set outcome = ? where account_id = ?',
    'update audit_events set ip = null where account_id = ? or account_id = ?',
    'delete from audit_events where action <> ? and account_id = ?',
  ]) {
    await assert.rejects(sql(statement, statement.includes('outcome') ? ['failure', account] : ['auth.logout', account]), /append-only/, statement);
  }
  await assert.rejects(sql('truncate audit_events'), /append-only/);
  assert.equal(await count(account), 1);
  const [row] = await db.orm.em.getConnection().execute('select action, outcome, ip, details from audit_events where account_id = ?', [account]);
  assert.deepEqual(row, { action: 'auth.login', outcome: 'success', ip: '203.0.113.7', details: { reason: 'x' } });
});

test('the one UPDATE allowed anonymises an event in full and changes nothing else', async () => {
  const { log } = auditLog();
  const account = newAccount();
  log.record(event(account, 'auth.login', { details: { email: 'a@example.com' } }));
  await sleep(2); // ids order events across milliseconds; within one, order is arbitrary
  log.record(event(account, 'auth.logout'));
  await log.close();
  // Half an anonymisation, or one that also rewrites history, is refused.
  await assert.rejects(sql(`update audit_events set ip = null, user_agent = null, details = '{}' where account_id = ?`, [account]), /append-only/);
  await assert.rejects(
    sql(`update audit_events set ip = null, user_agent = null, actor_id = null, details = '{}', action = 'x' where account_id = ?`, [account]),
    /append-only/,
  );
  await sql(`update audit_events set ip = null, user_agent = null, actor_id = null, details = '{}' where account_id = ?`, [account]);
  const { data } = await new AuditLog(db, createLogger('silent')).list(account, { limit: 10 });
  assert.deepEqual(data.map((e) => [e.action, e.outcome, e.actor_type, e.actor_id, e.ip, e.user_agent, e.request_id, e.details]), [
    ['auth.logout', 'success', 'user', null, null, null, 'req-1', {}],
    ['auth.login', 'success', 'user', null, null, null, 'req-1', {}],
  ]);
});

test('list returns only the named account, newest first, in the shape the API shows', async () => {
  const { log } = auditLog();
  const mine = newAccount();
  const theirs = newAccount();
  log.record(event(mine, 'auth.login', { details: { method: 'password', mfa: false, attempt: 1, note: null } }));
  log.record(event(theirs, 'auth.login'));
  log.record(event(null, 'auth.login', { actorType: 'anonymous', actorId: null }));
  await sleep(2);
  log.record(event(mine, 'api_key.created', { actorType: 'user', userAgent: undefined }));
  const { data, next_cursor } = await log.list(mine, { limit: 10 });
  assert.equal(next_cursor, null);
  assert.deepEqual(data.map((e) => e.action), ['api_key.created', 'auth.login']);
  const [created, login] = data as [NonNullable<(typeof data)[0]>, NonNullable<(typeof data)[0]>];
  assert.deepEqual(Object.keys(login).sort(), ['action', 'actor_id', 'actor_type', 'created_at', 'details', 'id', 'ip', 'outcome', 'request_id', 'user_agent']);
  assert.match(login.id, /^aud_[0-9a-z]{24}$/);
  assert.equal(login.created_at, new Date(login.created_at).toISOString());
  assert.deepEqual(login.details, { method: 'password', mfa: false, attempt: 1, note: null });
  assert.equal(login.actor_id, mine);
  assert.equal(created.user_agent, null);
  assert.deepEqual(created.details, {});
  assert.deepEqual((await log.list(theirs, { limit: 10 })).data.map((e) => e.action), ['auth.login']);
  await log.close();
});

test('list pages with a limit of 2 and filters by action', async () => {
  const { log } = auditLog();
  const account = newAccount();
  const actions = ['a.one', 'a.two', 'b.three', 'a.four', 'a.five'];
  for (const action of actions) {
    log.record(event(account, action));
    await sleep(2);
  }
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const result = await log.list(account, { limit: 2, cursor });
    pages.push(result.data.map((e) => e.action));
    cursor = result.next_cursor ?? undefined;
  } while (cursor !== undefined);
  assert.deepEqual(pages, [['a.five', 'a.four'], ['b.three', 'a.two'], ['a.one']]);

  const first = await log.list(account, { limit: 2, action: 'a.two' });
  assert.deepEqual(first.data.map((e) => e.action), ['a.two']);
  assert.equal(first.next_cursor, null);
  const filtered = await log.list(account, { limit: 1, action: 'b.three' });
  assert.deepEqual(filtered.data.map((e) => e.action), ['b.three']);
  await log.close();
});

test("a malformed cursor, or another list's, is a validation error at /query/cursor", async () => {
  const { log } = auditLog();
  const keyCursor = Buffer.from(`key_${'0'.repeat(24)}`).toString('base64url');
  for (const cursor of ['%%%', keyCursor, 'YXVkXw']) {
    await assert.rejects(log.list(newAccount(), { limit: 5, cursor }), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, 'E1001');
      assert.deepEqual(error.errors, [{ path: '/query/cursor', message: 'is not a cursor from this API' }]);
      return true;
    });
  }
  await log.close();
});

test('close() writes everything buffered, in batched INSERTs, losing nothing', async () => {
  const { log } = auditLog();
  const account = newAccount();
  for (let i = 0; i < 1_200; i++) log.record(event(account, 'bulk.event', { details: { i } }));
  assert.equal(await count(account), 0, 'nothing is written per event');
  const before = queries;
  await log.close();
  assert.equal(queries - before, 5, 'five INSERTs of at most 250 rows');
  assert.equal(await count(account), 1_200);
  const [row] = await db.orm.em
    .getConnection()
    .execute<{ n: string }[]>(`select count(distinct (details->>'i')) as n from audit_events where account_id = ?`, [account]);
  assert.equal(Number(row!.n), 1_200);
  assert.equal(log.dropped, 0);
});

test('events recorded while a write is in flight are written by the next flush', async () => {
  const { log } = auditLog();
  const account = newAccount();
  log.record(event(account));
  const first = log.flush();
  log.record(event(account));
  const second = log.flush();
  await Promise.all([first, second]);
  assert.equal(await count(account), 2);
  await log.close();
});

test('without flush(), buffered events are written within the flush interval', async () => {
  const { log } = auditLog({ flushIntervalMs: 50 });
  const account = newAccount();
  log.record(event(account));
  log.record(event(account));
  for (let waited = 0; (await count(account)) < 2 && waited < 5_000; waited += 25) await sleep(25);
  assert.equal(await count(account), 2);
  await log.close();
});

test('recordIn() stores the event with its transaction: committed, or rolled back with it', async () => {
  const { log, lines } = auditLog();
  const committed = newAccount();
  await db.orm.em.fork().transactional((em) => log.recordIn(em, event(committed, 'webhook_endpoint.disabled')));
  assert.equal(await count(committed), 1, 'stored without a flush');
  const rolledBack = newAccount();
  await assert.rejects(
    db.orm.em.fork().transactional(async (em) => {
      await log.recordIn(em, event(rolledBack, 'webhook_endpoint.disabled'));
      throw new Error('the change failed');
    }),
    /the change failed/,
  );
  assert.equal(await count(rolledBack), 0);
  assert.deepEqual(
    lines.filter((line) => line.audit === true).map((line) => line.account_id),
    [committed, rolledBack],
    'each logged at once, as record() does',
  );
  await log.close();
  assert.equal(await count(rolledBack), 0, 'nor buffered for a later flush');
});

test('each event is also a structured log line at once, with no secret in it', () => {
  const { log, lines } = auditLog();
  const account = newAccount();
  log.record({ ...event(account, 'auth.login_failed', { outcome: 'failure', details: { reason: 'bad_password', secret: 'hunter2', refresh_token: 'hunter3', token_family: 'f1' } }) });
  const line = lines.find((l) => l.audit === true && l.account_id === account);
  assert.ok(line, 'written before any flush');
  assert.equal(line.action, 'auth.login_failed');
  assert.equal(line.outcome, 'failure');
  assert.equal(line.ip, '203.0.113.7');
  assert.equal(line.request_id, 'req-1');
  assert.match(String(line.event_id), /^aud_/);
  assert.deepEqual(line.details, { reason: 'bad_password', secret: '[redacted]', refresh_token: '[redacted]', token_family: 'f1' });
  assert.ok(!/hunter/.test(JSON.stringify(lines)));
  return log.close();
});

test('record() never throws, and cleans what PostgreSQL would refuse', async () => {
  const { log, lines } = auditLog();
  const account = newAccount();
  assert.doesNotThrow(() => log.record({ ...event(account), actorType: 'robot' as never }));
  assert.doesNotThrow(() => log.record({ ...event(account), outcome: 'maybe' as never }));
  assert.doesNotThrow(() => log.record({ ...event(account), action: '' }));
  assert.doesNotThrow(() => log.record(null as never));
  assert.equal(lines.filter((l) => l.msg === 'audit event not recorded').length, 4);
  log.record(event(account, 'odd.input', {
    userAgent: `x\u0000${'u'.repeat(600)}`,
    details: { nul: 'a\u0000b', lone: 'a\ud800b', huge: 'z'.repeat(5_000), nan: Number.NaN, nested: { no: 1 } as never },
  }));
  await log.close();
  const { data } = await new AuditLog(db, createLogger('silent')).list(account, { limit: 10 });
  assert.equal(data.length, 1, 'only the valid event is stored');
  const [stored] = data as [NonNullable<(typeof data)[0]>];
  assert.equal(stored.user_agent, `x${'u'.repeat(511)}`);
  assert.equal(stored.details.nul, 'ab');
  assert.equal(stored.details.lone, 'a\ufffdb');
  assert.equal(String(stored.details.huge).length, 1_024);
  assert.equal(stored.details.nan, null);
  assert.ok(!('nested' in stored.details));
});

test('a full buffer drops the oldest events, counts them and says so', async () => {
  const { log, lines } = auditLog({ flushIntervalMs: 600_000, maxBuffered: 3 });
  const account = newAccount();
  for (const action of ['e.one', 'e.two', 'e.three', 'e.four', 'e.five']) log.record(event(account, action));
  assert.equal(log.dropped, 2);
  assert.equal(lines.filter((l) => l.msg === 'audit events are being dropped').length, 1, 'said once, not per event');
  await log.close();
  const { data } = await new AuditLog(db, createLogger('silent')).list(account, { limit: 10 });
  assert.deepEqual(data.map((e) => e.action).sort(), ['e.five', 'e.four', 'e.three']);
  assert.ok(lines.some((l) => l.msg === 'audit events were dropped while the buffer was full' && l.dropped === 2));
});

test('a failed write keeps the events for the next one', async () => {
  const { log } = auditLog();
  const account = newAccount();
  log.record(event(account, 'kept.one'));
  log.record(event(account, 'kept.two'));
  await sql('alter table audit_events rename to audit_events_away');
  try {
    await assert.rejects(log.flush());
  } finally {
    await sql('alter table audit_events_away rename to audit_events');
  }
  await log.close();
  assert.equal(await count(account), 2);
});

test('after close(), an event is still logged but counted as dropped', async () => {
  const { log, lines } = auditLog();
  const account = newAccount();
  await log.close();
  assert.doesNotThrow(() => log.record(event(account, 'late.event')));
  assert.equal(log.dropped, 1);
  assert.ok(lines.some((l) => l.action === 'late.event'));
  assert.equal(await count(account), 0);
});

test('fromMeta carries the request into an event', () => {
  assert.deepEqual(fromMeta({ ip: '192.0.2.1', userAgent: 'ua', requestId: 'r1' }), { ip: '192.0.2.1', userAgent: 'ua', requestId: 'r1' });
  assert.deepEqual(fromMeta({ ip: '192.0.2.1', userAgent: undefined, requestId: 'r1' }), { ip: '192.0.2.1', userAgent: undefined, requestId: 'r1' });
});
