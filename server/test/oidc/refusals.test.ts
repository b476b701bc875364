// Every way a callback must be refused. Where the refusal should happen before the code is
// spent, the test then finishes the genuine sign-in with the same code: proof that it was
// our check that refused, not the provider.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SIGN_IN_TTL_S, SignInSeal, type SignIn } from '../../src/auth/oidc-state.ts';
import { STATE_SECRET, startSignInFixture, type SignInFixture } from './sign-in-fixture.ts';

const refused = (detail: RegExp) => ({ name: 'ApiError', code: 'E1117', status: 400, message: detail });

describe('OIDC callback refusals', () => {
  let fixture: SignInFixture;
  before(async () => {
    fixture = await startSignInFixture();
  });
  after(() => fixture.close());

  async function stillSignsIn(callbackUrl: URL, cookie: string) {
    const identity = await fixture.service.callback('test', callbackUrl, cookie);
    assert.equal(identity.subject, fixture.op.verifiedAccount);
  }

  test('no cookie', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    await assert.rejects(fixture.service.callback('test', callbackUrl, undefined), refused(/cookie is missing/));
    await assert.rejects(fixture.service.callback('test', callbackUrl, ''), refused(/cookie is missing/));
    await stillSignsIn(callbackUrl, cookie);
  });

  test('a state that is not the one in the cookie', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', `${callbackUrl.searchParams.get('state')}x`);
    await assert.rejects(fixture.service.callback('test', tampered, cookie), refused(/does not match/));
    tampered.searchParams.delete('state');
    await assert.rejects(fixture.service.callback('test', tampered, cookie), refused(/does not match/));
    await stillSignsIn(callbackUrl, cookie);
  });

  test('the cookie of another sign-in in the same browser', async () => {
    const first = await fixture.begin();
    const second = await fixture.service.authorize('test');
    await assert.rejects(fixture.service.callback('test', first.callbackUrl, second.cookie.value), refused(/does not match/));
    await stillSignsIn(first.callbackUrl, first.cookie);
  });

  test('a cookie that was altered', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    const middle = Math.floor(cookie.length / 2);
    const altered = cookie.slice(0, middle) + (cookie[middle] === 'A' ? 'B' : 'A') + cookie.slice(middle + 1);
    await assert.rejects(fixture.service.callback('test', callbackUrl, altered), refused(/expired or was started elsewhere/));
    await assert.rejects(fixture.service.callback('test', callbackUrl, 'not-a-sealed-value'), refused(/expired or was started elsewhere/));
    await stillSignsIn(callbackUrl, cookie);
  });

  test('a cookie sealed with another secret', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    const forged = new SignInSeal('another-secret-of-at-least-32-characters').seal(open(cookie));
    await assert.rejects(fixture.service.callback('test', callbackUrl, forged), refused(/expired or was started elsewhere/));
    await stillSignsIn(callbackUrl, cookie);
  });

  test('a cookie made for another provider', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    await assert.rejects(fixture.service.callback('other', callbackUrl, cookie), refused(/expired or was started elsewhere/));
    await stillSignsIn(callbackUrl, cookie);
  });

  test('a cookie older than ten minutes', async (t) => {
    const { callbackUrl, cookie } = await fixture.begin();
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() + (SIGN_IN_TTL_S + 1) * 1000 });
    await assert.rejects(fixture.service.callback('test', callbackUrl, cookie), refused(/expired or was started elsewhere/));
    t.mock.timers.reset();
    await stillSignsIn(callbackUrl, cookie);
  });

  test('a code used twice', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    await stillSignsIn(callbackUrl, cookie);
    await assert.rejects(fixture.service.callback('test', callbackUrl, cookie), refused(/did not accept the authorization code/));
  });

  test('the user refuses at the provider (error=access_denied)', async () => {
    const { location, cookie } = await fixture.service.authorize('test');
    const callbackUrl = await fixture.op.refuse(location);
    assert.equal(callbackUrl.searchParams.get('error'), 'access_denied');
    // The whole message is ours: nothing of the provider's error_description is echoed.
    await assert.rejects(
      fixture.service.callback('test', callbackUrl, cookie.value),
      refused(/^The identity provider did not complete the sign-in\.$/),
    );
  });

  test('an account without an email address', async () => {
    const nobody = fixture.op.addAccount({ emailVerified: false });
    const { callbackUrl, cookie } = await fixture.begin(nobody);
    await assert.rejects(fixture.service.callback('test', callbackUrl, cookie), refused(/returned no email address/));
  });

  test('a PKCE verifier that is not the one the challenge was made from', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    const wrongVerifier = reseal(cookie, { code_verifier: 'x'.repeat(43) });
    await assert.rejects(fixture.service.callback('test', callbackUrl, wrongVerifier), refused(/did not accept the authorization code/));
  });

  test('an ID token whose nonce is not the one in the cookie', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    const wrongNonce = reseal(cookie, { nonce: 'y'.repeat(43) });
    await assert.rejects(fixture.service.callback('test', callbackUrl, wrongNonce), refused(/does not match/));
  });
});

function open(cookie: string): SignIn {
  const signIn = new SignInSeal(STATE_SECRET).open(cookie, 'test');
  assert.ok(signIn);
  return signIn;
}

/** The sign-in from `cookie` with some fields changed, sealed with the service's own key. */
function reseal(cookie: string, change: Partial<SignIn>): string {
  return new SignInSeal(STATE_SECRET).seal({ ...open(cookie), ...change });
}
