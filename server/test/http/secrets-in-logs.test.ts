// No credential reaches a log line: the server runs at debug level into a buffer while keys, access
// and refresh tokens, passwords and TOTP secrets cross it, and none of them may appear there.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseApiKey } from '../../src/auth/key-format.ts';
import { call, PASSWORD, startLoggedServer } from '../support/server.ts';

let server: Awaited<ReturnType<typeof startLoggedServer>>;

before(async () => {
  server = await startLoggedServer({}, 'debug');
});
after(() => server.stop());

it('logs requests, their failures and audit events, and never a credential', async () => {
  const { url } = server.running;
  const signup = await call(`${url}/v1/auth/signup`, { body: { email: 'logs@example.com', password: PASSWORD } });
  assert.equal(signup.status, 201);
  const { access_token: access, refresh_token: refresh } = signup.body.tokens;
  const created = await call(`${url}/v1/api-keys`, { token: access, body: { name: 'ci', scopes: ['conversions:write'] } });
  const key: string = created.body.secret;
  const conversion = { from: 'json', to: 'csv', input: '[{"a":1}]' };
  await call(`${url}/v1/conversions`, { key, body: conversion });
  await call(`${url}/v1/conversions`, { body: conversion, headers: { Authorization: `Bearer ${key}` } });
  await call(`${url}/v1/conversions`, { key: `${key}x`, body: conversion });
  await call(`${url}/v1/auth/login`, { body: { email: 'logs@example.com', password: `${PASSWORD} but wrong` } });
  const totp = await call(`${url}/v1/auth/2fa/setup`, { method: 'POST', token: access });
  const refreshed = await call(`${url}/v1/auth/refresh`, { body: { refresh_token: refresh } });
  // A reuse: revokes the session and is audited, with the token in neither line.
  await call(`${url}/v1/auth/refresh`, { body: { refresh_token: refresh } });
  await server.running.audit.flush();
  const logged = server.log();

  assert.match(logged, /"msg":"request"/, 'requests are logged');
  assert.match(logged, /"action":"login\.failed"/, 'audit events are logged');
  assert.match(logged, /"action":"refresh_token\.reused"/);
  const secrets = {
    password: PASSWORD,
    'API key secret part': parseApiKey(key)?.secret,
    'access token signature': access.split('.')[2],
    'refresh token': refresh,
    'new refresh token': refreshed.body.refresh_token,
    'TOTP secret': totp.body.secret,
  };
  for (const [what, secret] of Object.entries(secrets)) {
    assert.ok(secret && secret.length >= 8, `${what} was produced`);
    assert.equal(logged.includes(secret), false, `${what} reached the log`);
  }
});
