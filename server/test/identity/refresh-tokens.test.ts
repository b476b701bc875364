import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { TokenPair } from '../../src/auth/session-tokens.ts';
import { type IdentityFixture, META, newEmail, PASSWORD, rejectsWith, startIdentity } from './fixture.ts';

let f: IdentityFixture;
let accountId: string;

before(async () => {
  f = await startIdentity();
  accountId = (await f.identity.accounts.signup({ email: newEmail(), password: PASSWORD }, META)).account.id;
});

after(() => f?.close());

const start = () => f.identity.sessions.start({ id: accountId, plan: 'free' }, META);
const refresh = (token: string) => f.identity.sessions.refresh(token, META);
const sessionOf = async (pair: TokenPair) => (await f.identity.accessTokens.verifyAccessToken(pair.access_token)).sessionId;

async function rows(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  return f.db.orm.em.fork().execute(sql, params);
}

test('a pair has the wire shape, and the refresh token is opaque with 256 random bits', async () => {
  const pair = await start();
  assert.deepEqual(Object.keys(pair).sort(), ['access_token', 'expires_in', 'refresh_token', 'refresh_token_expires_in', 'token_type']);
  assert.equal(pair.token_type, 'Bearer');
  assert.equal(pair.refresh_token_expires_in, f.testDb.config.jwt.refreshTtlS);
  assert.match(pair.refresh_token, /^tmr_[A-Za-z0-9_-]{43}$/);
});

test('only the SHA-256 of a refresh token is stored, with who asked for it', async () => {
  const pair = await start();
  const sha = createHash('sha256').update(pair.refresh_token).digest();
  const [row] = await rows('select * from refresh_tokens where token_hash = ?', [sha]);
  assert.ok(row);
  assert.equal(row.account_id, accountId);
  assert.equal(row.ip, META.ip);
  assert.equal(row.user_agent, META.userAgent);
  const everything = JSON.stringify(await rows('select * from refresh_tokens', []));
  assert.equal(everything.includes(pair.refresh_token.slice(4)), false);
});

test('refreshing rotates: a new pair in the same session, and the old refresh token is spent', async () => {
  const first = await start();
  const second = await refresh(first.refresh_token);
  assert.notEqual(second.refresh_token, first.refresh_token);
  assert.notEqual(second.access_token, first.access_token);
  assert.equal(await sessionOf(second), await sessionOf(first));
  const third = await refresh(second.refresh_token);
  assert.equal(await sessionOf(third), await sessionOf(first));
});

test('reusing a spent refresh token revokes the whole family, its access tokens included, and is audited', async () => {
  const first = await start();
  const sessionId = await sessionOf(first);
  const second = await refresh(first.refresh_token);
  await f.identity.accessTokens.verifyAccessToken(second.access_token);
  const reuse = await rejectsWith(refresh(first.refresh_token), 'E1111');
  assert.match(reuse.detail ?? '', /already/);
  // The thief's or the client's copy: the server cannot tell, so the newest token is dead too.
  await rejectsWith(refresh(second.refresh_token), 'E1111');
  await rejectsWith(f.identity.accessTokens.verifyAccessToken(second.access_token), 'E1110');
  await rejectsWith(f.identity.accessTokens.verifyAccessToken(first.access_token), 'E1110');
  const event = f.audit.events.find((e) => e.action === 'refresh_token.reused' && e.details?.session_id === sessionId);
  assert.ok(event);
  assert.equal(event.accountId, accountId);
  assert.equal(event.ip, META.ip);
  const live = await rows('select count(*)::int as n from refresh_tokens where session_id = ? and revoked_at is null', [sessionId]);
  assert.equal(live[0]!.n, 0);
});

test('reuse revokes only that family: the account\'s other sessions go on', async () => {
  const other = await start();
  const first = await start();
  await refresh(first.refresh_token);
  await rejectsWith(refresh(first.refresh_token), 'E1111');
  await f.identity.accessTokens.verifyAccessToken(other.access_token);
  await refresh(other.refresh_token);
});

test('two concurrent refreshes of one token: exactly one wins', async () => {
  for (let round = 0; round < 5; round++) {
    const pair = await start();
    const results = await Promise.allSettled([refresh(pair.refresh_token), refresh(pair.refresh_token), refresh(pair.refresh_token)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1, `round ${round}: ${won.length} winners`);
    for (const lost of results.filter((r) => r.status === 'rejected')) assert.equal(lost.reason.code, 'E1111');
    const sessionId = await rows('select session_id from refresh_tokens where token_hash = ?', [
      createHash('sha256').update(pair.refresh_token).digest(),
    ]);
    const issued = await rows('select count(*)::int as n from refresh_tokens where session_id = ?', [sessionId[0]!.session_id]);
    assert.equal(issued[0]!.n, 2, 'the spent token and the one winner’s');
  }
});

test('unknown, malformed and expired refresh tokens are refused', async () => {
  await rejectsWith(refresh(`tmr_${'A'.repeat(43)}`), 'E1111');
  await rejectsWith(refresh('not-a-token'), 'E1111');
  await rejectsWith(refresh(''), 'E1111');
  const pair = await start();
  const { refreshTtlS } = f.testDb.config.jwt;
  try {
    f.clock.advance(refreshTtlS + 1);
    await rejectsWith(refresh(pair.refresh_token), 'E1111');
  } finally {
    f.clock.advance(-(refreshTtlS + 1));
  }
  // Expiry did not spend it.
  await refresh(pair.refresh_token);
});

test('log-out revokes the session: its refresh and access tokens stop working, others do not', async () => {
  const kept = await start();
  const pair = await start();
  await f.identity.sessions.revokeSession(await sessionOf(pair));
  await rejectsWith(refresh(pair.refresh_token), 'E1111');
  await rejectsWith(f.identity.accessTokens.verifyAccessToken(pair.access_token), 'E1110');
  await f.identity.accessTokens.verifyAccessToken(kept.access_token);
});

test('revoking all sessions signs the account out everywhere', async () => {
  const pairs = [await start(), await start(), await start()];
  for (const pair of pairs) await f.identity.accessTokens.verifyAccessToken(pair.access_token);
  const reusesBefore = f.audit.actions(accountId).filter((a) => a === 'refresh_token.reused').length;
  await f.identity.sessions.revokeAllSessions(accountId);
  for (const pair of pairs) {
    await rejectsWith(f.identity.accessTokens.verifyAccessToken(pair.access_token), 'E1110');
    await rejectsWith(refresh(pair.refresh_token), 'E1111');
  }
  // Revoking is not a reuse: nothing was reported as one.
  assert.equal(f.audit.actions(accountId).filter((a) => a === 'refresh_token.reused').length, reusesBefore);
});

test('a refresh carries the plan as it is now', async () => {
  const pair = await start();
  await rows("update accounts set plan = 'pro' where id = ?", [accountId]);
  try {
    assert.equal((await f.identity.accessTokens.verifyAccessToken(pair.access_token)).plan, 'free');
    const next = await refresh(pair.refresh_token);
    assert.equal((await f.identity.accessTokens.verifyAccessToken(next.access_token)).plan, 'pro');
  } finally {
    await rows("update accounts set plan = 'free' where id = ?", [accountId]);
  }
});
