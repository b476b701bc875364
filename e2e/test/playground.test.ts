// The "Try it" playground of /docs in a real browser, against the real server process: it calls the
// API on the page's own origin with the visitor's key, shows the status, the documented headers and
// the body (a problem included), keeps the key out of the URL and of localStorage, and says so when
// no answer came at all; its management view lists, creates and deletes webhook endpoints.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { KEY_SCOPES } from '../../server/src/auth/scopes.ts';
import { launchBrowser, watchedPage } from '../support/browser.ts';
import { startServerProcess, type ServerProcess } from '../support/server.ts';

const TEST_TIMEOUT = { timeout: 60_000 };
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

let server: ServerProcess;
let browser: Browser;
let apiKey: string;
before(async () => {
  [server, browser] = await Promise.all([startServerProcess({ WEBHOOK_ALLOWLIST: '127.0.0.1' }), launchBrowser()]);
  apiKey = await server.newKey('playground@example.com', KEY_SCOPES);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const panel = (page: Page) => page.getByRole('complementary', { name: 'Try it' });

/** /docs with the playground open on `operationId`, its key field holding `key`. */
async function openPlayground(operationId: string, key: string): Promise<{ page: Page; problems: string[] }> {
  const { page, problems } = await watchedPage(browser);
  const response = await page.goto(`${server.url}/docs`);
  assert.equal(response?.status(), 200);
  assert.match(response.headers()['content-security-policy'] ?? '', /connect-src 'self'/);
  await page.getByRole('button', { name: 'Try it' }).click();
  await panel(page).getByLabel('Operation').selectOption(operationId);
  await panel(page).getByLabel('Scheme').selectOption('ApiKeyHeader');
  await panel(page).getByLabel('API key or token').fill(key);
  return { page, problems };
}

/** Sends, waits for the answer to be complete, and reads what the panel shows. */
async function send(page: Page): Promise<{ status: string; headers: Record<string, string>; body: string }> {
  await panel(page).getByRole('button', { name: 'Send' }).click();
  await page.locator('#pg-send:not([disabled])').waitFor();
  const names = await page.locator('#pg-headers dt').allTextContents();
  const values = await page.locator('#pg-headers dd').allTextContents();
  return {
    status: await page.locator('#pg-status').innerText(),
    headers: Object.fromEntries(names.map((name, i) => [name.toLowerCase(), values[i]!])),
    body: await page.locator('#pg-response-body').innerText(),
  };
}

describe('the playground on /docs', () => {
  it('lists formats with a real key, showing 200, X-Request-Id and the rate limit, and keeps the key out of the URL and localStorage', TEST_TIMEOUT, async () => {
    const { page, problems } = await openPlayground('listFormats', apiKey);
    const shown = await send(page);

    assert.match(shown.status, /^200 OK \(GET \/v1\/formats, \d+ ms\)$/);
    assert.match(shown.headers['x-request-id'] ?? '', REQUEST_ID);
    assert.match(shown.headers['ratelimit'] ?? '', /;r=\d+;t=\d+$/);
    assert.match(shown.headers['content-type'] ?? '', /^application\/json/);
    const direct = await fetch(`${server.url}/v1/formats`, { headers: { 'X-API-Key': apiKey } });
    assert.deepEqual(JSON.parse(shown.body), await direct.json());
    assert.match(shown.body, /^\{\n {2}"data": \[/, 'pretty-printed');

    assert.ok(!page.url().includes(apiKey));
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
    assert.ok(!stored.includes(apiKey), stored);
    // Kept for the tab only when asked, and then in sessionStorage alone.
    await panel(page).getByLabel('Keep for this tab').check();
    const kept = await page.evaluate(() => ({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }) }));
    assert.ok(kept.session.includes(apiKey) && !kept.local.includes(apiKey), JSON.stringify(kept));
    await page.reload();
    await page.getByRole('button', { name: 'Try it' }).click();
    assert.equal(await panel(page).getByLabel('API key or token').inputValue(), apiKey);
    assert.deepEqual(problems, []);
  });

  it('shows the 401 problem a bad key gets, with its request id', TEST_TIMEOUT, async () => {
    const { page, problems } = await openPlayground('listFormats', 'tm_not_a_real_key');
    const shown = await send(page);

    assert.match(shown.status, /^401 Unauthorized \(GET \/v1\/formats, \d+ ms\)$/);
    assert.match(shown.headers['content-type'] ?? '', /^application\/problem\+json/);
    const problem = JSON.parse(shown.body) as { status: number; code: string; request_id: string };
    assert.equal(problem.status, 401);
    assert.equal(problem.code, 'E1102');
    assert.match(shown.headers['x-request-id'] ?? '', REQUEST_ID);
    assert.equal(problem.request_id, shown.headers['x-request-id']);
    // The browser reports the 401 itself; nothing else went wrong.
    assert.deepEqual(problems.filter((line) => !line.includes('401')), []);
    assert.ok(problems.some((line) => line === `http: 401 GET ${server.url}/v1/formats`), problems.join('\n'));
  });

  it('says so when no answer came, rather than showing nothing', TEST_TIMEOUT, async () => {
    const { page } = await openPlayground('listFormats', apiKey);
    await page.route('**/v1/formats', (route) => route.abort('connectionrefused'));
    const shown = await send(page);
    assert.match(shown.status, /^GET \/v1\/formats: no answer \(TypeError: Failed to fetch\)/);
    assert.deepEqual(shown.headers, {});
  });

  it('offers every operation of the spec and prefills a body from its first example', TEST_TIMEOUT, async () => {
    const { page } = await openPlayground('createConversion', apiKey);
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId?: string; requestBody?: { content: Record<string, { examples: Record<string, { value: unknown }> }> } }>>;
    };
    const operations = Object.values(spec.paths).flatMap((item) => Object.values(item).filter((op) => typeof op === 'object' && op?.operationId));
    const offered = await page.locator('#pg-operation option').evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    assert.deepEqual(new Set(offered), new Set(operations.map((op) => op.operationId)));

    const example = Object.values(operations.find((op) => op.operationId === 'createConversion')!.requestBody!.content['application/json']!.examples)[0]!.value;
    assert.deepEqual(JSON.parse(await panel(page).getByLabel(/^Body/).inputValue()), example);
    const shown = await send(page);
    assert.match(shown.status, /^200 OK/);
  });

  it('manages webhook endpoints: lists them, creates one from the example, deletes it from its row', TEST_TIMEOUT, async () => {
    const { page, problems } = await openPlayground('listFormats', apiKey);
    const list = panel(page).getByRole('button', { name: 'List webhook endpoints' });
    const items = page.locator('#pg-items');
    const listed = async () => (await fetch(`${server.url}/v1/webhook-endpoints`, { headers: { 'X-API-Key': apiKey } })).json() as Promise<{ data: Array<{ id: string }> }>;

    await list.click();
    await page.locator('#pg-send:not([disabled])').waitFor();
    assert.equal(await items.locator('p').innerText(), '0 on this page.');

    await items.getByRole('button', { name: 'Create a webhook endpoint' }).click();
    assert.equal(await panel(page).getByLabel('Operation').inputValue(), 'createWebhookEndpoint');
    const body = panel(page).getByLabel(/^Body/);
    // The example's host is not this test's: the receiver is the allow-listed loopback.
    const example = JSON.parse(await body.inputValue()) as { url: string };
    assert.match(example.url, /^https:\/\//);
    await body.fill(JSON.stringify({ ...example, url: 'http://127.0.0.1:9/hook' }));
    const created = await send(page);
    assert.match(created.status, /^201 Created/);
    const { endpoint, secret } = JSON.parse(created.body) as { endpoint: { id: string; url: string }; secret: string };
    assert.equal(endpoint.url, 'http://127.0.0.1:9/hook');
    assert.match(secret, /^whsec_/);
    assert.deepEqual((await listed()).data.map((item) => item.id), [endpoint.id]);

    await list.click();
    await page.locator('#pg-send:not([disabled])').waitFor();
    const row = items.getByRole('row').filter({ hasText: endpoint.id });
    assert.equal(await items.getByRole('row').count(), 1);
    await row.getByRole('button', { name: 'Delete a webhook endpoint' }).click();
    assert.equal(await panel(page).getByLabel('Operation').inputValue(), 'deleteWebhookEndpoint');
    assert.equal(await panel(page).getByLabel('id (path, required)').inputValue(), endpoint.id);
    const deleted = await send(page);
    assert.match(deleted.status, /^204 No Content \(DELETE \/v1\/webhook-endpoints\/whep_/);
    assert.deepEqual((await listed()).data, []);
    assert.deepEqual(problems, []);
  });
});
