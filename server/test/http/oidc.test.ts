// Sign-in with an identity provider, end to end: the real server, a real OpenID provider
// (oidc-provider) on loopback, the browser's part played with fetch.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';

const CALLBACK = 'http://127.0.0.1/v1/auth/oidc/test/callback';
let op: TestOidcProvider;
let server: TestServer;

before(async () => {
  op = await startOidcProvider({ redirectUris: [CALLBACK] });
  server = await startTestServer({
    OIDC_PROVIDERS: 'test',
    OIDC_TEST_ISSUER: op.issuer,
    OIDC_TEST_CLIENT_ID: op.clientId,
    OIDC_TEST_CLIENT_SECRET: op.clientSecret,
    OIDC_TEST_REDIRECT_URI: CALLBACK,
  });
});
after(async () => {
  await server.stop();
  await op.close();
});

async function start(): Promise<{ location: string; cookie: string }> {
  const res = await fetch(`${server.url}/v1/auth/oidc/test/authorize`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const setCookie = res.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /transmute_oidc=.+; path=\/v1\/auth\/oidc\/test\/callback;.*httponly/i);
  return { location: res.headers.get('location')!, cookie: setCookie.split(';')[0]! };
}

async function finish(callback: URL, cookie: string | undefined) {
  return call(`${server.url}${callback.pathname}${callback.search}`, cookie ? { headers: { Cookie: cookie } } : {});
}

it('signs in with a verified email, creating the account', async () => {
  const { location, cookie } = await start();
  const authorize = new URL(location);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(authorize.searchParams.get('state'));
  assert.ok(authorize.searchParams.get('nonce'));

  const res = await finish(await op.signIn(location, op.verifiedAccount), cookie);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.mfa_required, false);
  const me = await call(`${server.url}/v1/me`, { token: res.body.tokens.access_token });
  assert.equal(me.body.email, 'alice@example.com');
  assert.equal(me.body.email_verified, true);
});

it('refuses an identity whose email the provider has not verified (E1118)', async () => {
  const { location, cookie } = await start();
  const sub = op.addAccount({ email: 'mallory@example.com', emailVerified: false });
  const res = await finish(await op.signIn(location, sub), cookie);
  assert.equal(res.status, 403);
  assert.equal(res.body.code, 'E1118');
});

it('refuses a callback without the sign-in cookie, or with another sign-in\'s (E1117)', async () => {
  const first = await start();
  const second = await start();
  const callback = await op.signIn(first.location, op.verifiedAccount);
  assert.equal((await finish(callback, undefined)).body.code, 'E1117');
  assert.equal((await finish(callback, second.cookie)).body.code, 'E1117');
});

it('answers an unknown provider with 404', async () => {
  const res = await call(`${server.url}/v1/auth/oidc/nope/authorize`);
  assert.equal(res.status, 404);
  assert.equal(res.body.code, 'E1005');
});
