// What the TypeScript SDK adds to a call over raw fetch (issue 7): the same authenticated GET
// /v1/formats to the same warm server, one call at a time, from this process, through the same
// global fetch (so the same keep-alive pool). The server does the same work for both; what differs
// is the SDK's URL and header building, deadline signal, retry loop and body parsing. Calls are
// made in rounds that alternate which client goes first, so a drift in the machine's speed lands
// on both alike.
import { isDeepStrictEqual } from 'node:util';
import { Transmute } from '../../sdks/typescript/src/index.ts';
import { FORMATS_REQUEST, type SdkOverheadSettings } from './settings.ts';
import { mean, percentileOf, round } from './stats.ts';

const PATH = FORMATS_REQUEST.path;

export type Client = 'raw_fetch' | 'sdk';

export interface SdkOverheadRaw {
  rounds: number;
  /** Microseconds per call, request to parsed body. */
  rawFetchUs: number[];
  sdkUs: number[];
}

export interface PerCall {
  mean_us: number;
  p50_us: number;
}

export interface SdkOverhead {
  request: string;
  /** Measured calls per client. */
  calls: number;
  rounds: number;
  raw_fetch: PerCall;
  sdk: PerCall;
  /** SDK minus raw fetch. */
  overhead_mean_us: number;
  overhead_p50_us: number;
}

/** Round 0 starts with raw fetch, round 1 with the SDK, and so on. */
export function roundOrder(round: number): [Client, Client] {
  return round % 2 === 0 ? ['raw_fetch', 'sdk'] : ['sdk', 'raw_fetch'];
}

/** `origin` is the server's, e.g. http://127.0.0.1:4123; `apiKey` one of its keys. */
export async function measureSdkOverhead(origin: string, apiKey: string, settings: SdkOverheadSettings, signal: AbortSignal): Promise<SdkOverheadRaw> {
  const url = new URL(PATH, origin).href;
  const sdk = new Transmute({ baseURL: origin, apiKey });
  const call: Record<Client, () => Promise<unknown>> = {
    raw_fetch: async () => {
      const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' } });
      if (response.status !== 200) throw new Error(`GET ${PATH} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
      return response.json();
    },
    sdk: () => sdk.formats.list(),
  };
  // Both must fetch the same thing, or the difference is not the SDK's.
  const [viaFetch, viaSdk] = [await call.raw_fetch(), await call.sdk()];
  if (!isDeepStrictEqual(viaFetch, viaSdk)) throw new Error(`raw fetch and the SDK got different answers to GET ${PATH}`);

  const perRound = Math.ceil(settings.calls / settings.rounds);
  const times: Record<Client, number[]> = { raw_fetch: [], sdk: [] };
  // Round -1 is thrown away: the first calls pay for the JIT and for the SDK's first use.
  for (let round = -1; round < settings.rounds; round++) {
    for (const client of roundOrder(round)) {
      for (let i = 0; i < perRound; i++) {
        signal.throwIfAborted();
        const started = performance.now();
        await call[client]();
        if (round >= 0) times[client].push((performance.now() - started) * 1000);
      }
    }
  }
  return { rounds: settings.rounds, rawFetchUs: times.raw_fetch, sdkUs: times.sdk };
}

export function summarizeSdkOverhead(raw: SdkOverheadRaw): SdkOverhead {
  const rawFetch = { mean: mean(raw.rawFetchUs), p50: percentileOf(raw.rawFetchUs, 50) };
  const sdk = { mean: mean(raw.sdkUs), p50: percentileOf(raw.sdkUs, 50) };
  const perCall = (c: { mean: number; p50: number }): PerCall => ({ mean_us: round(c.mean, 1), p50_us: round(c.p50, 1) });
  return {
    request: `GET ${PATH}`,
    calls: raw.sdkUs.length,
    rounds: raw.rounds,
    raw_fetch: perCall(rawFetch),
    sdk: perCall(sdk),
    overhead_mean_us: round(sdk.mean - rawFetch.mean, 1),
    overhead_p50_us: round(sdk.p50 - rawFetch.p50, 1),
  };
}

export function formatSdkOverhead(o: SdkOverhead): string {
  const row = (label: string, c: PerCall) => `  ${label.padEnd(10)} mean ${c.mean_us.toFixed(0).padStart(6)} µs   p50 ${c.p50_us.toFixed(0).padStart(6)} µs`;
  const signed = (us: number) => `${us >= 0 ? '+' : ''}${us.toFixed(0)}`;
  return [
    `TypeScript SDK per call (${o.request}, ${o.calls} sequential calls each in ${o.rounds} interleaved rounds):`,
    row('raw fetch', o.raw_fetch),
    row('SDK', o.sdk),
    `  overhead   mean ${signed(o.overhead_mean_us).padStart(6)} µs   p50 ${signed(o.overhead_p50_us).padStart(6)} µs`,
  ].join('\n');
}
