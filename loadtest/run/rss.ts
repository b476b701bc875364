// The server's resident memory, read from its /metrics as Prometheus would (prom-client's
// process_resident_memory_bytes), so the ramp sees what an operator's dashboard shows.

/** Long enough for a scrape of an overloaded server (/metrics is never shed, but it queues). */
const SCRAPE_TIMEOUT_MS = 10_000;

export function residentMemoryOf(metrics: string): number | undefined {
  const value = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+?\d+)?)$/m.exec(metrics)?.[1];
  return value === undefined ? undefined : Number(value);
}

/** Undefined when the scrape fails: the verdict then says memory was not measured. */
export async function scrapeResidentMemory(origin: string, token: string): Promise<number | undefined> {
  try {
    const response = await fetch(new URL('/metrics', origin), { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    return response.ok ? residentMemoryOf(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}
