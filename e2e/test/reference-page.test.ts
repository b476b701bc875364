// The API reference at /docs in a real browser: Redoc renders the spec (every operation, and the SDK
// samples in their tabs) under the page's hash-only Content-Security-Policy, with nothing refused or
// thrown. The same page with one script hash wrong shows the watcher does see a refusal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import spec from '../../server/src/generated/openapi.json' with { type: 'json' };
import { launchBrowser, watchedPage } from '../support/browser.ts';
import { startServerProcess, type ServerProcess } from '../support/server.ts';

const TEST_TIMEOUT = { timeout: 60_000 };

interface Operation {
  operationId: string;
  summary: string;
  'x-codeSamples': Array<{ label: string; source: string }>;
}

const operations = Object.values(spec.paths).flatMap((item) => Object.values(item).filter((op): op is Operation => typeof op === 'object' && op !== null && 'operationId' in op));

let server: ServerProcess;
let browser: Browser;
before(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('/docs in a browser', () => {
  it('renders every operation and its SDK samples, with no CSP violation or console error', TEST_TIMEOUT, async () => {
    const { page, problems } = await watchedPage(browser);
    const response = await page.goto(`${server.url}/docs`);
    assert.equal(response?.status(), 200);
    assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'sha256-/);

    const headings = page.locator('[id^="operation/"] h2');
    await headings.first().waitFor();
    assert.deepEqual(new Set((await headings.allTextContents()).map((text) => text.trim())), new Set(operations.map((op) => op.summary)));

    const listFormats = operations.find((op) => op.operationId === 'listFormats')!;
    const section = page.locator('[id="operation/listFormats"]');
    // The first tab list is the request samples'; the response samples' (by status) follow it.
    const samples = section.getByRole('tablist').first().locator('..');
    const tabs = samples.getByRole('tab');
    assert.deepEqual(await tabs.allTextContents(), listFormats['x-codeSamples'].map((sample) => sample.label));
    for (const label of ['TypeScript', 'Python', 'Go']) {
      await tabs.filter({ hasText: label }).click();
      const panel = samples.locator('.react-tabs__tab-panel--selected pre');
      const source = listFormats['x-codeSamples'].find((sample) => sample.label === label)!.source;
      assert.equal((await panel.innerText()).trim(), source.trim(), `the ${label} sample`);
    }
    assert.deepEqual(problems, []);
  });

  it('reports a script the policy refuses (the watcher above can fail)', TEST_TIMEOUT, async () => {
    const { page, problems } = await watchedPage(browser);
    await page.route('**/docs', async (route) => {
      const response = await route.fetch();
      const headers = response.headers();
      // The last hash is Redoc.init's: without it the bundle loads but the spec is never rendered.
      headers['content-security-policy'] = headers['content-security-policy']!.replace(/ 'sha256-[^']+'(?=;)/, '');
      await route.fulfill({ response, headers });
    });
    await page.goto(`${server.url}/docs`);
    await page.waitForLoadState('load');
    // The event reaches the test through a binding, a round trip after the console message.
    await page.waitForFunction(() => true);
    assert.ok(problems.some((problem) => problem.startsWith('csp: script-src')), problems.join('\n'));
    assert.ok(problems.some((problem) => problem.startsWith('console: ') && problem.includes('Content Security Policy')), problems.join('\n'));
    assert.equal(await page.locator('[id^="operation/"]').count(), 0);
  });
});
