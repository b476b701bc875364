// What /metrics costs the hot path (issue 6), on the full stack, warm, right after its main
// measurement: the same load again while /metrics is scraped every BENCH_SCRAPE_INTERVAL_MS (far
// more often than Prometheus's usual 15-60 s, so the cost is visible), then once more unscraped,
// so the scraped run sits between two unscraped ones and drift cancels; then, with the load over
// and every series populated, scrapes one at a time, each beside a GET /health through the same
// middleware: the difference is what rendering the exposition adds to a request.
import { measure, type LoadTarget, type Measurement } from './load.ts';
import { scrape, startScraper, timedGet } from './metrics-scrape.ts';
import type { BenchSettings, MetricsCostSettings } from './settings.ts';
import { mean, percentileOf, round } from './stats.ts';

export interface MetricsCost {
  scrape_interval_ms: number;
  /** Mean req/s of the unscraped runs before and after the scraped one. */
  rps_unscraped: number;
  rps_scraped: number;
  /** rps_scraped / rps_unscraped: 1 means scraping costs nothing measurable. */
  ratio: number;
  p99_ms_unscraped: number;
  p99_ms_scraped: number;
  scrapes_under_load: number;
  scrape_under_load_p50_ms: number;
  /** Scrapes one at a time with the load over. */
  scrape: {
    count: number;
    p50_ms: number;
    health_p50_ms: number;
    /** scrape p50 minus GET /health p50: rendering and sending the exposition. */
    serialize_ms: number;
    bytes: number;
    /** Sample lines (one per series and bucket), comments not counted. */
    samples: number;
  };
}

export interface MetricsEndpoints {
  metrics: string;
  health: string;
  token: string;
}

/** What the runs and scrapes recorded, before any statistics. */
export interface MetricsCostRaw {
  intervalMs: number;
  /** The unscraped runs, before and after the scraped one. */
  before: Measurement;
  scraped: Measurement;
  after: Measurement;
  /** Milliseconds per scrape: during the scraped run, after the load, and GET /health beside them. */
  underLoadMs: number[];
  scrapeMs: number[];
  healthMs: number[];
  /** The last exposition scraped. */
  body: string;
}

/**
 * `before` is the stack's main measurement, taken just now on the same process with the same
 * settings: the first of the two unscraped runs.
 */
export async function measureMetricsCost(
  target: LoadTarget,
  before: Measurement,
  endpoints: MetricsEndpoints,
  bench: BenchSettings,
  settings: MetricsCostSettings,
  signal: AbortSignal,
): Promise<MetricsCostRaw> {
  const scraper = startScraper(endpoints.metrics, endpoints.token, settings.scrapeIntervalMs);
  const scraped = await measure(target, bench, signal, false).catch(async (error: unknown) => {
    await scraper.stop().catch(() => {});
    throw error;
  });
  const underLoadMs = await scraper.stop();
  const after = await measure(target, bench, signal, false);

  const scrapeMs: number[] = [];
  const healthMs: number[] = [];
  let body = '';
  for (let i = 0; i < settings.scrapes; i++) {
    signal.throwIfAborted();
    healthMs.push((await timedGet(endpoints.health)).ms);
    const timed = await scrape(endpoints.metrics, endpoints.token);
    scrapeMs.push(timed.ms);
    body = timed.body;
  }
  return { intervalMs: settings.scrapeIntervalMs, before, scraped, after, underLoadMs, scrapeMs, healthMs, body };
}

export function summarizeMetricsCost(raw: MetricsCostRaw): MetricsCost {
  const scrapeP50 = percentileOf(raw.scrapeMs, 50);
  const healthP50 = percentileOf(raw.healthMs, 50);
  const unscraped = mean([raw.before.rps, raw.after.rps]);
  return {
    scrape_interval_ms: raw.intervalMs,
    rps_unscraped: round(unscraped, 1),
    rps_scraped: raw.scraped.rps,
    ratio: round(raw.scraped.rps / unscraped, 3),
    p99_ms_unscraped: round(mean([raw.before.p99_ms, raw.after.p99_ms]), 2),
    p99_ms_scraped: raw.scraped.p99_ms,
    scrapes_under_load: raw.underLoadMs.length,
    scrape_under_load_p50_ms: round(percentileOf(raw.underLoadMs, 50), 2),
    scrape: {
      count: raw.scrapeMs.length,
      p50_ms: round(scrapeP50, 2),
      health_p50_ms: round(healthP50, 2),
      serialize_ms: round(scrapeP50 - healthP50, 2),
      ...exposition(raw.body),
    },
  };
}

/** The size of a Prometheus text exposition: bytes on the wire and sample lines. */
export function exposition(text: string): { bytes: number; samples: number } {
  const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
  return { bytes: Buffer.byteLength(text, 'utf8'), samples };
}

export function formatMetricsCost(cost: MetricsCost): string {
  const { scrape: s } = cost;
  return [
    `/metrics cost (full stack; scraped every ${cost.scrape_interval_ms} ms during one run, between two unscraped runs):`,
    `  req/s unscraped ${cost.rps_unscraped.toFixed(0)}, scraped ${cost.rps_scraped.toFixed(0)}: ratio ${cost.ratio.toFixed(3)}; p99 ${cost.p99_ms_unscraped} ms unscraped, ${cost.p99_ms_scraped} ms scraped`,
    `  ${cost.scrapes_under_load} scrapes under load, p50 ${cost.scrape_under_load_p50_ms} ms`,
    `  one scrape after the load: p50 ${s.p50_ms} ms of ${s.count} (GET /health ${s.health_p50_ms} ms, so rendering ~${s.serialize_ms} ms), ${s.bytes} bytes, ${s.samples} samples`,
  ].join('\n');
}
