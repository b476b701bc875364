// A conflict no retry can resolve says so (x-should-retry: false, from its catalog entry), so the
// SDKs do not repeat it; other errors leave the decision to the client's rules.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, PASSWORD, signUp, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

it('answers a repeated sign-up (E1116) with x-should-retry: false', async () => {
  await signUp(server.url, 'twice@example.com');
  const again = await call(`${server.url}/v1/auth/signup`, { body: { email: 'twice@example.com', password: PASSWORD } });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'E1116');
  assert.equal(again.headers.get('x-should-retry'), 'false');
});

it('leaves the header off errors whose catalog entry does not forbid a retry', async () => {
  const { secret } = await server.newKey();
  const missing = await call(`${server.url}/v1/jobs/job_${'0'.repeat(24)}`, { key: secret });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('x-should-retry'), null);
});
