// TOTP and recovery codes, set up and used the way a user would: the codes come from an independent
// authenticator (the otpauth package) reading the otpauth:// URL that setup returns.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { SignInResult } from '../../src/auth/sign-in.ts';
import { timeStep } from '../../src/auth/totp.ts';
import { SecondFactorStore } from '../../src/db/second-factor-store.ts';
import { type IdentityFixture, META, newEmail, PASSWORD, rejectsWith, startIdentity } from './fixture.ts';

let f: IdentityFixture;

before(async () => {
  f = await startIdentity({ LOGIN_SLOW_AFTER: '3', LOGIN_LOCK_AFTER: '6', LOGIN_LOCK_S: '120' });
});

after(() => f?.close());

interface MfaUser {
  email: string;
  id: string;
  app: OTPAuth.TOTP;
  recoveryCodes: string[];
}

async function newUser(): Promise<{ email: string; id: string }> {
  const email = newEmail();
  return { email, id: (await f.identity.accounts.signup({ email, password: PASSWORD }, META)).account.id };
}

/** The code the app shows `steps` 30-second steps from now. */
function code(app: OTPAuth.TOTP, steps = 0): string {
  return app.generate({ timestamp: f.clock.now().getTime() + steps * 30_000 });
}

async function userWithMfa(): Promise<MfaUser> {
  const user = await newUser();
  const setup = await f.identity.mfa.setup(user.id);
  const app = OTPAuth.URI.parse(setup.otpauth_url) as OTPAuth.TOTP;
  const recoveryCodes = await f.identity.mfa.enable(user.id, code(app), META);
  // The enabling code's step is spent: the next code comes from the next step.
  f.clock.advance(30);
  return { ...user, app, recoveryCodes };
}

async function mfaToken(email: string): Promise<string> {
  const result = await f.identity.signIn.login({ email, password: PASSWORD }, META);
  assert.equal(result.kind, 'mfa_required');
  return (result as Extract<SignInResult, { kind: 'mfa_required' }>).mfa_token;
}

const complete = (token: string, value: string) => f.identity.signIn.completeMfaLogin(token, value, META);

async function accountRow(id: string): Promise<Record<string, unknown>> {
  const [row] = await f.db.orm.em.fork().execute('select * from accounts where id = ?', [id]);
  return row!;
}

test('setup returns a base32 secret and its otpauth URL, and stores the secret encrypted, pending', async () => {
  const { email, id } = await newUser();
  const setup = await f.identity.mfa.setup(id);
  assert.match(setup.secret, /^[A-Z2-7]{32}$/);
  assert.equal(setup.otpauth_url, `otpauth://totp/Transmute:${encodeURIComponent(email)}?secret=${setup.secret}&issuer=Transmute`);
  const row = await accountRow(id);
  assert.equal(row.totp_secret, null);
  assert.equal(row.totp_enabled_at, null);
  const sealed = row.totp_pending_secret as Buffer;
  const raw = Buffer.from(OTPAuth.Secret.fromBase32(setup.secret).bytes);
  assert.equal(sealed.length, 1 + 4 + 12 + 16 + raw.length, 'version, key id, iv, tag, ciphertext');
  assert.equal(sealed.includes(raw), false);
  assert.equal((await f.identity.accounts.get(id)).mfa_enabled, false);
});

test('enable needs setup first, then a current code from the pending secret', async () => {
  const { id } = await newUser();
  await rejectsWith(f.identity.mfa.enable(id, '123456', META), 'E1114');
  const app = OTPAuth.URI.parse((await f.identity.mfa.setup(id)).otpauth_url) as OTPAuth.TOTP;
  await rejectsWith(f.identity.mfa.enable(id, code(app, 3), META), 'E1112');
  await rejectsWith(f.identity.mfa.enable(id, 'abcdef', META), 'E1112');
  const codes = await f.identity.mfa.enable(id, code(app), META);
  assert.equal(codes.length, 10);
  assert.equal((await f.identity.accounts.get(id)).mfa_enabled, true);
  assert.ok(f.audit.actions(id).includes('mfa.enabled'));
});

test('a second setup replaces the pending secret: only the newest one enables', async () => {
  const { id } = await newUser();
  const first = OTPAuth.URI.parse((await f.identity.mfa.setup(id)).otpauth_url) as OTPAuth.TOTP;
  const second = OTPAuth.URI.parse((await f.identity.mfa.setup(id)).otpauth_url) as OTPAuth.TOTP;
  await rejectsWith(f.identity.mfa.enable(id, code(first), META), 'E1112');
  await f.identity.mfa.enable(id, code(second), META);
});

test('setup and enable are refused while TOTP is on', async () => {
  const user = await userWithMfa();
  await rejectsWith(f.identity.mfa.setup(user.id), 'E1114');
  await rejectsWith(f.identity.mfa.enable(user.id, code(user.app), META), 'E1114');
});

test('recovery codes: ten distinct codes of 50 bits, stored only as hashes', async () => {
  const user = await userWithMfa();
  assert.equal(new Set(user.recoveryCodes).size, 10);
  for (const each of user.recoveryCodes) assert.match(each, /^[0-9a-z]{5}-[0-9a-z]{5}$/);
  const stored = await f.db.orm.em.fork().execute<{ code_hash: Buffer; used_at: Date | null }[]>(
    'select code_hash, used_at from recovery_codes where account_id = ?',
    [user.id],
  );
  assert.equal(stored.length, 10);
  const dump = JSON.stringify(stored.map((row) => row.code_hash.toString('latin1')));
  for (const each of user.recoveryCodes) assert.equal(dump.includes(each.replace('-', '')), false);
});

test('with TOTP on, a password log-in returns an mfa_token instead of tokens; a code completes it', async () => {
  const user = await userWithMfa();
  const result = await f.identity.signIn.login({ email: user.email, password: PASSWORD }, META);
  assert.deepEqual(Object.keys(result).sort(), ['kind', 'mfa_token', 'mfa_token_expires_in']);
  assert.equal(result.kind, 'mfa_required');
  const done = await complete((result as Extract<SignInResult, { kind: 'mfa_required' }>).mfa_token, code(user.app));
  assert.equal(done.kind, 'authenticated');
  assert.equal(done.account.id, user.id);
  assert.equal(done.account.mfa_enabled, true);
  assert.equal((await f.identity.accessTokens.verifyAccessToken(done.tokens.access_token)).accountId, user.id);
  const succeeded = f.audit.events.filter((e) => e.accountId === user.id && e.action === 'login.succeeded');
  assert.deepEqual(succeeded.map((e) => e.details), [{ method: 'mfa', factor: 'totp' }]);
});

test('a TOTP code is accepted once: replayed within its window it is refused', async () => {
  const user = await userWithMfa();
  const now = code(user.app);
  await complete(await mfaToken(user.email), now);
  await rejectsWith(complete(await mfaToken(user.email), now), 'E1112');
  // Ten seconds later the same code is still inside the ±1 step window, and still refused.
  const later = await mfaToken(user.email);
  f.clock.advance(10);
  await rejectsWith(complete(later, now), 'E1112');
});

test('after a code is used, the previous step\'s code is refused too; the next step\'s is not', async () => {
  const user = await userWithMfa();
  await complete(await mfaToken(user.email), code(user.app));
  await rejectsWith(complete(await mfaToken(user.email), code(user.app, -1)), 'E1112');
  const token = await mfaToken(user.email);
  f.clock.advance(1); // the wait the failure above earned (LOGIN_SLOW_AFTER=3)
  await complete(token, code(user.app, 1));
});

/** Opens enough pooled connections that the requests below really run at the same time. */
async function warmPool(): Promise<void> {
  await Promise.all(Array.from({ length: 8 }, () => f.db.orm.em.fork().execute('select pg_sleep(0.02)')));
}

test('a TOTP step is spent once, in the database, and never an earlier one', async () => {
  const user = await userWithMfa();
  const store = new SecondFactorStore(f.db.orm);
  const step = timeStep(f.clock.now()) + 1;
  await warmPool();
  const spent = await Promise.all([1, 2, 3, 4].map(() => store.spendStep(user.id, step)));
  assert.deepEqual(spent.sort(), [false, false, false, true]);
  assert.equal(await store.spendStep(user.id, step), false);
  assert.equal(await store.spendStep(user.id, step - 1), false);
  assert.equal(await store.spendStep(user.id, step + 1), true);
});

test('one code checked by several requests at once is accepted by one only', async () => {
  const user = await userWithMfa();
  const value = code(user.app);
  await warmPool();
  const results = await Promise.all([1, 2, 3, 4].map(() => f.identity.mfa.verifyCode(user.id, value, META)));
  assert.deepEqual(results.filter((r) => r !== undefined), ['totp']);
});

test('one recovery code checked by several requests at once is accepted by one only', async () => {
  const user = await userWithMfa();
  const value = user.recoveryCodes[0]!;
  await warmPool();
  const results = await Promise.all([1, 2, 3, 4].map(() => f.identity.mfa.verifyCode(user.id, value, META)));
  assert.deepEqual(results.filter((r) => r !== undefined), ['recovery_code']);
});

test('a recovery code signs in once; used again it is refused', async () => {
  const user = await userWithMfa();
  const recovery = user.recoveryCodes[3]!;
  const done = await complete(await mfaToken(user.email), recovery.toUpperCase());
  assert.equal(done.kind, 'authenticated');
  await rejectsWith(complete(await mfaToken(user.email), recovery), 'E1112');
  const used = f.audit.events.filter((e) => e.accountId === user.id && e.action === 'mfa.recovery_code_used');
  assert.deepEqual(used.map((e) => e.details), [{ remaining: 9 }]);
  // Another code still works (after the wait the failure above earned).
  const token = await mfaToken(user.email);
  f.clock.advance(1);
  await complete(token, user.recoveryCodes[4]!);
});

test("one account's recovery code does not work for another", async () => {
  const [alice, bob] = [await userWithMfa(), await userWithMfa()];
  await rejectsWith(complete(await mfaToken(bob.email), alice.recoveryCodes[0]!), 'E1112');
  await complete(await mfaToken(alice.email), alice.recoveryCodes[0]!);
});

test('an mfa_token completes one log-in only', async () => {
  const user = await userWithMfa();
  const token = await mfaToken(user.email);
  await complete(token, code(user.app));
  await rejectsWith(complete(token, code(user.app, 1)), 'E1113');
  await rejectsWith(complete(token, user.recoveryCodes[0]!), 'E1113');
  // The replays spent neither code they carried.
  await complete(await mfaToken(user.email), code(user.app, 1));
  await complete(await mfaToken(user.email), user.recoveryCodes[0]!);
});

test('a wrong code leaves the mfa_token usable, until it expires', async () => {
  const user = await userWithMfa();
  const token = await mfaToken(user.email);
  await rejectsWith(complete(token, '000000' === code(user.app) ? '111111' : '000000'), 'E1112');
  await complete(token, code(user.app));
  const late = await mfaToken(user.email);
  f.clock.advance(f.testDb.config.jwt.mfaTtlS + 10);
  await rejectsWith(complete(late, code(user.app)), 'E1113');
});

test('tampered or foreign mfa_tokens are refused', async () => {
  const user = await userWithMfa();
  const token = await mfaToken(user.email);
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  const other = await newUser();
  const swapped = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: other.id })).toString('base64url')}.${signature}`;
  await rejectsWith(complete(swapped, code(user.app)), 'E1113');
  await rejectsWith(complete('not.a.token', code(user.app)), 'E1113');
  const { tokens } = await f.identity.accounts.signup({ email: newEmail(), password: PASSWORD }, META);
  await rejectsWith(complete(tokens.access_token, code(user.app)), 'E1113');
  await complete(token, code(user.app));
});

test('wrong codes count as failed log-ins: they slow down and lock the account', async () => {
  const user = await userWithMfa();
  // LOGIN_SLOW_AFTER=3: the password counts as one attempt until the sign-in completes.
  const token = await mfaToken(user.email);
  await rejectsWith(complete(token, user.recoveryCodes[0]!.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))), 'E1112');
  await rejectsWith(complete(token, 'zzzzz-zzzzz'), 'E1112');
  const error = await rejectsWith(complete(token, code(user.app)), 'E1109');
  assert.deepEqual(error.headers, { 'Retry-After': '1' });
  f.clock.advance(1);
  await complete(token, code(user.app));
});

test('knowing the password does not reset the count of wrong codes', async () => {
  const user = await userWithMfa();
  const round = async () => {
    f.clock.advance(10);
    const token = await mfaToken(user.email);
    f.clock.advance(10);
    return rejectsWith(complete(token, 'zzzzz-zzzzz'), 'E1112');
  };
  // Each round, a right password and a wrong code. If the password reset the count, the code
  // could be guessed forever; instead both count (LOGIN_SLOW_AFTER=3, LOGIN_LOCK_AFTER=6).
  await round();
  await round();
  const [row] = await f.db.orm.em.fork().execute('select failed_logins from accounts where id = ?', [user.id]);
  assert.equal(row!.failed_logins, 4);
  const slowed = await rejectsWith(f.identity.signIn.login({ email: user.email, password: PASSWORD }, META), 'E1109');
  assert.deepEqual(slowed.headers, { 'Retry-After': '2' });
  await round();
  assert.ok(f.audit.actions(user.id).includes('account.locked'));
  const locked = await rejectsWith(f.identity.signIn.login({ email: user.email, password: PASSWORD }, META), 'E1109');
  assert.deepEqual(locked.headers, { 'Retry-After': '120' });
});

test('disable needs a valid code, then clears the secret and the recovery codes', async () => {
  const user = await userWithMfa();
  await rejectsWith(f.identity.mfa.disable(user.id, '000000' === code(user.app) ? '111111' : '000000', META), 'E1112');
  await rejectsWith(f.identity.mfa.disable(user.id, 'zzzzz-zzzzz', META), 'E1112');
  await f.identity.mfa.disable(user.id, code(user.app), META);
  assert.ok(f.audit.actions(user.id).includes('mfa.disabled'));
  const row = await accountRow(user.id);
  assert.equal(row.totp_secret, null);
  assert.equal(row.totp_enabled_at, null);
  const codes = await f.db.orm.em.fork().execute('select 1 from recovery_codes where account_id = ?', [user.id]);
  assert.equal(codes.length, 0);
  const result = await f.identity.signIn.login({ email: user.email, password: PASSWORD }, META);
  assert.equal(result.kind, 'authenticated');
  await rejectsWith(f.identity.mfa.disable(user.id, code(user.app), META), 'E1114');
});

test('disable with a recovery code spends it', async () => {
  const user = await userWithMfa();
  await f.identity.mfa.disable(user.id, user.recoveryCodes[0]!, META);
  assert.ok(f.audit.actions(user.id).includes('mfa.recovery_code_used'));
});

test('an mfa_token issued before TOTP was disabled no longer completes a log-in', async () => {
  const user = await userWithMfa();
  const token = await mfaToken(user.email);
  await f.identity.mfa.disable(user.id, code(user.app), META);
  await rejectsWith(complete(token, user.recoveryCodes[0]!), 'E1113');
});
