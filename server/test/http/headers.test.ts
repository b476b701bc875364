// Transport headers on every response: request id, server timing, security headers, CORS, HTTPS redirect.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, PASSWORD, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let key: string;

before(async () => {
  server = await startTestServer({ CORS_ORIGINS: 'https://app.example.com', TRUST_PROXY: 'true' });
  key = (await server.newKey()).secret;
});
after(() => server.stop());

describe('request ids', () => {
  it('echoes a well-formed X-Request-Id', async () => {
    const res = await call(`${server.url}/v1/formats`, { key, headers: { 'X-Request-Id': 'client-id.42:a_b' } });
    assert.equal(res.headers.get('x-request-id'), 'client-id.42:a_b');
  });

  it('replaces a malformed one and generates one when absent', async () => {
    const bad = await call(`${server.url}/v1/formats`, { key, headers: { 'X-Request-Id': 'bad id with spaces' } });
    assert.match(bad.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    const none = await call(`${server.url}/v1/formats`, { key });
    assert.match(none.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    assert.notEqual(none.headers.get('x-request-id'), bad.headers.get('x-request-id'));
  });

  it('puts the id in error bodies', async () => {
    const res = await call(`${server.url}/v1/formats`, { headers: { 'X-Request-Id': 'trace-me' } });
    assert.equal(res.status, 401);
    assert.equal(res.body.request_id, 'trace-me');
  });
});

describe('Server-Timing', () => {
  for (const [name, path, init] of [
    ['a success', '/v1/formats', { auth: true }],
    ['a refusal', '/v1/formats', { auth: false }],
    ['a 404', '/nope', { auth: false }],
    ['a HEAD', '/v1/formats', { auth: true, method: 'HEAD' }],
    ['the published spec', '/openapi.json', { auth: false }],
  ] as const) {
    it(`tells the server's time on ${name}, within the time the client waited`, async () => {
      const sent = performance.now();
      const res = await call(`${server.url}${path}`, { ...(init.auth ? { key } : {}), ...('method' in init ? { method: init.method } : {}) });
      const waited = performance.now() - sent;
      const timing = /^app;dur=(\d+(?:\.\d+)?)$/.exec(res.headers.get('server-timing') ?? '');
      assert.ok(timing, `Server-Timing: ${res.headers.get('server-timing')}`);
      const dur = Number(timing[1]);
      assert.ok(dur > 0 && dur <= waited, `dur=${dur} waited=${waited}`);
    });
  }

  it('is exposed to allowed origins', async () => {
    const res = await call(`${server.url}/v1/formats`, { key, headers: { Origin: 'https://app.example.com' } });
    assert.match(res.headers.get('access-control-expose-headers')!, /Server-Timing/);
  });
});

describe('security headers', () => {
  for (const [name, path, auth] of [
    ['a success', '/v1/formats', true],
    ['an error', '/v1/formats', false],
    ['a 404', '/nope', false],
  ] as const) {
    it(`are on ${name}`, async () => {
      const res = await call(`${server.url}${path}`, auth ? { key } : {});
      assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.match(res.headers.get('content-security-policy')!, /default-src 'none'/);
      assert.match(res.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-powered-by'), null);
    });
  }

  it('relax the CSP for /docs only, by script hash, with no third-party host', async () => {
    const res = await call(`${server.url}/docs`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy')!;
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+' 'sha256-[A-Za-z0-9+/=]+'/);
    assert.doesNotMatch(csp, /https?:/);
    assert.doesNotMatch(res.text, /<script[^>]+src=|<link[^>]+href="https?:/);
    // Redoc's bundle points its sidebar logo at Redocly's CDN; the page serves it as an empty image.
    assert.doesNotMatch(res.text, /cdn\.redoc\.ly/);
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin', async () => {
    const res = await call(`${server.url}/v1/conversions`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
  });

  it('gives no CORS headers to another origin', async () => {
    const res = await call(`${server.url}/v1/formats`, { key, headers: { Origin: 'https://evil.example.com' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('exposes the request id to allowed origins', async () => {
    const res = await call(`${server.url}/v1/formats`, { key, headers: { Origin: 'https://app.example.com' } });
    assert.match(res.headers.get('access-control-expose-headers')!, /X-Request-Id/);
  });

  it('exposes every response header the spec documents, none that script may never read', async () => {
    const res = await call(`${server.url}/v1/formats`, { key, headers: { Origin: 'https://app.example.com' } });
    const exposed = res.headers.get('access-control-expose-headers')!.split(',');
    for (const name of ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'Location', 'X-Should-Retry', 'Content-Disposition', 'WWW-Authenticate']) {
      assert.ok(exposed.includes(name), `${name} in ${exposed.join(',')}`);
    }
    assert.ok(!exposed.some((name) => /^(set-cookie|access-control-)/i.test(name)), exposed.join(','));
  });

  it('lets a browser read X-Should-Retry on a conflict no retry resolves', async () => {
    const body = { email: 'cors-conflict@example.com', password: PASSWORD };
    assert.equal((await call(`${server.url}/v1/auth/signup`, { body })).status, 201);
    const res = await call(`${server.url}/v1/auth/signup`, { body, headers: { Origin: 'https://app.example.com' } });
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('x-should-retry'), 'false');
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(res.headers.get('access-control-expose-headers')!, /(^|,)X-Should-Retry(,|$)/);
  });

  it('allows the request headers the SDKs send in a preflight', async () => {
    const res = await call(`${server.url}/v1/conversions`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key,x-api-key' },
    });
    assert.equal(res.status, 204);
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase().split(',');
    for (const name of ['authorization', 'content-type', 'idempotency-key', 'x-api-key']) assert.ok(allowed.includes(name), `${name} in ${allowed.join(',')}`);
  });
});

describe('HTTPS behind a trusted proxy', () => {
  it('redirects a read that reached the proxy over HTTP', async () => {
    const res = await fetch(`${server.url}/v1/formats?x=1`, { headers: { 'X-Forwarded-Proto': 'http', 'X-Forwarded-Host': 'api.example.com' }, redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), 'https://api.example.com/v1/formats?x=1');
  });

  it('refuses a write that reached the proxy over HTTP with E1008', async () => {
    const res = await call(`${server.url}/v1/conversions`, { key, body: {}, headers: { 'X-Forwarded-Proto': 'http' } });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'E1008');
  });

  it('serves requests the proxy received over HTTPS, and direct probes', async () => {
    assert.equal((await call(`${server.url}/v1/formats`, { key, headers: { 'X-Forwarded-Proto': 'https' } })).status, 200);
    assert.equal((await call(`${server.url}/health`)).status, 200);
  });
});
