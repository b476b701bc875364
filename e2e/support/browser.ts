// Debian's Chromium, headless, driven by playwright-core: no browser is downloaded, the system one
// is the browser under test (.ci/run installs it). A missing browser is an error, never a skip.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Bounds every wait of a page (navigation, selector, evaluate), well inside a test's own timeout. */
export const PAGE_TIMEOUT_MS = 20_000;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: PAGE_TIMEOUT_MS });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions, failed loads and Content-Security-Policy violations, as they happen. */
  problems: string[];
}

/**
 * A new page whose errors are collected. CSP violations are read from the page's
 * `securitypolicyviolation` events through a binding, which (like Playwright's init scripts) the
 * page's own CSP does not govern, so the watcher cannot be blocked by what it watches.
 */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  // The console names no URL for a failed load; these do.
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`http: ${response.status()} ${response.request().method()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`));
  await page.exposeBinding('reportCspViolation', (_source, violation: string) => problems.push(`csp: ${violation}`));
  await page.addInitScript(() => {
    const report = (globalThis as unknown as { reportCspViolation: (violation: string) => void }).reportCspViolation;
    document.addEventListener('securitypolicyviolation', (event) => report(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} (${event.sample})`));
  });
  return { page, problems };
}
