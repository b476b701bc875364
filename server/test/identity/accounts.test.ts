import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import argon2 from 'argon2';
import * as OTPAuth from 'otpauth';
import { ApiKeyService } from '../../src/auth/api-keys.ts';
import type { OidcIdentity } from '../../src/auth/sign-in.ts';
import { type IdentityFixture, META, newEmail, PASSWORD, rejectsWith, startIdentity } from './fixture.ts';

let f: IdentityFixture;

before(async () => {
  f = await startIdentity();
});

after(() => f?.close());

const login = (email: string, password = PASSWORD) => f.identity.signIn.login({ email, password }, META);

async function accountCount(email: string): Promise<number> {
  const rows = await f.db.orm.em.fork().execute('select 1 from accounts where email = ?', [email]);
  return rows.length;
}

test('sign-up creates a free account, signed in, in the wire shape', async () => {
  const email = newEmail();
  const { account, tokens } = await f.identity.accounts.signup({ email: `  ${email.toUpperCase()} `, password: PASSWORD, name: 'Ada' }, META);
  assert.deepEqual(Object.keys(account).sort(), ['created_at', 'email', 'email_verified', 'id', 'mfa_enabled', 'name', 'plan']);
  assert.match(account.id, /^acct_/);
  assert.equal(account.email, email);
  assert.equal(account.name, 'Ada');
  assert.equal(account.plan, 'free');
  assert.equal(account.email_verified, false);
  assert.equal(account.mfa_enabled, false);
  assert.equal(new Date(account.created_at).toISOString(), account.created_at);
  assert.equal((await f.identity.accessTokens.verifyAccessToken(tokens.access_token)).accountId, account.id);
});

test('the password is stored as an argon2id hash, never as given', async () => {
  const email = newEmail();
  const { account } = await f.identity.accounts.signup({ email, password: PASSWORD }, META);
  const [row] = await f.db.orm.em.fork().execute<{ password_hash: string }[]>('select password_hash from accounts where id = ?', [account.id]);
  assert.match(row!.password_hash, /^\$argon2id\$/);
  assert.equal(row!.password_hash.includes(PASSWORD), false);
});

test('an email already registered, in any case, is E1116; nothing is created', async () => {
  const email = newEmail();
  await f.identity.accounts.signup({ email, password: PASSWORD }, META);
  await rejectsWith(f.identity.accounts.signup({ email: email.toUpperCase(), password: 'another good passphrase' }, META), 'E1116');
  assert.equal(await accountCount(email), 1);
});

test('a weak password is E1115 and creates nothing', async () => {
  const email = newEmail();
  const error = await rejectsWith(f.identity.accounts.signup({ email, password: 'short' }, META), 'E1115');
  assert.equal(error.errors?.[0]?.path, '/password');
  assert.equal(await accountCount(email), 0);
});

test('log-in with email (any case, spaces) and password; a wrong password or email is E1108 alike', async () => {
  const email = newEmail();
  const { account } = await f.identity.accounts.signup({ email, password: PASSWORD }, META);
  const result = await login(` ${email.toUpperCase()}`);
  assert.equal(result.kind, 'authenticated');
  assert.equal(result.kind === 'authenticated' && result.account.id, account.id);
  const wrongPassword = await rejectsWith(login(email, 'not the password at all'), 'E1108');
  const wrongEmail = await rejectsWith(login(`x${email}`), 'E1108');
  assert.equal(wrongPassword.detail, wrongEmail.detail);
  assert.ok(f.audit.events.some((e) => e.action === 'login.succeeded' && e.accountId === account.id && e.details?.method === 'password'));
});

test('an unknown email costs one argon2 verification, like a known one', async (t) => {
  const email = newEmail();
  await f.identity.accounts.signup({ email, password: PASSWORD }, META);
  const verify = t.mock.method(argon2, 'verify');
  await rejectsWith(login(`nobody-${email}`), 'E1108');
  await rejectsWith(login(email, 'not the password at all'), 'E1108');
  assert.equal(verify.mock.callCount(), 2);
});

test('get and update: only the name changes, whatever else is sent (no mass assignment)', async () => {
  const { account } = await f.identity.accounts.signup({ email: newEmail(), password: PASSWORD }, META);
  assert.deepEqual(await f.identity.accounts.get(account.id), account);
  const sneaky = { name: 'New name', plan: 'enterprise', email_verified: true, id: 'acct_other', email: 'x@example.com' };
  const updated = await f.identity.accounts.update(account.id, sneaky as { name: string });
  assert.deepEqual(updated, { ...account, name: 'New name' });
  assert.deepEqual(await f.identity.accounts.get(account.id), updated);
  assert.equal((await f.identity.accounts.update(account.id, { name: null })).name, null);
});

test('a deleted account reads as an invalid token', async () => {
  const { account } = await f.identity.accounts.signup({ email: newEmail(), password: PASSWORD }, META);
  await f.db.orm.em.fork().execute('delete from accounts where id = ?', [account.id]);
  await rejectsWith(f.identity.accounts.get(account.id), 'E1110');
  await rejectsWith(f.identity.accounts.update(account.id, { name: 'x' }), 'E1110');
  await rejectsWith(f.identity.mfa.setup(account.id), 'E1110');
});

test('an account made by the API-key path has no password: no password logs in to it', async () => {
  const keys = new ApiKeyService(f.db, f.testDb.config);
  const email = newEmail();
  await keys.findOrCreateAccount(email, 'pro');
  await rejectsWith(login(email), 'E1108');
  await rejectsWith(login(email, ''), 'E1108');
  assert.equal(f.audit.events.at(-1)?.details?.reason, 'no_password');
  await keys.close();
});

function oidc(overrides: Partial<OidcIdentity> = {}): OidcIdentity {
  return { email: newEmail(), emailVerified: true, provider: 'okta', subject: `sub-${Math.random()}`, ...overrides };
}

test('OIDC: a verified email with no account creates one, verified and without a password', async () => {
  const identity = oidc();
  const result = await f.identity.signIn.linkOidc(identity, META);
  assert.equal(result.kind, 'authenticated');
  if (result.kind !== 'authenticated') return;
  assert.equal(result.account.email, identity.email);
  assert.equal(result.account.email_verified, true);
  await f.identity.accessTokens.verifyAccessToken(result.tokens.access_token);
  await rejectsWith(login(identity.email, ''), 'E1108');
  assert.ok(f.audit.events.some((e) => e.action === 'login.succeeded' && e.accountId === result.account.id && e.details?.method === 'oidc'));
});

test('OIDC: an unverified email is refused with E1118 and creates nothing', async () => {
  const identity = oidc({ emailVerified: false });
  await rejectsWith(f.identity.signIn.linkOidc(identity, META), 'E1118');
  assert.equal(await accountCount(identity.email), 0);
});

test('OIDC: an unverified email is not linked to the existing account with that email', async () => {
  const email = newEmail();
  await f.identity.accounts.signup({ email, password: PASSWORD }, META);
  await rejectsWith(f.identity.signIn.linkOidc(oidc({ email, emailVerified: false }), META), 'E1118');
  assert.equal((await login(email)).kind, 'authenticated');
});

test('OIDC: a verified email is not linked to an unverified password account (pre-hijacking), E1116', async () => {
  // Whoever signed up first with a password may not own the email: linking would give the
  // provider's user an account someone else holds a password for.
  const email = newEmail();
  const { account } = await f.identity.accounts.signup({ email, password: PASSWORD }, META);
  await rejectsWith(f.identity.signIn.linkOidc(oidc({ email: email.toUpperCase() }), META), 'E1116');
  assert.equal((await f.identity.accounts.get(account.id)).email_verified, false);
  assert.equal(await accountCount(email), 1);
  assert.equal((await login(email)).kind, 'authenticated', 'the password still works for its owner');
});

test('OIDC: a verified email links to an existing account without a password', async () => {
  const keys = new ApiKeyService(f.db, f.testDb.config);
  const email = newEmail();
  const created = await keys.findOrCreateAccount(email, 'pro');
  const result = await f.identity.signIn.linkOidc(oidc({ email }), META);
  assert.equal(result.kind === 'authenticated' && result.account.id, created.id);
  assert.equal((await f.identity.accounts.get(created.id)).email_verified, true);
  await keys.close();
});

test('OIDC: a known subject signs in to its account even after its email changed, verified or not', async () => {
  const identity = oidc();
  const first = await f.identity.signIn.linkOidc(identity, META);
  const again = await f.identity.signIn.linkOidc({ ...identity, email: newEmail(), emailVerified: false }, META);
  assert.equal(again.kind === 'authenticated' && again.account.id, first.kind === 'authenticated' && first.account.id);
});

test('OIDC: the same subject at another provider is another identity', async () => {
  const identity = oidc();
  await f.identity.signIn.linkOidc(identity, META);
  await rejectsWith(f.identity.signIn.linkOidc({ ...identity, provider: 'google', email: newEmail(), emailVerified: false }, META), 'E1118');
});

test('OIDC: concurrent first sign-ins of one subject make one account and one link', async () => {
  const identity = oidc();
  const results = await Promise.all([1, 2, 3].map(() => f.identity.signIn.linkOidc(identity, META)));
  const ids = new Set(results.map((r) => r.kind === 'authenticated' && r.account.id));
  assert.equal(ids.size, 1);
  assert.equal(await accountCount(identity.email), 1);
  const links = await f.db.orm.em.fork().execute('select 1 from oidc_identities where subject = ?', [identity.subject]);
  assert.equal(links.length, 1);
});

test('OIDC: an account with TOTP on still needs its second factor', async () => {
  const identity = oidc();
  const first = await f.identity.signIn.linkOidc(identity, META);
  assert.equal(first.kind, 'authenticated');
  const accountId = first.kind === 'authenticated' ? first.account.id : '';
  const app = OTPAuth.URI.parse((await f.identity.mfa.setup(accountId)).otpauth_url) as OTPAuth.TOTP;
  await f.identity.mfa.enable(accountId, app.generate({ timestamp: f.clock.now().getTime() }), META);
  const result = await f.identity.signIn.linkOidc(identity, META);
  assert.equal(result.kind, 'mfa_required');
});
