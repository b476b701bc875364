// Signing in: passwords and tokens, two-factor authentication (the test is the authenticator
// app), logging out, and the OpenID Connect redirect flow with the environment's provider.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError, type TokenPair } from '../../src/index.ts';
import { contract, newUser, OIDC_PROVIDER, PASSWORD } from '../support/contract.ts';
import { rejectsWith } from '../support/errors.ts';
import { totp, totpStep } from '../support/totp.ts';

/** The tokens of a log-in that needed no second factor. */
function signedIn(result: { mfa_required: boolean; tokens?: TokenPair }): TokenPair {
  assert.equal(result.mfa_required, false);
  assert.ok(result.tokens, 'a log-in without a second factor answers tokens');
  return result.tokens;
}

export function authSuite(): void {
  describe('auth', () => {
    it('signUp answers the new account signed in; logIn signs in again; a wrong password is E1108', async () => {
      const { session, email } = await newUser('signup');
      assert.equal(session.account.email, email);
      assert.equal(session.tokens.token_type, 'Bearer');
      const { anonymous } = contract();
      const tokens = signedIn(await anonymous.auth.logIn({ email, password: PASSWORD }));
      assert.equal((await contract().as(tokens.access_token).me.getAccount()).id, session.account.id);
      await rejectsWith(anonymous.auth.logIn({ email, password: `not ${PASSWORD}` }), AuthenticationError, 'E1108');
    });

    it('refreshTokens exchanges a refresh token once; spending it again is E1111', async () => {
      const { session } = await newUser('refresh');
      const { anonymous } = contract();
      const fresh = await anonymous.auth.refreshTokens({ refresh_token: session.tokens.refresh_token });
      assert.notEqual(fresh.refresh_token, session.tokens.refresh_token);
      await rejectsWith(anonymous.auth.refreshTokens({ refresh_token: session.tokens.refresh_token }), AuthenticationError, 'E1111');
    });

    it('two-factor: setUp, enable with a code, logIn needs the second factor, disable', async () => {
      const { user, email } = await newUser('mfa');
      const { anonymous } = contract();
      const setup = await user.auth.setUpTwoFactor();
      assert.match(setup.otpauth_url, /^otpauth:\/\/totp\//);

      // Each step's code is accepted once, one step either side of the server's clock: enable
      // with this step's code, disable with the next one's.
      const step = totpStep();
      const { recovery_codes } = await user.auth.enableTwoFactor({ code: totp(setup.secret, step) });
      assert.equal(new Set(recovery_codes).size, 10);
      assert.equal((await user.me.getAccount()).mfa_enabled, true);

      const login = await anonymous.auth.logIn({ email, password: PASSWORD });
      assert.equal(login.mfa_required, true);
      assert.ok(login.mfa_token);
      const tokens = await anonymous.auth.completeMfaLogin({ mfa_token: login.mfa_token, code: recovery_codes[0] });
      const second = contract().as(tokens.access_token);

      await second.auth.disableTwoFactor({ code: totp(setup.secret, step + 1) });
      assert.equal((await second.me.getAccount()).mfa_enabled, false);
      signedIn(await anonymous.auth.logIn({ email, password: PASSWORD }));
    });

    it('logOut revokes the access token it was sent with', async () => {
      const { user } = await newUser('logout');
      await user.auth.logOut({ all_sessions: false });
      await rejectsWith(user.me.getAccount(), AuthenticationError, 'E1110');
    });

    it('startOidcSignIn answers the 302 itself; completeOidcSignIn signs in with the provider\'s answer', async () => {
      const { anonymous, environment } = contract();
      const { data, response } = await anonymous.auth.startOidcSignIn(OIDC_PROVIDER).withResponse();
      assert.equal(response.status, 302);
      assert.equal(data, undefined);
      const location = response.headers.get('location') ?? '';
      assert.ok(location.startsWith(`${environment.oidc.issuer}/`), `redirected to the provider, not to "${location}"`);
      // The cookie binds this browser to this sign-in; a browser sends it back with the callback.
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith('transmute_oidc='));
      assert.ok(cookie);

      const callback = new URL(await environment.signInAtProvider(location));
      const result = await anonymous.auth.completeOidcSignIn(OIDC_PROVIDER, Object.fromEntries(callback.searchParams), { headers: { cookie: cookie.split(';')[0]! } });
      const account = await contract().as(signedIn(result).access_token).me.getAccount();
      assert.equal(account.email, 'alice@example.com');
      assert.equal(account.email_verified, true);
    });
  });
}
