// The TypeScript SDK in a real browser, from a web app on another origin, against the real server
// process: it needs nothing Node-only, and the server's CORS lets it send what it sends (bearer key,
// JSON, Idempotency-Key) and read what it reads (X-Request-Id, rate-limit headers, X-Should-Retry).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { KEY_SCOPES } from '../../server/src/auth/scopes.ts';
import { launchBrowser, watchedPage } from '../support/browser.ts';
import { startServerProcess, type ServerProcess } from '../support/server.ts';
import { startWebApp, type WebApp } from '../support/web-app.ts';

type Sdk = typeof import('../../sdks/typescript/src/index.ts');
interface Setup {
  sdkUrl: string;
  baseURL: string;
  apiKey: string;
}

const TEST_TIMEOUT = { timeout: 60_000 };

let app: WebApp;
let server: ServerProcess;
let browser: Browser;
let apiKey: string;
before(async () => {
  app = await startWebApp();
  [server, browser] = await Promise.all([startServerProcess({ CORS_ORIGINS: app.origin }), launchBrowser()]);
  apiKey = await server.newKey('browser@example.com', KEY_SCOPES);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await app?.close();
});

/** A page of the web app, with its problems collected; `setup` is what the page's code is given. */
async function openApp(): Promise<{ page: Page; problems: string[]; setup: Setup }> {
  const { page, problems } = await watchedPage(browser);
  await page.goto(app.origin);
  return { page, problems, setup: { sdkUrl: app.sdkUrl, baseURL: server.url, apiKey } };
}

describe('the TypeScript SDK in a browser', () => {
  it('lists formats and converts a document, reading the response headers it needs', TEST_TIMEOUT, async () => {
    const { page, problems, setup } = await openApp();
    const result = await page.evaluate(async ({ sdkUrl, baseURL, apiKey }: Setup) => {
      const { Transmute }: Sdk = await import(sdkUrl);
      const client = new Transmute({ apiKey, baseURL, maxRetries: 0 });
      const formats = await client.formats.list().withResponse();
      const conversion = await client.conversions.create({ from: 'csv', to: 'json', input: 'name,age\nAda,36\n' }).withResponse();
      return {
        formats: formats.data.data.map((format) => format.id),
        requestId: formats.request_id,
        rateLimit: formats.response.headers.get('ratelimit'),
        rateLimitPolicy: formats.response.headers.get('ratelimit-policy'),
        output: conversion.data.output,
        conversionRequestId: conversion.request_id,
      };
    }, setup);
    assert.ok(result.formats.includes('csv') && result.formats.includes('json'), String(result.formats));
    assert.deepEqual(JSON.parse(result.output), [{ name: 'Ada', age: '36' }]);
    assert.match(result.requestId ?? '', /^[A-Za-z0-9._:-]+$/, 'X-Request-Id readable cross-origin');
    assert.match(result.conversionRequestId ?? '', /^[A-Za-z0-9._:-]+$/);
    assert.match(result.rateLimit ?? '', /;r=\d+/, 'RateLimit readable cross-origin');
    assert.match(result.rateLimitPolicy ?? '', /;q=\d+/, 'RateLimit-Policy readable cross-origin');
    assert.deepEqual(problems, []);
  });

  it('maps a 422 to UnprocessableEntityError with the problem fields', TEST_TIMEOUT, async () => {
    const { page, problems, setup } = await openApp();
    const result = await page.evaluate(async ({ sdkUrl, baseURL, apiKey }: Setup) => {
      const { Transmute, UnprocessableEntityError }: Sdk = await import(sdkUrl);
      const client = new Transmute({ apiKey, baseURL, maxRetries: 0 });
      const error = await client.conversions.create({ from: 'json', to: 'csv', input: '{"unterminated": ' }).then(
        () => null,
        (e: unknown) => e,
      );
      return error instanceof UnprocessableEntityError
        ? { class: error.name, status: error.status, code: error.code, requestId: error.request_id, header: error.headers.get('x-request-id') }
        : { class: String(error) };
    }, setup);
    assert.equal(result.class, 'UnprocessableEntityError');
    assert.equal(result.status, 422);
    assert.equal(result.code, 'E1201');
    assert.ok(result.requestId);
    assert.equal(result.header, result.requestId, 'the error response is readable cross-origin, X-Request-Id included');
    // The browser logs the 422 itself as a failed load; nothing else may appear.
    assert.deepEqual(problems.filter((problem) => !problem.includes('422')), []);
  });

  it('does not retry a conflict the server marks X-Should-Retry: false', TEST_TIMEOUT, async () => {
    const { page, setup } = await openApp();
    let signUps = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${server.url}/v1/auth/signup`) signUps++;
    });
    const result = await page.evaluate(async ({ sdkUrl, baseURL }: Setup) => {
      const { Transmute, ConflictError }: Sdk = await import(sdkUrl);
      // Retries on, as an integrator has them: a 409 is retried unless the server says not to.
      const client = new Transmute({ baseURL, maxRetries: 2 });
      const account = { email: 'taken@example.com', password: 'correct horse battery staple' };
      await client.auth.signUp(account);
      const error = await client.auth.signUp(account).then(
        () => null,
        (e: unknown) => e,
      );
      return error instanceof ConflictError ? { class: error.name, code: error.code, shouldRetry: error.headers.get('x-should-retry') } : { class: String(error) };
    }, setup);
    assert.deepEqual(result, { class: 'ConflictError', code: 'E1116', shouldRetry: 'false' });
    assert.equal(signUps, 2, 'the sign-up that conflicted was sent once');
  });
});
