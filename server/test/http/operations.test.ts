// Probes, the published spec and its reference page.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

it('answers /health as application/health+json without credentials', async () => {
  const res = await call(`${server.url}/health`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/health+json');
  assert.equal(res.body.status, 'pass');
  assert.equal(res.body.version, '1.0.0');
});

it('answers /ready with the database check', async () => {
  const res = await call(`${server.url}/ready`);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'pass');
  const [check] = res.body.checks['postgresql:responseTime'];
  assert.equal(check.status, 'pass');
  assert.equal(check.observedUnit, 'ms');
});

it('serves the spec it was built from at /openapi.json', async () => {
  const res = await call(`${server.url}/openapi.json`);
  assert.equal(res.status, 200);
  assert.equal(res.body.openapi, '3.1.0');
  assert.ok(res.body.paths['/v1/conversions'].post);
  assert.deepEqual(
    res.body.paths['/v1/conversions'].post['x-codeSamples'].map((s: { lang: string }) => s.lang),
    ['TypeScript', 'Python', 'Go'],
  );
});

it('serves the reference page at /docs with the spec and its code samples inlined', async () => {
  const res = await call(`${server.url}/docs`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/html/);
  assert.match(res.text, /createConversion/);
  assert.match(res.text, /"x-codeSamples":\[\{"lang":"TypeScript"/);
  assert.match(res.text, /client\.conversions\.create\(/);
  assert.match(res.text, /client\.Conversions\.Create\(ctx, transmute\.ConversionRequest\{/);
});
