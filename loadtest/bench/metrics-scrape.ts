// Scraping the full stack's /metrics as Prometheus does: one GET with the bearer token
// (METRICS_TOKEN), timed from the request to the last byte of the body, either once or on a fixed
// interval in the background.
import { setTimeout as sleep } from 'node:timers/promises';

export interface Timed {
  ms: number;
  body: string;
}

/** One GET, timed; anything but a 200 is an error (a wrong token would measure a 401). */
export async function timedGet(url: string, headers: Record<string, string> = {}): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(url, { headers });
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 200)}`);
  return { ms, body };
}

export function scrape(url: string, token: string): Promise<Timed> {
  return timedGet(url, { authorization: `Bearer ${token}` });
}

export interface Scraper {
  /** Ends the loop after the scrape in progress; resolves with every scrape's time, rejects if one failed. */
  stop(): Promise<number[]>;
}

/**
 * Scrapes every `intervalMs` on a fixed schedule, as Prometheus keeps its interval whatever a scrape
 * takes; a tick missed because a scrape ran long is skipped, never made up in a burst.
 */
export function startScraper(url: string, token: string, intervalMs: number): Scraper {
  const stopping = new AbortController();
  const times: number[] = [];
  const loop = (async () => {
    const start = performance.now();
    while (!stopping.signal.aborted) {
      times.push((await scrape(url, token)).ms);
      const elapsed = performance.now() - start;
      const next = (Math.floor(elapsed / intervalMs) + 1) * intervalMs;
      await sleep(next - elapsed, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();
  // Held until stop() so a failed scrape is reported there, not as an unhandled rejection.
  const outcome = loop.then(
    () => ({ error: undefined }),
    (error: unknown) => ({ error }),
  );
  return {
    async stop() {
      stopping.abort();
      const { error } = await outcome;
      if (error !== undefined) throw error;
      return times;
    },
  };
}
