// A 5xx answer says nothing of its cause, so the cause must be in the logs: here an identity provider
// that cannot be reached (E1501), answered by the real server whose log goes to a buffer.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/database.ts';
import { startLoggedServer } from '../support/server.ts';

let server: Awaited<ReturnType<typeof startLoggedServer>>;

before(async () => {
  // Nothing listens there: discovery fails with a refused connection. OIDC_<NAME>_* are read by
  // name, beyond the fixed schema.
  server = await startLoggedServer(
    {
      OIDC_PROVIDERS: 'down',
      OIDC_DOWN_ISSUER: `http://127.0.0.1:${await freePort()}`,
      OIDC_DOWN_CLIENT_ID: 'transmute',
      OIDC_DOWN_CLIENT_SECRET: 'not-used-here',
      OIDC_DOWN_REDIRECT_URI: 'http://127.0.0.1/v1/auth/oidc/down/callback',
    },
    'info',
  );
});
after(() => server.stop());

it('an unreachable identity provider is a 503 whose cause is logged under the request id, not shown', async () => {
  const res = await fetch(`${server.running.url}/v1/auth/oidc/down/authorize`, { redirect: 'manual' });
  assert.equal(res.status, 503);
  const problem = (await res.json()) as { code: string; detail: string };
  assert.equal(problem.code, 'E1501');
  assert.doesNotMatch(JSON.stringify(problem), /ECONNREFUSED|fetch failed|127\.0\.0\.1/, 'the cause stays out of the answer');

  const requestId = res.headers.get('x-request-id');
  const lines = server.log().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const cause = lines.find((line) => line.request_id === requestId && line.error_code === 'E1501');
  assert.ok(cause, `a line for ${requestId} with the cause, in:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  assert.equal(cause.level, 'error');
  assert.ok((cause.err as { message?: string } | undefined)?.message, 'the underlying error is logged');
});
