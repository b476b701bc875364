// Retry decisions and delays from the shared vectors, then the same rules seen on the wire.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIConnectionError, APITimeoutError, APIUserAbortError, InternalServerError, RateLimitError, Transmute } from '../src/index.ts';
import { retryDelay, shouldRetry } from '../src/internal/retry.ts';
import { fakeFetch, hang, json, readVectors } from './support/fake-fetch.ts';

interface RetryVector {
  name: string;
  status: number | null;
  error?: 'connection' | 'timeout';
  headers: Record<string, string>;
  attempt: number;
  retry: boolean;
  delay?: { min_ms: number; max_ms: number };
}
const { now, vectors } = readVectors<{ now: string; vectors: RetryVector[] }>('retries.json');

describe('retry vectors (sdks/conformance/retries.json)', () => {
  for (const v of vectors) {
    it(v.name, () => {
      const headers = new Headers(v.headers);
      assert.equal(shouldRetry(v.status, headers), v.retry);
      if (!v.delay) return;
      // The jitter's extremes: random() = 0 gives the full delay, random() → 1 the shortest.
      for (const random of [0, 0.999999, 0.5]) {
        const delay = retryDelay(v.attempt, v.status, headers, Date.parse(now), () => random);
        assert.ok(delay >= v.delay.min_ms - 0.01 && delay <= v.delay.max_ms, `${delay} not in [${v.delay.min_ms}, ${v.delay.max_ms}]`);
      }
    });
  }
});

const client = (fetch: typeof globalThis.fetch, extra: Partial<ConstructorParameters<typeof Transmute>[0]> = {}) =>
  new Transmute({ apiKey: 'tk_test', baseURL: 'http://sdk.test', fetch, ...extra });
const body = { from: 'json', to: 'csv', input: '[]' } as const;
const conversion = { from: 'json', to: 'csv', output: '', stats: {} };

describe('retries on the wire', () => {
  it('retries a POST with one Idempotency-Key reused on every attempt', async () => {
    const { fetch, sent } = fakeFetch([json(503, {}, { 'retry-after-ms': '5' }), new TypeError('socket hang up'), json(200, conversion)]);
    await client(fetch).conversions.create(body);
    assert.equal(sent.length, 3);
    const keys = sent.map((r) => r.headers.get('idempotency-key'));
    assert.match(keys[0] ?? '', /^transmute-typescript-retry-[0-9a-f-]{36}$/);
    assert.deepEqual(new Set(keys).size, 1);
  });

  it("keeps the caller's Idempotency-Key", async () => {
    const { fetch, sent } = fakeFetch([json(500, {}, { 'retry-after-ms': '1' }), json(200, conversion)]);
    await client(fetch).conversions.create(body, { idempotencyKey: 'mine' });
    assert.deepEqual(sent.map((r) => r.headers.get('idempotency-key')), ['mine', 'mine']);
  });

  it('sends no Idempotency-Key on a GET', async () => {
    const { fetch, sent } = fakeFetch([json(200, { data: [] })]);
    await client(fetch).formats.list();
    assert.equal(sent[0]?.headers.get('idempotency-key'), null);
  });

  it('gives up after maxRetries with the last error', async () => {
    const { fetch, sent } = fakeFetch([json(429, {}, { 'retry-after-ms': '1' }), json(429, {}, { 'retry-after-ms': '1' }), json(429, { code: 'E1301' }, { 'retry-after-ms': '1' })]);
    await assert.rejects(client(fetch).formats.list(), (e: unknown) => e instanceof RateLimitError && e.code === 'E1301');
    assert.equal(sent.length, 3);
  });

  it('honours maxRetries per call', async () => {
    const { fetch, sent } = fakeFetch([json(500, {})]);
    await assert.rejects(client(fetch).formats.list({ maxRetries: 0 }), InternalServerError);
    assert.equal(sent.length, 1);
  });

  it('does not retry a 400', async () => {
    const { fetch, sent } = fakeFetch([json(400, { code: 'E1001' })]);
    await assert.rejects(client(fetch).formats.list());
    assert.equal(sent.length, 1);
  });

  it('reports a connection failure as APIConnectionError after the retries', async () => {
    const { fetch, sent } = fakeFetch([new TypeError('refused'), new TypeError('refused')]);
    await assert.rejects(client(fetch, { maxRetries: 1 }).formats.list(), (e: unknown) => e instanceof APIConnectionError && !(e instanceof APITimeoutError));
    assert.equal(sent.length, 2);
  });

  it('waits for Retry-After before retrying', async () => {
    const { fetch, sent } = fakeFetch([json(503, {}, { 'retry-after': '1' }), json(200, { data: [] })]);
    const started = Date.now();
    await client(fetch).formats.list();
    assert.ok(Date.now() - started >= 990, 'waited the Retry-After second');
    assert.equal(sent.length, 2);
  });
});

describe('deadline and cancellation', () => {
  it('ends a stalled call at the overall timeout with APITimeoutError', async () => {
    const { fetch } = fakeFetch([hang()]);
    const started = Date.now();
    await assert.rejects(client(fetch).formats.list({ timeout: 50 }), APITimeoutError);
    assert.ok(Date.now() - started < 1000);
  });

  it('counts retries and waits against the one deadline', async () => {
    const { fetch, sent } = fakeFetch([json(503, {}, { 'retry-after-ms': '40' }), hang()]);
    await assert.rejects(client(fetch, { timeout: 100 }).formats.list(), APITimeoutError);
    assert.equal(sent.length, 2);
  });

  it('answers with the error at once when the server asks for a wait past the deadline', async () => {
    const { fetch, sent } = fakeFetch([json(503, {}, { 'retry-after': '30' })]);
    await assert.rejects(client(fetch, { timeout: 1000 }).formats.list(), InternalServerError);
    assert.equal(sent.length, 1);
  });

  it('aborts an attempt in flight', async () => {
    const { fetch } = fakeFetch([hang()]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(client(fetch).formats.list({ signal: controller.signal }), APIUserAbortError);
  });

  it('aborts during the wait between retries', async () => {
    const { fetch, sent } = fakeFetch([json(503, {}, { 'retry-after': '20' })]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await assert.rejects(client(fetch).formats.list({ signal: controller.signal }), APIUserAbortError);
    assert.ok(Date.now() - started < 1000);
    assert.equal(sent.length, 1);
  });
});
