// Signing in with an identity provider in a real browser: from /v1/auth/oidc/test/authorize through
// the provider's own sign-in page (a form the test fills and submits) and back to the callback,
// with the browser carrying the sign-in cookie and following every redirect itself.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { freePort } from '../../server/test/support/database.ts';
import { startOidcProvider, type TestOidcProvider } from '../../server/test/support/oidc-provider.ts';
import { call } from '../../server/test/support/server.ts';
import { launchBrowser, watchedPage } from '../support/browser.ts';
import { startServerProcess, type ServerProcess } from '../support/server.ts';

const TEST_TIMEOUT = { timeout: 60_000 };
// A native client's loopback redirect URI matches on any port (RFC 8252 §7.3), so the provider
// accepts the one the server gets below.
const REGISTERED_CALLBACK = 'http://127.0.0.1/v1/auth/oidc/test/callback';

let op: TestOidcProvider;
let server: ServerProcess;
let browser: Browser;
before(async () => {
  op = await startOidcProvider({ redirectUris: [REGISTERED_CALLBACK] });
  // The browser must come back to this very process, so its port is chosen before it starts.
  const port = await freePort();
  [server, browser] = await Promise.all([
    startServerProcess({
      PORT: String(port),
      OIDC_PROVIDERS: 'test',
      OIDC_TEST_ISSUER: op.issuer,
      OIDC_TEST_CLIENT_ID: op.clientId,
      OIDC_TEST_CLIENT_SECRET: op.clientSecret,
      OIDC_TEST_REDIRECT_URI: `http://127.0.0.1:${port}/v1/auth/oidc/test/callback`,
    }),
    launchBrowser(),
  ]);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await op?.close();
});

describe('OIDC sign-in in a browser', () => {
  it('signs in through the provider page and lands on the callback with tokens', TEST_TIMEOUT, async () => {
    const { page } = await watchedPage(browser);
    await page.goto(`${server.url}/v1/auth/oidc/test/authorize`);
    assert.equal(new URL(page.url()).origin, op.issuer, 'the browser is at the provider');
    await page.getByLabel('Account').fill(op.verifiedAccount);
    const [callback] = await Promise.all([page.waitForResponse((response) => response.url().startsWith(`${server.url}/v1/auth/oidc/test/callback`)), page.getByRole('button', { name: 'Sign in' }).click()]);
    assert.equal(callback.status(), 200, await callback.text());
    const result = (await callback.json()) as { mfa_required: boolean; tokens: { access_token: string } };
    assert.equal(result.mfa_required, false);
    const me = await call(`${server.url}/v1/me`, { token: result.tokens.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.email, 'alice@example.com');
  });

  it('answers E1117 when the user cancels at the provider', TEST_TIMEOUT, async () => {
    const { page } = await watchedPage(browser);
    await page.goto(`${server.url}/v1/auth/oidc/test/authorize`);
    const [callback] = await Promise.all([page.waitForResponse((response) => response.url().startsWith(`${server.url}/v1/auth/oidc/test/callback`)), page.getByRole('button', { name: 'Cancel' }).click()]);
    assert.equal(callback.status(), 400);
    assert.equal(((await callback.json()) as { code: string }).code, 'E1117');
  });
});
