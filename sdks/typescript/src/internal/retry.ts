// When to retry and how long to wait (SDK.md "Retries"); the vectors in sdks/conformance/retries.json
// pin every rule here.

/** Server hints longer than this are ignored in favour of the computed backoff. */
const MAX_HINT_MS = 60_000;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;

/** Whether a response (or, with `status` null, a connection failure or timeout) is worth retrying. */
export function shouldRetry(status: number | null, headers?: Headers): boolean {
  const override = headers?.get('x-should-retry');
  if (override === 'true') return true;
  if (override === 'false') return false;
  if (status === null) return true;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Milliseconds to wait before retry number `attempt` (0 for the first retry): the server's hint when
 * it gives one within 60 s, else min(0.5 s × 2^attempt, 8 s) with jitter in [0.75, 1.0].
 */
export function retryDelay(attempt: number, status: number | null, headers: Headers | undefined, now: number = Date.now(), random: () => number = Math.random): number {
  const hint = headers ? usable(serverHint(status, headers, now)) : undefined;
  if (hint !== undefined) return hint;
  const base = Math.min(BASE_DELAY_MS * 2 ** attempt, MAX_DELAY_MS);
  return base * (1 - 0.25 * random());
}

/**
 * The wait a job's answer asks for before it is polled again: `retry-after-ms`, else `Retry-After`,
 * when within 60 s; undefined leaves the polling schedule in charge.
 */
export function pollHint(headers: Headers, now: number = Date.now()): number | undefined {
  return usable(serverHint(null, headers, now));
}

const usable = (hint: number | undefined): number | undefined => (hint !== undefined && hint >= 0 && hint <= MAX_HINT_MS ? hint : undefined);

function serverHint(status: number | null, headers: Headers, now: number): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter.trim());
    if (retryAfter.trim() !== '' && Number.isFinite(seconds)) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return date - now;
  }
  // draft-ietf-httpapi-ratelimit-headers: `RateLimit: "policy";r=0;t=<seconds until reset>`.
  if (status === 429) {
    const reset = /(?:^|;)\s*t=(\d+)/.exec(headers.get('ratelimit') ?? '');
    if (reset?.[1] !== undefined) return Number(reset[1]) * 1000;
  }
  return undefined;
}
