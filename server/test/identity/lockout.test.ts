// Failed log-ins slow down, then lock the account (LOGIN_SLOW_AFTER=2, LOGIN_LOCK_AFTER=5,
// LOGIN_LOCK_S=60 here). The clock is the fixture's: waiting is moving it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decideAttempt } from '../../src/auth/login-throttle.ts';
import { type IdentityFixture, META, newEmail, PASSWORD, rejectsWith, startIdentity } from './fixture.ts';

let f: IdentityFixture;

before(async () => {
  f = await startIdentity({ LOGIN_SLOW_AFTER: '2', LOGIN_LOCK_AFTER: '5', LOGIN_LOCK_S: '60' });
});

after(() => f?.close());

async function newAccount(): Promise<{ email: string; id: string }> {
  const email = newEmail();
  const { account } = await f.identity.accounts.signup({ email, password: PASSWORD }, META);
  return { email, id: account.id };
}

const login = (email: string, password: string) => f.identity.signIn.login({ email, password }, META);
const wrong = (email: string) => rejectsWith(login(email, 'wrong password, clearly'), 'E1108');

async function throttled(email: string, password: string, retryAfterS: number): Promise<void> {
  const error = await rejectsWith(login(email, password), 'E1109');
  assert.equal(error.status, 429);
  assert.deepEqual(error.headers, { 'Retry-After': String(retryAfterS) });
}

test('the rule: free tries, then waits doubling from one second, then a lock', () => {
  const policy = { slowAfter: 2, lockAfter: 5, lockS: 60 };
  const now = new Date(1_800_000_000_000);
  const after = (failures: number, secondsAgo: number) =>
    decideAttempt({ failedLogins: failures, lastFailedLoginAt: new Date(now.getTime() - secondsAgo * 1000), lockedUntil: null }, now, policy);
  assert.equal(after(1, 0).allowed, true);
  assert.deepEqual(after(2, 0), { allowed: false, retryAfterS: 1, reason: 'throttled' });
  assert.equal(after(2, 1).allowed, true);
  assert.deepEqual(after(3, 1), { allowed: false, retryAfterS: 1, reason: 'throttled' });
  assert.equal(after(3, 2).allowed, true);
  assert.deepEqual(after(4, 0.5), { allowed: false, retryAfterS: 4, reason: 'throttled' });
  const fifth = after(4, 4);
  assert.ok(fifth.allowed);
  assert.deepEqual(fifth.next.lockedUntil, new Date(now.getTime() + 60_000));
  // The wait is capped at the lock time.
  assert.deepEqual(decideAttempt({ failedLogins: 30, lastFailedLoginAt: now, lockedUntil: null }, now, { ...policy, lockAfter: 100 }), {
    allowed: false,
    retryAfterS: 60,
    reason: 'throttled',
  });
});

test('failures slow down log-in, then lock the account; the lock refuses even the right password, and is audited', async () => {
  const { email, id } = await newAccount();
  await wrong(email);
  await wrong(email);
  // Two failures: the next attempt waits 2^0 = 1 s, whatever the password.
  await throttled(email, PASSWORD, 1);
  f.clock.advance(1);
  await wrong(email);
  await throttled(email, 'wrong password, clearly', 2);
  f.clock.advance(1);
  await throttled(email, PASSWORD, 1);
  f.clock.advance(1);
  await wrong(email);
  f.clock.advance(4);
  assert.deepEqual(f.audit.actions(id).filter((a) => a === 'account.locked'), []);
  await wrong(email); // the fifth: locks
  assert.deepEqual(f.audit.actions(id).filter((a) => a === 'account.locked'), ['account.locked']);
  await throttled(email, PASSWORD, 60);
  f.clock.advance(59.5);
  await throttled(email, PASSWORD, 1);
  f.clock.advance(0.5);
  // The lock is over: the right password gets in, and the count starts again.
  const result = await login(email, PASSWORD);
  assert.equal(result.kind, 'authenticated');
  await wrong(email);
  await wrong(email);
  await throttled(email, PASSWORD, 1);
});

test('when a lock ends, a failure starts counting from one', async () => {
  const { email } = await newAccount();
  for (let i = 0; i < 5; i++) {
    await wrong(email);
    f.clock.advance(10);
  }
  await throttled(email, PASSWORD, 50);
  f.clock.advance(50);
  await wrong(email);
  await wrong(email);
  await throttled(email, PASSWORD, 1);
});

test('a success resets the count', async () => {
  const { email } = await newAccount();
  await wrong(email);
  await login(email, PASSWORD);
  await wrong(email);
  await wrong(email);
  await throttled(email, PASSWORD, 1);
});

test('failed and throttled attempts are audited with their reason; an unknown email too, without an account', async () => {
  const { email, id } = await newAccount();
  const from = f.audit.events.length;
  await wrong(email);
  await wrong(email);
  await throttled(email, PASSWORD, 1);
  await rejectsWith(login(`nobody-${email}`, PASSWORD), 'E1108');
  const events = f.audit.events.slice(from);
  assert.deepEqual(
    events.map((e) => [e.action, e.accountId, e.details?.reason, e.outcome]),
    [
      ['login.failed', id, 'wrong_password', 'failure'],
      ['login.failed', id, 'wrong_password', 'failure'],
      ['login.failed', id, 'throttled', 'failure'],
      ['login.failed', null, 'unknown_email', 'failure'],
    ],
  );
  assert.equal(events[0]!.ip, META.ip);
  assert.equal(events[0]!.requestId, META.requestId);
});

test('a burst of parallel guesses gets no more tries than guesses made one by one', async () => {
  const { email, id } = await newAccount();
  const results = await Promise.allSettled(Array.from({ length: 8 }, () => login(email, 'wrong password, clearly')));
  const codes = results.map((r) => (r.status === 'rejected' ? r.reason.code : 'ok'));
  const checked = codes.filter((c) => c === 'E1108').length;
  assert.ok(checked >= 1 && checked <= 2, `passwords checked: ${checked} (${codes.join(',')})`);
  assert.equal(codes.filter((c) => c === 'E1109').length, 8 - checked);
  const [row] = await f.db.orm.em.fork().execute<{ failed_logins: number }[]>('select failed_logins from accounts where id = ?', [id]);
  assert.equal(row!.failed_logins, checked);
});

test('an unknown email is E1108 like a wrong password, and locks nothing', async () => {
  for (let i = 0; i < 8; i++) await rejectsWith(login('nobody@example.com', PASSWORD), 'E1108');
});
