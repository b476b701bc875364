import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OidcService } from '../../src/auth/oidc.ts';
import { startOidcProvider } from '../support/oidc-provider.ts';
import { redirectUri, STATE_SECRET, startSignInFixture, type SignInFixture } from './sign-in-fixture.ts';

describe('OIDC sign-in against a real provider', () => {
  let fixture: SignInFixture;
  before(async () => {
    fixture = await startSignInFixture();
  });
  after(() => fixture.close());

  test('authorize asks for a code with PKCE (S256), state and nonce, and seals them into the cookie', async () => {
    const { location, cookie } = await fixture.service.authorize('test');
    const url = new URL(location);
    assert.equal(url.origin + url.pathname, `${fixture.op.issuer}/auth`);
    const params = Object.fromEntries(url.searchParams);
    assert.equal(params.response_type, 'code');
    assert.equal(params.client_id, fixture.op.clientId);
    assert.equal(params.redirect_uri, redirectUri('test'));
    assert.equal(params.scope, 'openid email');
    assert.equal(params.code_challenge_method, 'S256');
    assert.match(params.code_challenge ?? '', /^[\w-]{43}$/);
    assert.match(params.state ?? '', /^[\w-]{43}$/);
    assert.match(params.nonce ?? '', /^[\w-]{43}$/);
    assert.notEqual(params.state, params.nonce);
    assert.equal(cookie.name, 'transmute_oidc');
    assert.ok(!cookie.value.includes(params.state!) && !cookie.value.includes(params.nonce!), 'the cookie is sealed, not readable');
    assert.deepEqual(cookie.options, {
      httpOnly: true,
      secure: false,
      sameSite: 'lax',
      path: '/v1/auth/oidc/test/callback',
      maxAge: 600_000,
    });
  });

  test('two sign-ins never share state, nonce or verifier', async () => {
    const [a, b] = await Promise.all([fixture.service.authorize('test'), fixture.service.authorize('test')]);
    const pa = new URL(a.location).searchParams;
    const pb = new URL(b.location).searchParams;
    for (const name of ['state', 'nonce', 'code_challenge']) assert.notEqual(pa.get(name), pb.get(name), name);
  });

  test('a verified account signs in, its email read from UserInfo', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    assert.ok(callbackUrl.searchParams.has('code'));
    const seen = fixture.op.requests.length;
    const identity = await fixture.service.callback('test', callbackUrl, cookie);
    assert.deepEqual(identity, { provider: 'test', subject: fixture.op.verifiedAccount, email: 'alice@example.com', emailVerified: true });
    assert.deepEqual(fixture.op.requests.slice(seen), ['POST /token', 'GET /me']);
  });

  test('an unverified email is returned as such, for linking to refuse', async () => {
    const bob = fixture.op.addAccount({ email: 'bob@example.com', emailVerified: false });
    const { callbackUrl, cookie } = await fixture.begin(bob);
    const identity = await fixture.service.callback('test', callbackUrl, cookie);
    assert.deepEqual(identity, { provider: 'test', subject: bob, email: 'bob@example.com', emailVerified: false });
  });

  test('only the query of the callback URL counts: the token request repeats the configured redirect URI', async () => {
    const { callbackUrl, cookie } = await fixture.begin();
    const asReceived = new URL(`http://10.0.0.7:8080/somewhere/else${callbackUrl.search}`);
    const identity = await fixture.service.callback('test', asReceived, cookie);
    assert.equal(identity.subject, fixture.op.verifiedAccount);
  });

  test('an unknown provider is E1005 on both legs', async () => {
    assert.equal(fixture.service.isConfigured('test'), true);
    assert.equal(fixture.service.isConfigured('nope'), false);
    const notFound = { code: 'E1005', status: 404, message: 'No identity provider named nope.' };
    await assert.rejects(fixture.service.authorize('nope'), notFound);
    const { callbackUrl, cookie } = await fixture.begin();
    await assert.rejects(fixture.service.callback('nope', callbackUrl, cookie), notFound);
  });
});

test('an email in the ID token is taken from there, without a UserInfo request', async (t) => {
  const fixture = await startSignInFixture({ claimsInIdToken: true });
  t.after(() => fixture.close());
  const { callbackUrl, cookie } = await fixture.begin();
  const seen = fixture.op.requests.length;
  const identity = await fixture.service.callback('test', callbackUrl, cookie);
  assert.equal(identity.email, 'alice@example.com');
  assert.equal(identity.emailVerified, true);
  assert.deepEqual(fixture.op.requests.slice(seen), ['POST /token']);
});

test('the cookie is Secure unless the redirect URI is plain http on loopback', async (t) => {
  const op = await startOidcProvider({ redirectUris: [] });
  t.after(() => op.close());
  const cases = {
    'https://api.example.com/v1/auth/oidc/a/callback': true,
    'http://api.example.com/v1/auth/oidc/b/callback': true,
    'http://localhost:3000/v1/auth/oidc/c/callback': false,
    'http://[::1]:3000/v1/auth/oidc/d/callback': false,
  };
  const service = new OidcService(
    Object.keys(cases).map((uri, i) => op.config(`p${i}`, uri)),
    STATE_SECRET,
  );
  for (const [i, [uri, secure]] of Object.entries(cases).entries()) {
    const { cookie } = await service.authorize(`p${i}`);
    assert.equal(cookie.options.secure, secure, uri);
    assert.equal(cookie.options.path, new URL(uri).pathname);
  }
});

test('discovery is fetched once, and a failed one is tried again on the next sign-in', async (t) => {
  const port = await freePort();
  const redirect = redirectUri('late');
  const service = new OidcService(
    [{ name: 'late', issuer: `http://127.0.0.1:${port}`, clientId: 'transmute-test', clientSecret: 'unused', redirectUri: redirect }],
    STATE_SECRET,
  );
  await assert.rejects(service.authorize('late'), { code: 'E1501', headers: { 'Retry-After': '30' } });

  const op = await startOidcProvider({ redirectUris: [redirect], port });
  t.after(() => op.close());
  await service.authorize('late');
  await service.authorize('late');
  assert.equal(op.requests.filter((r) => r === 'GET /.well-known/openid-configuration').length, 1);
});

test('an http issuer that is not loopback is never contacted (openid-client stays HTTPS-only)', async (t) => {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.end();
  });
  // 127.0.0.2 reaches this machine on Linux but is not one of the loopback names we trust.
  await new Promise<void>((done) => server.listen(0, '127.0.0.2', done));
  t.after(() => server.close());
  const issuer = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
  const service = new OidcService(
    [{ name: 'plain', issuer, clientId: 'c', clientSecret: 's', redirectUri: redirectUri('plain') }],
    STATE_SECRET,
  );
  await assert.rejects(service.authorize('plain'), { code: 'E1501' });
  assert.equal(requests, 0);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
