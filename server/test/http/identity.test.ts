// Accounts, sessions and two-factor sign-in through the real server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { call, PASSWORD, signUp, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
const url = (path: string) => `${server.url}${path}`;

before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

describe('accounts', () => {
  it('signs up, then reads and renames the account with the access token', async () => {
    const user = await signUp(server.url, 'Ada@Example.com');
    const me = await call(url('/v1/me'), { token: user.access });
    assert.equal(me.status, 200);
    assert.equal(me.body.email, 'ada@example.com');
    assert.equal(me.body.plan, 'free');
    const renamed = await call(url('/v1/me'), { method: 'PATCH', token: user.access, body: { name: 'Ada King' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'Ada King');
  });

  it('refuses changing the plan or the id (no mass assignment)', async () => {
    const user = await signUp(server.url, 'grace@example.com');
    for (const field of [{ plan: 'enterprise' }, { id: 'acct_x' }, { email_verified: true }]) {
      const res = await call(url('/v1/me'), { method: 'PATCH', token: user.access, body: field });
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'E1001');
    }
    assert.equal((await call(url('/v1/me'), { token: user.access })).body.plan, 'free');
  });

  it('refuses a weak password with E1115 and a taken email with E1116', async () => {
    const weak = await call(url('/v1/auth/signup'), { body: { email: 'weak@example.com', password: 'short' } });
    assert.equal(weak.status, 422);
    assert.equal(weak.body.code, 'E1115');
    // Too long is the policy's answer too, naming the rule, up to the 1024 characters read at all.
    const long = await call(url('/v1/auth/signup'), { body: { email: 'long@example.com', password: 'x'.repeat(129) } });
    assert.equal(long.status, 422);
    assert.equal(long.body.code, 'E1115');
    assert.match(long.body.detail, /at most 128 characters/);
    const huge = await call(url('/v1/auth/signup'), { body: { email: 'huge@example.com', password: 'x'.repeat(1025) } });
    assert.equal(huge.body.code, 'E1001');
    await signUp(server.url, 'taken@example.com');
    const taken = await call(url('/v1/auth/signup'), { body: { email: 'TAKEN@example.com', password: PASSWORD } });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.code, 'E1116');
  });

  it('answers a wrong password and an unknown email alike, with E1108', async () => {
    await signUp(server.url, 'alan@example.com');
    const wrong = await call(url('/v1/auth/login'), { body: { email: 'alan@example.com', password: 'not the password at all' } });
    const unknown = await call(url('/v1/auth/login'), { body: { email: 'nobody@example.com', password: PASSWORD } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.body.code, 'E1108');
    assert.equal(unknown.body.detail, wrong.body.detail);
  });
});

describe('sessions', () => {
  it('rotates refresh tokens, and a reused one ends the whole session', async () => {
    const user = await signUp(server.url, 'rotate@example.com');
    const first = await call(url('/v1/auth/refresh'), { body: { refresh_token: user.refresh } });
    assert.equal(first.status, 200);
    const newAccess = first.body.access_token;
    assert.equal((await call(url('/v1/me'), { token: newAccess })).status, 200);

    const reuse = await call(url('/v1/auth/refresh'), { body: { refresh_token: user.refresh } });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.code, 'E1111');
    const refreshed = await call(url('/v1/auth/refresh'), { body: { refresh_token: first.body.refresh_token } });
    assert.equal(refreshed.body.code, 'E1111', 'the newest refresh token of the family is revoked too');
    assert.equal((await call(url('/v1/me'), { token: newAccess })).body.code, 'E1110', 'and its access tokens');
  });

  it('logs out: the access token stops working at once', async () => {
    const user = await signUp(server.url, 'logout@example.com');
    assert.equal((await call(url('/v1/auth/logout'), { method: 'POST', token: user.access })).status, 204);
    const after = await call(url('/v1/me'), { token: user.access });
    assert.equal(after.status, 401);
    assert.equal(after.body.code, 'E1110');
    assert.equal((await call(url('/v1/auth/refresh'), { body: { refresh_token: user.refresh } })).status, 401);
  });

  it('refuses forged, unsigned and tampered access tokens with E1110', async () => {
    const user = await signUp(server.url, 'forge@example.com');
    const [header, payload] = user.access.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, plan: 'enterprise' })).toString('base64url')}.${user.access.split('.')[2]}`;
    for (const token of [none, tampered, 'not.a.jwt', `${user.access}x`]) {
      const res = await call(url('/v1/me'), { token });
      assert.equal(res.status, 401, token);
      assert.equal(res.body.code, 'E1110');
    }
  });
});

describe('two-factor sign-in', () => {
  it('sets up, enables, then requires a code at log-in; a code works once', async () => {
    const user = await signUp(server.url, 'totp@example.com');
    const setup = await call(url('/v1/auth/2fa/setup'), { method: 'POST', token: user.access });
    assert.equal(setup.status, 200);
    assert.match(setup.body.otpauth_url, /^otpauth:\/\/totp\//);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(setup.body.secret), digits: 6, period: 30, algorithm: 'SHA1' });

    const enable = await call(url('/v1/auth/2fa/enable'), { token: user.access, body: { code: totp.generate() } });
    assert.equal(enable.status, 200, enable.text);
    assert.equal(enable.body.recovery_codes.length, 10);

    const login = await call(url('/v1/auth/login'), { body: { email: 'totp@example.com', password: PASSWORD } });
    assert.equal(login.status, 200);
    assert.equal(login.body.mfa_required, true);
    assert.equal(login.body.tokens, undefined);

    // The code used to enable is spent: the same step cannot sign in (replay).
    const replay = await call(url('/v1/auth/login/mfa'), { body: { mfa_token: login.body.mfa_token, code: totp.generate() } });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.code, 'E1112');

    const recovery = enable.body.recovery_codes[0];
    const done = await call(url('/v1/auth/login/mfa'), { body: { mfa_token: login.body.mfa_token, code: recovery } });
    assert.equal(done.status, 200, done.text);
    assert.ok(done.body.access_token);

    const again = await call(url('/v1/auth/login'), { body: { email: 'totp@example.com', password: PASSWORD } });
    const reused = await call(url('/v1/auth/login/mfa'), { body: { mfa_token: again.body.mfa_token, code: recovery } });
    assert.equal(reused.body.code, 'E1112', 'a recovery code works once');
  });
});
