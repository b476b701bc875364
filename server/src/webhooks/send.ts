// One delivery attempt over HTTP: a POST that never follows redirects (a 3xx is a failure), gives
// up after the timeout, reads at most the start of the answer, and connects only to addresses the
// SSRF policy admits, validated by the connection's own DNS lookup (ssrf.ts).
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import type { WebhookOutcome } from '../observability/metrics.ts';
import { hostOf, type UrlPolicy } from './ssrf.ts';

export interface AttemptResult {
  succeeded: boolean;
  /** How the attempt ended, as the delivery metric counts it. */
  outcome: WebhookOutcome;
  responseStatus: number | null;
  latencyMs: number | null;
  /** At most EXCERPT_CHARS characters of the response body. */
  responseExcerpt: string | null;
  /** Why no acceptable answer came, at most ERROR_CHARS characters. */
  error: string | null;
}

export const EXCERPT_CHARS = 1_024;
// Enough bytes for EXCERPT_CHARS characters of UTF-8 (4 bytes at most each).
const EXCERPT_BYTES = EXCERPT_CHARS * 4;
const ERROR_CHARS = 256;
export const ADDRESS_NOT_ALLOWED = 'address not allowed';

const USER_AGENT = 'Transmute-Webhooks/1.0';

export class WebhookSender {
  readonly #policy: UrlPolicy;
  readonly #timeoutMs: number;
  // Plain HTTP is for allow-listed hosts only, so it gets a connection pool whose lookup says so.
  readonly #https: Agent;
  readonly #http: Agent;

  constructor(policy: UrlPolicy, timeoutMs: number) {
    this.#policy = policy;
    this.#timeoutMs = timeoutMs;
    const agent = (plain: boolean) =>
      new Agent({
        connect: { lookup: policy.lookupFor({ plain }), timeout: timeoutMs },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    this.#https = agent(false);
    this.#http = agent(true);
  }

  /** POSTs `body`; never throws. `signal` cuts the attempt short (shutdown). */
  async send(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<AttemptResult> {
    const target = new URL(url);
    const plain = target.protocol === 'http:';
    if (!plain && target.protocol !== 'https:') return failed({ error: 'unsupported URL scheme', outcome: 'connection_error' }, null);
    const host = hostOf(target);
    // A literal address is connected to without any lookup, so the policy is applied here instead.
    if (isIP(host) !== 0 && !this.#policy.addressAllowed(host, host, { plain })) return failed({ error: ADDRESS_NOT_ALLOWED, outcome: 'connection_error' }, null);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const response = await request(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
        body,
        dispatcher: plain ? this.#http : this.#https,
        signal: AbortSignal.any([signal, timeout]),
      });
      const excerpt = await readExcerpt(response.body);
      const status = response.statusCode;
      const redirect = status >= 300 && status < 400;
      const succeeded = status >= 200 && status < 300;
      return {
        succeeded,
        outcome: succeeded ? 'success' : 'http_error',
        responseStatus: status,
        latencyMs: elapsed(),
        responseExcerpt: excerpt,
        error: redirect ? 'redirect not followed' : null,
      };
    } catch (error) {
      return failed(describe(error, timeout.aborted, signal.aborted, this.#timeoutMs), elapsed());
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#https.close(), this.#http.close()]);
  }
}

/** The start of the body, as text PostgreSQL accepts; the rest is not read. */
async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    // Leaving the loop destroys the stream: a large answer is not downloaded.
    if (size >= EXCERPT_BYTES) break;
  }
  if (size === 0) return null;
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8').replaceAll('\0', '');
  // Cut in UTF-16 units (so at most EXCERPT_CHARS in any count); a pair cut in half becomes U+FFFD.
  return text.slice(0, EXCERPT_CHARS).toWellFormed();
}

interface Failure {
  error: string;
  outcome: Exclude<WebhookOutcome, 'success' | 'http_error'>;
}

function failed({ error, outcome }: Failure, latencyMs: number | null): AttemptResult {
  return { succeeded: false, outcome, responseStatus: null, latencyMs, responseExcerpt: null, error: error.slice(0, ERROR_CHARS) };
}

const MESSAGES: Record<string, Failure> = {
  EADDRNOTALLOWED: { error: ADDRESS_NOT_ALLOWED, outcome: 'connection_error' },
  ECONNREFUSED: { error: 'connection refused', outcome: 'connection_error' },
  ECONNRESET: { error: 'connection reset', outcome: 'connection_error' },
  ENOTFOUND: { error: 'host not found', outcome: 'connection_error' },
  EAI_AGAIN: { error: 'host not found (DNS lookup failed)', outcome: 'connection_error' },
  ETIMEOUT: { error: 'DNS lookup timed out', outcome: 'timeout' },
  EHOSTUNREACH: { error: 'host unreachable', outcome: 'connection_error' },
  ENETUNREACH: { error: 'network unreachable', outcome: 'connection_error' },
  UND_ERR_CONNECT_TIMEOUT: { error: 'connection timed out', outcome: 'timeout' },
  UND_ERR_HEADERS_TIMEOUT: { error: 'timeout waiting for the response', outcome: 'timeout' },
  UND_ERR_BODY_TIMEOUT: { error: 'timeout reading the response', outcome: 'timeout' },
  UND_ERR_SOCKET: { error: 'connection closed', outcome: 'connection_error' },
};

/** A short, safe reason: a known code's meaning, else the code or class, never a stack. */
function describe(error: unknown, timedOut: boolean, interrupted: boolean, timeoutMs: number): Failure {
  const codes = causes(error).map((e) => (e as { code?: unknown }).code).filter((code): code is string => typeof code === 'string');
  const known = codes.find((code) => MESSAGES[code] !== undefined);
  if (known === 'EADDRNOTALLOWED') return MESSAGES[known]!;
  if (timedOut) return { error: `timeout after ${timeoutMs} ms`, outcome: 'timeout' };
  if (interrupted) return { error: 'interrupted by shutdown', outcome: 'connection_error' };
  if (known !== undefined) return MESSAGES[known]!;
  const tls = codes.find((code) => /CERT|SSL|TLS|SELF_SIGNED/.test(code));
  if (tls !== undefined) return { error: `TLS error (${tls})`, outcome: 'connection_error' };
  return { error: `request failed (${codes[0] ?? (error instanceof Error ? error.name : 'unknown error')})`, outcome: 'connection_error' };
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}
