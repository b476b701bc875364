// `make bench`'s logic without any load: the maximum-rate search against simulated stacks, the
// statistics each measurement reports, the requests and how they go on the wire, the report per
// request, and the settings that turn measurements off.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Measurement } from '../../loadtest/bench/load.ts';
import { plannedRequest, sentRate, settle } from '../../loadtest/bench/max-rate.ts';
import { exposition, summarizeMetricsCost, type MetricsCostRaw } from '../../loadtest/bench/metrics-cost.ts';
import { nextRate, searchMaxRate, type SearchBounds } from '../../loadtest/bench/rate-search.ts';
import { roundOrder, summarizeSdkOverhead } from '../../loadtest/bench/sdk-overhead.ts';
import { formatMaxRates, formatReport, writeResults, type StackResult } from '../../loadtest/bench/report.ts';
import { CONVERSION_REQUEST, encodeRequest, FORMATS_REQUEST, readSettings, SettingsError } from '../../loadtest/bench/settings.ts';
import { mean, percentileOf } from '../../loadtest/bench/stats.ts';

const BOUNDS: SearchBounds = { start: 1000, ceiling: 200_000, precision: 0.05, growth: 2 };

/** A stack that meets its objectives up to `capacity` req/s; every probe takes `stepMs` of a fake clock. */
function simulated(capacity: number, stepMs = 3000) {
  let clock = 0;
  const tried: number[] = [];
  const probe = async (rate: number) => {
    tried.push(rate);
    clock += stepMs;
    return { rate, passed: rate <= capacity };
  };
  return { probe, tried, now: () => clock };
}

describe('maximum rate search', () => {
  for (const capacity of [1, 37, 999, 1000, 4321, 23_456]) {
    it(`brackets a capacity of ${capacity} req/s within the precision`, async () => {
      const stack = simulated(capacity);
      const result = await searchMaxRate(stack.probe, BOUNDS, { stepMs: 3000, budgetMs: 600_000, now: stack.now });
      assert.equal(result.stopped, 'converged');
      assert.ok(result.rate <= capacity, `${result.rate} passed above the capacity`);
      assert.ok(result.failedAt! > capacity);
      assert.ok(result.failedAt! - result.rate <= Math.max(1, result.rate * BOUNDS.precision), `${result.rate}..${result.failedAt} is too wide`);
      assert.equal(new Set(stack.tried).size, stack.tried.length, 'a rate was tried twice');
      assert.deepEqual(result.probes.map((p) => p.rate), stack.tried);
    });
  }

  it('doubles from the start rate, then bisects between the last pass and the first failure', async () => {
    const stack = simulated(5000);
    await searchMaxRate(stack.probe, BOUNDS, { stepMs: 3000, budgetMs: 600_000, now: stack.now });
    assert.deepEqual(stack.tried.slice(0, 5), [1000, 2000, 4000, 8000, 6000]);
  });

  it('grows by the given factor, so the first failure lands just past the limit', async () => {
    const stack = simulated(5000);
    const result = await searchMaxRate(stack.probe, { ...BOUNDS, start: 3000, growth: 1.25 }, { stepMs: 3000, budgetMs: 600_000, now: stack.now });
    assert.deepEqual(stack.tried.slice(0, 5), [3000, 3750, 4688, 5860, 5274]);
    assert.ok(result.failedAt! > 5000 && result.rate <= 5000);
  });

  it('stops before a step would overrun the budget and keeps what it found', async () => {
    const stack = simulated(50_000);
    const result = await searchMaxRate(stack.probe, BOUNDS, { stepMs: 3000, budgetMs: 10_000, now: stack.now });
    assert.equal(result.stopped, 'budget');
    assert.deepEqual(stack.tried, [1000, 2000, 4000]);
    assert.equal(result.rate, 4000);
    assert.equal(result.failedAt, null);
  });

  it('stops at the ceiling and at a floor of 1 req/s', async () => {
    const fast = simulated(Infinity, 1);
    const capped = await searchMaxRate(fast.probe, { ...BOUNDS, ceiling: 5000 }, { stepMs: 1, budgetMs: 1000, now: fast.now });
    assert.deepEqual([capped.rate, capped.stopped, fast.tried], [5000, 'ceiling', [1000, 2000, 4000, 5000]]);
    const dead = simulated(0, 1);
    const none = await searchMaxRate(dead.probe, BOUNDS, { stepMs: 1, budgetMs: 1000, now: dead.now });
    assert.deepEqual([none.rate, none.failedAt, none.stopped], [0, 1, 'floor']);
  });

  it('proposes whole rates strictly inside the bracket', () => {
    assert.equal(nextRate({ passed: 100, failed: 103 }, { ...BOUNDS, precision: 0 }), 102);
    assert.equal(nextRate({ passed: 100, failed: 101 }, { ...BOUNDS, precision: 0 }), undefined);
    assert.equal(nextRate({ passed: 100, failed: 105 }, BOUNDS), undefined);
    assert.equal(nextRate({ passed: undefined, failed: 1001 }, BOUNDS), 500);
  });
});

describe('a maximum rate step', () => {
  it('measures the rate vegeta actually sent', () => {
    const at = (rate: number, count: number) => Array.from({ length: count }, (_, i) => 1_700_000_000_000 + (i * 1000) / rate);
    assert.equal(Math.round(sentRate(at(2000, 6000))), 2000);
    assert.equal(Math.round(sentRate([...at(500, 100)].reverse())), 500);
    assert.equal(sentRate([5]), 0);
  });

  it('sends the bench request, held to the objectives the spec gives its operation', () => {
    const keyed = plannedRequest(CONVERSION_REQUEST, 'key');
    assert.equal(keyed.path, CONVERSION_REQUEST.path);
    assert.deepEqual(JSON.parse(keyed.body!), CONVERSION_REQUEST.body);
    assert.ok(keyed.sla.p95_ms > 0 && keyed.sla.p99_ms >= keyed.sla.p95_ms && keyed.sla.max_error_rate > 0);
    assert.equal(plannedRequest(CONVERSION_REQUEST, 'none').auth, 'none');
    assert.throws(() => plannedRequest({ ...CONVERSION_REQUEST, path: '/v1/nowhere' }, 'key'), /not in the load plan/);
  });

  it('sends a GET without a body', () => {
    const formats = plannedRequest(FORMATS_REQUEST, 'key');
    assert.deepEqual([formats.method, formats.path, formats.body, formats.auth], ['GET', '/v1/formats', null, 'key']);
  });

  it('after a failed step, waits until the stack answers at once twice in a row', async () => {
    // Slow while its backlog lasts (the first five requests), then quick.
    let answered = 0;
    const server = createServer((_req, res) => void setTimeout(() => res.end(), ++answered <= 5 ? 60 : 0));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await settle(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, AbortSignal.timeout(10_000), 10_000);
      // Never before the backlog is gone; soon after it (a quick answer slowed by a busy machine only delays it).
      assert.ok(answered >= 7 && answered < 20, `${answered} requests`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('bench requests', () => {
  it('go on the wire as JSON with its content type, or with neither when they have no body', () => {
    const conversion = encodeRequest(CONVERSION_REQUEST);
    assert.deepEqual(conversion.headers, { 'content-type': 'application/json' });
    assert.deepEqual(JSON.parse(conversion.body!), CONVERSION_REQUEST.body);
    assert.deepEqual(encodeRequest(FORMATS_REQUEST), { headers: {}, body: undefined });
  });

  it('compare what every stack must answer alike: a conversion without its timing, the whole format list', () => {
    const answer = (ms: number) => ({ from: 'csv', to: 'json', output: '[]\n', stats: { input_bytes: 3, output_bytes: 3, records: 0, duration_ms: ms } });
    assert.deepEqual(CONVERSION_REQUEST.comparable(answer(0.1)), CONVERSION_REQUEST.comparable(answer(0.2)));
    assert.notDeepEqual(CONVERSION_REQUEST.comparable(answer(0.1)), CONVERSION_REQUEST.comparable({ ...answer(0.1), output: '[{}]\n' }));
    const formats = { data: [{ id: 'csv' }] };
    assert.deepEqual(FORMATS_REQUEST.comparable(formats), formats);
  });
});

describe('report', () => {
  const measured = (rps: number) => ({ rps, p50_ms: 1, p99_ms: 2, errors: 0, statuses: { 200: 1 } });
  const STACKS = [
    ['full_stack', 'full stack'],
    ['peer_express', 'peer Express'],
    ['bare_koa', 'bare Koa'],
  ] as const;
  /** Conversion req/s 100, 40, 200 and format list 900, 300, 1000 for full, peer, bare Koa. */
  const results: StackResult[] = STACKS.flatMap(([stack, label], i) => [
    { stack, label, request: CONVERSION_REQUEST, measurement: measured([100, 40, 200][i]!), maxRate: { rate: 500, failed_at: 600, stopped: 'converged', step_s: 3, steps: [] } },
    { stack, label, request: FORMATS_REQUEST, measurement: measured([900, 300, 1000][i]!), maxRate: undefined },
  ]);
  const compared = { full: 'full_stack', bareKoa: 'bare_koa', peer: 'peer_express' };
  const settings = readSettings({});

  it('prints one table per request, with the ratios of that request', () => {
    const conversion = formatReport(results, CONVERSION_REQUEST, compared, settings);
    assert.match(conversion, /^POST \/v1\/conversions,/);
    assert.match(conversion, /full stack\/bare Koa req\/s: 0\.50 \(50%\)/);
    assert.match(conversion, /full stack\/peer Express req\/s: 2\.50; target >= 2: met/);
    const formats = formatReport(results, FORMATS_REQUEST, compared, settings);
    assert.match(formats, /^GET \/v1\/formats,/);
    assert.match(formats, /full stack\/bare Koa req\/s: 0\.90 \(90%\)/);
    assert.match(formats, /target: full stack >= 70% of bare Koa: met/);
    assert.match(formats, /full stack\/peer Express req\/s: 3\.00/);
    assert.doesNotMatch(formats, /\b200\b/, 'a conversion figure leaked into the format list table');
  });

  it('lists the maximum rate of each stack once, for the request it was searched on', () => {
    const lines = formatMaxRates(results, CONVERSION_REQUEST, 'p95 < 200 ms', 60).split('\n');
    assert.match(lines[0]!, /^maximum sustainable rate, POST \/v1\/conversions /);
    assert.deepEqual(lines.slice(1).map((line) => line.trim().split(/\s{3,}/)[0]), ['full stack', 'peer Express', 'bare Koa']);
    assert.ok(lines.slice(1).every((line) => line.endsWith('500 req/s (600 failed; converged in 0 steps)')));
  });

  it('writes one entry per stack and request, the maximum rate where it was searched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      const out = join(dir, 'bench.json');
      writeResults(out, { stacks: results, metricsCost: undefined, sdkOverhead: undefined });
      const file = JSON.parse(readFileSync(out, 'utf8')) as { stacks: Record<string, unknown>[]; metrics_cost: unknown; sdk_overhead: unknown };
      assert.deepEqual([file.metrics_cost, file.sdk_overhead], [null, null]);
      assert.deepEqual(
        file.stacks.map((e) => [e.stack, (e.request as { id: string }).id, e.rps, e.max_rate === null ? null : (e.max_rate as { rate: number }).rate]),
        [
          ['full_stack', 'conversion', 100, 500],
          ['full_stack', 'formats', 900, null],
          ['peer_express', 'conversion', 40, 500],
          ['peer_express', 'formats', 300, null],
          ['bare_koa', 'conversion', 200, 500],
          ['bare_koa', 'formats', 1000, null],
        ],
      );
      assert.deepEqual(file.stacks[1]!.request, { id: 'formats', method: 'GET', path: '/v1/formats' });
      assert.deepEqual(Object.keys(file.stacks[0]!), ['stack', 'request', 'rps', 'p50_ms', 'p99_ms', 'errors', 'max_rate']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('statistics', () => {
  it('mean and nearest-rank percentiles of unsorted values, leaving them unsorted', () => {
    const values = [9, 1, 5, 3, 7];
    assert.equal(mean(values), 5);
    assert.equal(mean([]), 0);
    assert.equal(percentileOf(values, 50), 5);
    assert.equal(percentileOf(values, 100), 9);
    assert.equal(percentileOf(values, 1), 1);
    assert.deepEqual(values, [9, 1, 5, 3, 7]);
  });

  const run = (rps: number, p99: number): Measurement => ({ rps, p50_ms: 1, p99_ms: p99, errors: 0, statuses: { 200: 1 } });

  it('/metrics cost: the scraped run against the mean of the unscraped runs around it', () => {
    const text = '# HELP up Up.\n# TYPE up gauge\nup 1\nhttp_requests_total{code="200"} 12\n';
    const raw: MetricsCostRaw = {
      intervalMs: 100,
      before: run(1000, 10),
      scraped: run(900, 14),
      after: run(1200, 12),
      underLoadMs: [3, 9, 4],
      scrapeMs: [2.5, 2, 3],
      healthMs: [0.5, 0.75, 0.25],
      body: text,
    };
    const cost = summarizeMetricsCost(raw);
    assert.equal(cost.rps_unscraped, 1100);
    assert.equal(cost.ratio, 0.818);
    assert.equal(cost.p99_ms_unscraped, 11);
    assert.deepEqual([cost.scrapes_under_load, cost.scrape_under_load_p50_ms], [3, 4]);
    assert.deepEqual(cost.scrape, { count: 3, p50_ms: 2.5, health_p50_ms: 0.5, serialize_ms: 2, bytes: Buffer.byteLength(text), samples: 2 });
  });

  it('counts exposition bytes as UTF-8 and skips comments and blank lines', () => {
    assert.deepEqual(exposition('# HELP x café\nx 1\n\ny{l="é"} 2\n'), { bytes: 32, samples: 2 });
  });

  it('SDK overhead: rounds alternate who goes first, and the overhead is SDK minus raw fetch', () => {
    assert.deepEqual([roundOrder(0), roundOrder(1), roundOrder(2)], [['raw_fetch', 'sdk'], ['sdk', 'raw_fetch'], ['raw_fetch', 'sdk']]);
    const overhead = summarizeSdkOverhead({ rounds: 2, rawFetchUs: [100, 300, 200, 1000], sdkUs: [150, 260, 900, 250] });
    assert.deepEqual(overhead.raw_fetch, { mean_us: 400, p50_us: 200 });
    assert.deepEqual(overhead.sdk, { mean_us: 390, p50_us: 250 });
    assert.deepEqual([overhead.overhead_mean_us, overhead.overhead_p50_us, overhead.calls], [-10, 50, 4]);
  });
});

describe('settings', () => {
  it('measures everything by default and leaves out what BENCH_SKIP names', () => {
    const all = readSettings({});
    assert.ok(all.metricsCost && all.maxRate && all.sdkOverhead);
    const quick = readSettings({ BENCH_SKIP: 'max_rate, sdk_overhead' });
    assert.equal(quick.maxRate, undefined);
    assert.equal(quick.sdkOverhead, undefined);
    assert.deepEqual(quick.metricsCost, all.metricsCost);
  });

  it('starts the rate search where the stack stands unless told where', () => {
    assert.equal(readSettings({}).maxRate?.startRate, undefined);
    assert.equal(readSettings({ BENCH_MAX_RATE_START: '2500' }).maxRate?.startRate, 2500);
  });

  it('refuses an unknown measurement and a budget shorter than one step', () => {
    assert.throws(() => readSettings({ BENCH_SKIP: 'max_rates' }), (e: unknown) => e instanceof SettingsError && /max_rates/.test(e.message));
    assert.throws(() => readSettings({ BENCH_MAX_RATE_STEP: '5', BENCH_MAX_RATE_BUDGET: '4' }), SettingsError);
    assert.equal(readSettings({ BENCH_MAX_RATE_STEP: '5', BENCH_MAX_RATE_BUDGET: '5' }).maxRate?.budgetSeconds, 5);
  });
});
