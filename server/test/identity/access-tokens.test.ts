// JWT attacks against verifyAccessToken. Every forged token starts from forge(), which with no
// changes makes a token that verifies (the first test): so each refusal below is caused by the one
// thing that test changes.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TokenPair } from '../../src/auth/session-tokens.ts';
import { type IdentityFixture, META, newEmail, PASSWORD, rejectsWith, startIdentity } from './fixture.ts';

let f: IdentityFixture;
let accountId: string;
let sessionId: string;
let tokens: TokenPair;

before(async () => {
  f = await startIdentity();
  const signedUp = await f.identity.accounts.signup({ email: newEmail(), password: PASSWORD }, META);
  accountId = signedUp.account.id;
  tokens = signedUp.tokens;
  sessionId = (await f.identity.accessTokens.verifyAccessToken(tokens.access_token)).sessionId;
});

after(() => f?.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Forgery {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  omit?: string[];
  secret?: string;
  /** The HMAC to sign with; null: no signature. */
  hmac?: 'sha256' | 'sha384' | 'sha512' | null;
}

function forge({ header = {}, claims = {}, omit = [], secret = f.testDb.config.jwt.secret, hmac = 'sha256' }: Forgery = {}): string {
  const now = Math.floor(f.clock.now().getTime() / 1000);
  const { issuer, audience } = f.testDb.config.jwt;
  const payload: Record<string, unknown> = {
    iss: issuer,
    aud: audience,
    sub: accountId,
    iat: now,
    exp: now + 600,
    jti: 'forged-jti',
    sid: sessionId,
    typ: 'access',
    plan: 'free',
    ...claims,
  };
  for (const name of omit) delete payload[name];
  const input = `${b64({ alg: 'HS256', typ: 'at+jwt', ...header })}.${b64(payload)}`;
  return `${input}.${hmac === null ? '' : createHmac(hmac, secret).update(input).digest('base64url')}`;
}

const verify = (token: string) => f.identity.accessTokens.verifyAccessToken(token);
const refused = (token: string) => rejectsWith(verify(token), 'E1110');

test('an issued token, and the unchanged forgery, verify to the account, session and plan', async () => {
  assert.deepEqual(await verify(tokens.access_token), { accountId, sessionId, plan: 'free' });
  assert.deepEqual(await verify(forge()), { accountId, sessionId, plan: 'free' });
});

test('issued tokens carry the claims and header the profile names', () => {
  const [header, payload] = tokens.access_token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  assert.deepEqual(header, { alg: 'HS256', typ: 'at+jwt' });
  assert.deepEqual(Object.keys(payload).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'plan', 'sid', 'sub', 'typ']);
  assert.equal(payload.exp - payload.iat, f.testDb.config.jwt.accessTtlS);
  assert.equal(tokens.expires_in, f.testDb.config.jwt.accessTtlS);
});

test('alg "none" is refused, unsigned or not', async () => {
  await refused(forge({ header: { alg: 'none' }, hmac: null }));
  await refused(forge({ header: { alg: 'none' } }));
  await refused(forge({ header: { alg: 'NONE' }, hmac: null }));
});

test('a public-key algorithm in the header is refused (RS256 / ES256 header swap)', async () => {
  await refused(forge({ header: { alg: 'RS256' } }));
  await refused(forge({ header: { alg: 'ES256' } }));
});

test('algorithm confusion: the right secret under another HMAC algorithm is refused', async () => {
  await refused(forge({ header: { alg: 'HS512' }, hmac: 'sha512' }));
  await refused(forge({ header: { alg: 'HS384' }, hmac: 'sha384' }));
});

test('a tampered payload is refused (plan raised, account swapped)', async () => {
  const [header, payload, signature] = tokens.access_token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  await refused(`${header}.${b64({ ...claims, plan: 'enterprise' })}.${signature}`);
  await refused(`${header}.${b64({ ...claims, sub: 'acct_someone_else' })}.${signature}`);
});

test('a signature made with another secret, or cut off, is refused', async () => {
  await refused(forge({ secret: 'another-secret-of-at-least-32-characters!' }));
  await refused(forge({ hmac: null }));
  await refused(tokens.access_token.slice(0, -2));
});

test('an expired token is refused, saying so', async () => {
  const now = Math.floor(f.clock.now().getTime() / 1000);
  const error = await refused(forge({ claims: { iat: now - 700, exp: now - 10 } }));
  assert.equal(error.detail, 'The access token expired.');
});

test('an issued token expires after its lifetime', async () => {
  const { access_token } = await freshSession();
  const { accessTtlS } = f.testDb.config.jwt;
  try {
    f.clock.advance(accessTtlS - 10);
    await verify(access_token);
    f.clock.advance(20);
    await refused(access_token);
  } finally {
    f.clock.advance(-(accessTtlS + 10));
  }
});

test('a token issued in the future is refused; a few seconds of clock skew are tolerated', async () => {
  const now = Math.floor(f.clock.now().getTime() / 1000);
  await refused(forge({ claims: { iat: now + 60, exp: now + 660 } }));
  await verify(forge({ claims: { iat: now + 3, exp: now + 603 } }));
});

test('a lifetime longer than the configured one is refused', async () => {
  const now = Math.floor(f.clock.now().getTime() / 1000);
  const { accessTtlS } = f.testDb.config.jwt;
  await refused(forge({ claims: { iat: now - accessTtlS - 60, exp: now + 600 } }));
});

test('the wrong audience or issuer is refused', async () => {
  const { audience, issuer } = f.testDb.config.jwt;
  await refused(forge({ claims: { aud: 'another-api' } }));
  await refused(forge({ claims: { aud: `${audience}:mfa` } }));
  await refused(forge({ claims: { iss: 'https://evil.example' } }));
  await refused(forge({ claims: { iss: `${issuer}/` } }));
});

test('a token missing any required claim is refused', async () => {
  for (const claim of ['jti', 'sid', 'sub', 'iat', 'exp', 'iss', 'aud', 'typ', 'plan']) {
    await refused(forge({ omit: [claim] }));
  }
});

test('claims of the wrong type or value are refused', async () => {
  await refused(forge({ claims: { sid: 42 } }));
  await refused(forge({ claims: { plan: 'platinum' } }));
  await refused(forge({ claims: { sub: { id: accountId } } }));
});

test('an MFA token, or anything typed other than an access token, is refused as one', async () => {
  await refused(forge({ claims: { typ: 'mfa' } }));
  await refused(forge({ header: { typ: 'JWT' } }));
  await refused(forge({ header: { typ: undefined } }));
  await refused(forge({ header: { typ: 'mfa+jwt' }, claims: { typ: 'mfa', aud: `${f.testDb.config.jwt.audience}:mfa` } }));
});

test('an access token is refused as an MFA token', async () => {
  await rejectsWith(f.identity.signIn.completeMfaLogin(tokens.access_token, '123456', META), 'E1113');
});

test('garbage is refused', async () => {
  for (const token of ['', 'abc', 'a.b.c', `${b64({ alg: 'HS256' })}..`, tokens.access_token + '.extra']) await refused(token);
});

test("a checked session is answered from memory: verifying again makes no query", async () => {
  await verify(tokens.access_token);
  const before = f.queries();
  for (let i = 0; i < 5; i++) await verify(tokens.access_token);
  assert.equal(f.queries(), before);
});

test("a session this process signs out is refused at once, cached or not", async () => {
  const pair = await freshSession();
  await verify(pair.access_token);
  await f.identity.sessions.revokeSession(await sessionOf(pair.access_token));
  await refused(pair.access_token);
});

test("another process's sign-out is seen once the cached answer expires", async () => {
  const here = f.otherProcess({ sessionStatusTtlMs: 200 });
  const there = f.otherProcess();
  const pair = await freshSession();
  const sid = await sessionOf(pair.access_token);
  assert.equal((await here.accessTokens.verifyAccessToken(pair.access_token)).sessionId, sid);
  await there.sessions.revokeSession(sid);
  // Still cached here: this is the documented price of verifying without a query.
  await here.accessTokens.verifyAccessToken(pair.access_token);
  await sleep(250);
  await rejectsWith(here.accessTokens.verifyAccessToken(pair.access_token), 'E1110');
});

async function freshSession(): Promise<TokenPair> {
  return f.identity.sessions.start({ id: accountId, plan: 'free' }, META);
}

async function sessionOf(accessToken: string): Promise<string> {
  return (await verify(accessToken)).sessionId;
}
