// A 5xx answer says nothing of its cause, so the cause must be in the logs: here an identity provider
// that cannot be reached (E1501), answered by the real server whose log goes to a buffer.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { start, type Running } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Env } from '../../src/config.ts';
import { createTestDatabase, freePort, type TestDatabase } from '../support/database.ts';

let database: TestDatabase;
let running: Running;
const lines: Record<string, unknown>[] = [];

before(async () => {
  // Nothing listens there: discovery fails with a refused connection.
  const down = `http://127.0.0.1:${await freePort()}`;
  // OIDC_<NAME>_* are read by name, beyond the fixed schema (as startTestServer takes them).
  const env: Env & Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: '0',
    OIDC_PROVIDERS: 'down',
    OIDC_DOWN_ISSUER: down,
    OIDC_DOWN_CLIENT_ID: 'transmute',
    OIDC_DOWN_CLIENT_SECRET: 'not-used-here',
    OIDC_DOWN_REDIRECT_URI: 'http://127.0.0.1/v1/auth/oidc/down/callback',
  };
  database = await createTestDatabase(env);
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  running = await start(database.config, createLogger('info', sink));
});
after(async () => {
  await running.shutdown('test finished');
  await database.drop();
});

it('an unreachable identity provider is a 503 whose cause is logged under the request id, not shown', async () => {
  const res = await fetch(`${running.url}/v1/auth/oidc/down/authorize`, { redirect: 'manual' });
  assert.equal(res.status, 503);
  const problem = (await res.json()) as { code: string; detail: string };
  assert.equal(problem.code, 'E1501');
  assert.doesNotMatch(JSON.stringify(problem), /ECONNREFUSED|fetch failed|127\.0\.0\.1/, 'the cause stays out of the answer');

  const requestId = res.headers.get('x-request-id');
  const cause = lines.find((line) => line.request_id === requestId && line.error_code === 'E1501');
  assert.ok(cause, `a line for ${requestId} with the cause, in:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  assert.equal(cause.level, 'error');
  assert.ok((cause.err as { message?: string } | undefined)?.message, 'the underlying error is logged');
});
