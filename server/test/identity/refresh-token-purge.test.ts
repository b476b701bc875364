// Refresh-token rows are purged by the real server's minutely tick: revoked ones a week after their
// revocation, the others (spent or not) a refresh-token lifetime after they expired, so a spent
// token presented again meanwhile still revokes its family. Sessions are made through the API, then
// a token's expiry or revocation is moved into the past, as if it had been made that long ago.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { REFRESH_TOKEN_PURGE_QUEUE, REVOKED_KEPT_MS, RefreshTokenPurge } from '../../src/auth/refresh-token-purge.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { closeQueue, openQueue } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { call, signUp, startTestServer, type TestServer } from '../support/server.ts';
import { eventually } from '../webhooks/receiver.ts';

const TTL_S = 3_600;
// What stays "within the window" stays for this long: longer than a test takes.
const MARGIN_MS = 60_000;

let server: TestServer;
let db: Database;
let users = 0;

before(async () => {
  server = await startTestServer({ REFRESH_TOKEN_TTL_S: String(TTL_S) });
  db = await openDatabase(server.database.config);
});
after(async () => {
  await db?.close();
  await server?.stop();
});

const sql = (text: string, params: unknown[] = []) => db.orm.em.fork().execute<any[]>(text, params);
const hash = (token: string) => createHash('sha256').update(token).digest();

async function row(token: string): Promise<{ id: string } | undefined> {
  return (await sql('select id from refresh_tokens where token_hash = ?', [hash(token)]))[0];
}

async function refresh(token: string): Promise<{ status: number; body: any }> {
  return call(`${server.url}/v1/auth/refresh`, { body: { refresh_token: token } });
}

/** A signed-up user whose first refresh token was spent on a second one. */
async function rotatedSession(): Promise<{ spent: string; live: string; access: string }> {
  const user = await signUp(server.url, `purge${++users}@example.com`);
  const next = await refresh(user.refresh);
  assert.equal(next.status, 200);
  return { spent: user.refresh, live: next.body.refresh_token, access: next.body.access_token };
}

/** Moves the token's expiry or revocation `msAgo` into the past, as if made that long before. */
async function backdate(token: string, column: 'expires_at' | 'revoked_at', msAgo: number): Promise<void> {
  await sql(`update refresh_tokens set ${column} = ? where token_hash = ?`, [new Date(Date.now() - msAgo), hash(token)]);
}

const purgeAt = (at: number, batches?: { batch: number; maxBatches: number }) => new RefreshTokenPurge(db, server.database.config, batches).purge(new Date(at));

describe('a purge', () => {
  // First: the rows the later tests backdate would be deleted by the server's ticks meanwhile.
  it('deletes in batches of the size given', async () => {
    for (let i = 0; i < 5; i++) await rotatedSession();
    // A lifetime past every expiry: every row goes.
    const later = Date.now() + 3 * TTL_S * 1000;
    const total = Number((await sql('select count(*) as n from refresh_tokens'))[0].n);
    assert.ok(total >= 10, String(total));
    assert.equal(await purgeAt(later, { batch: 3, maxBatches: 2 }), 6);
    assert.equal(await purgeAt(later, { batch: total, maxBatches: 2 }), total - 6);
    assert.equal(await purgeAt(later), 0);
  });

  it('keeps a spent token a refresh-token lifetime past its expiry, so its reuse still ends the session', async () => {
    const { spent, live, access } = await rotatedSession();
    await backdate(spent, 'expires_at', TTL_S * 1000 - MARGIN_MS);
    await purgeAt(Date.now());
    assert.ok(await row(spent), 'kept within the window');

    const reuse = await refresh(spent);
    assert.equal(reuse.body.code, 'E1111');
    assert.match(reuse.body.detail, /used already/, 'reuse detected from the kept row');
    assert.equal((await refresh(live)).body.code, 'E1111', 'the family is revoked');
    assert.equal((await call(`${server.url}/v1/me`, { token: access })).body.code, 'E1110');
  });

  it('deletes a token expired for longer than that, and leaves its session working', async () => {
    const { spent, live, access } = await rotatedSession();
    await backdate(spent, 'expires_at', TTL_S * 1000 + 1_000);
    assert.ok((await purgeAt(Date.now())) >= 1);
    assert.equal(await row(spent), undefined);
    assert.ok(await row(live));
    assert.equal((await call(`${server.url}/v1/me`, { token: access })).status, 200);
    assert.equal((await refresh(live)).status, 200);
    // Gone, the spent token is an unknown one: refused, and it can no longer reveal anything.
    const late = await refresh(spent);
    assert.equal(late.body.code, 'E1111');
    assert.doesNotMatch(late.body.detail ?? '', /used already/);
  });

  it('deletes revoked tokens a week after the revocation, not before', async () => {
    const kept = await signUp(server.url, `purge${++users}@example.com`);
    const gone = await signUp(server.url, `purge${++users}@example.com`);
    for (const user of [kept, gone]) assert.equal((await call(`${server.url}/v1/auth/logout`, { method: 'POST', token: user.access })).status, 204);
    await backdate(kept.refresh, 'revoked_at', REVOKED_KEPT_MS - MARGIN_MS);
    await backdate(gone.refresh, 'revoked_at', REVOKED_KEPT_MS + 1_000);
    await purgeAt(Date.now());
    assert.ok(await row(kept.refresh));
    assert.equal(await row(gone.refresh), undefined);
    assert.equal((await refresh(gone.refresh)).body.code, 'E1111', 'still refused');
  });
});

describe("the server's purge", () => {
  it('runs on the minutely tick', async () => {
    const { spent, live } = await rotatedSession();
    await backdate(spent, 'expires_at', 2 * TTL_S * 1000);
    const boss = await openQueue(db, server.database.config, createLogger('silent'));
    await boss.send(REFRESH_TOKEN_PURGE_QUEUE, {});
    await closeQueue(boss, 1_000);
    await eventually(async () => (await row(spent)) === undefined, 'the long-expired token deleted');
    assert.ok(await row(live));
  });

  it('is scheduled every minute', async () => {
    assert.deepEqual(await sql('select name, cron from pgboss.schedule where name = ?', [REFRESH_TOKEN_PURGE_QUEUE]), [{ name: REFRESH_TOKEN_PURGE_QUEUE, cron: '* * * * *' }]);
  });
});
