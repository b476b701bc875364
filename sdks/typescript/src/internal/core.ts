// The client core: options, one request with retries under one deadline, and error mapping. Generated
// resources call `request`/`requestPage`; nothing here knows an operation.
import { VERSION } from '../generated/version.ts';
import { APIPromise, type WithResponse } from './api-promise.ts';
import { nodeRuntime, readEnv } from './env.ts';
import { APIConnectionError, APITimeoutError, APIUserAbortError, errorFor, TransmuteError } from './errors.ts';
import { consoleLogger, levelLogger, parseLogLevel, redactHeaders, type Logger, type LogLevel } from './log.ts';
import { Page, PagePromise, type CursorPageBody } from './pagination.ts';
import { buildPath } from './path.ts';
import { retryDelay, shouldRetry } from './retry.ts';
import { sleep } from './sleep.ts';
import type { ServerSentEvent } from './sse.ts';
import { jsonEvent, Stream } from './stream.ts';

export const DEFAULT_BASE_URL = 'https://api.transmute.dev';
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;

export interface ClientOptions {
  /** API key or a user's access token, sent as a bearer token. Default: env `TRANSMUTE_API_KEY`. */
  apiKey?: string | undefined;
  /** Default: env `TRANSMUTE_BASE_URL`, else https://api.transmute.dev. */
  baseURL?: string | undefined;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number | undefined;
  /** One deadline per call, retries and waits included, in milliseconds. Default 60 000. */
  timeout?: number | undefined;
  /** Sent with every request; a per-call header of the same name wins. */
  defaultHeaders?: Record<string, string> | undefined;
  /** A fetch implementation (tests, proxies). Default: the global fetch. */
  fetch?: typeof fetch | undefined;
  /** `off`, `info` or `debug`. Default: env `TRANSMUTE_LOG`, else off. */
  logLevel?: LogLevel | undefined;
  /** Where log lines go. Default: console. */
  logger?: Logger | undefined;
}

export interface RequestOptions {
  timeout?: number | undefined;
  maxRetries?: number | undefined;
  signal?: AbortSignal | undefined;
  headers?: Record<string, string> | undefined;
  /** Reused on every retry; default `transmute-typescript-retry-<uuid>` for non-GET requests. */
  idempotencyKey?: string | undefined;
}

export interface RequestSpec {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** The spec's path template; `pathParams` fills it. */
  path: string;
  pathParams?: Readonly<Record<string, string>>;
  query?: object | undefined;
  body?: unknown;
  /** The spec documents a 3xx as this operation's answer: it is returned, not followed. */
  redirect?: boolean;
  /** The answer is a document served as is (a download, or a string schema): the body stays text whatever its media type. */
  text?: boolean;
  /** The answer is an event stream: the deadline ends when its headers arrive (see `requestStream`). */
  stream?: boolean;
  /** False for the operations the spec marks as needing no credentials. */
  auth: boolean;
  options?: RequestOptions | undefined;
}

export class ClientCore {
  readonly baseURL: string;
  readonly maxRetries: number;
  readonly timeout: number;
  readonly #apiKey: string | undefined;
  readonly #defaultHeaders: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #log: Logger;

  constructor(options: ClientOptions = {}) {
    this.#apiKey = options.apiKey ?? readEnv('TRANSMUTE_API_KEY');
    this.baseURL = (options.baseURL ?? readEnv('TRANSMUTE_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    this.#defaultHeaders = options.defaultHeaders ?? {};
    this.#fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.#log = levelLogger(options.logLevel ?? parseLogLevel(readEnv('TRANSMUTE_LOG')), options.logger ?? consoleLogger);
  }

  request<T>(spec: RequestSpec): APIPromise<T> {
    return new APIPromise(this.#send<T>(spec));
  }

  requestPage<Item>(spec: RequestSpec): PagePromise<Item> {
    const fetchPage = (cursor: string | undefined): Promise<WithResponse<Page<Item>>> =>
      this.#send<CursorPageBody<Item>>({ ...spec, query: { ...spec.query, ...(cursor === undefined ? {} : { cursor }) } }).then((r) => ({
        ...r,
        data: new Page(r.data, (next) => new APIPromise(fetchPage(next))),
      }));
    return new PagePromise(fetchPage(undefined));
  }

  /**
   * A Server-Sent Events answer, read as it arrives. Retries and the deadline cover establishing the
   * stream, up to its response headers: a stream that is still delivering is never cut by them. It
   * ends when the server closes it, or by `stream.controller.abort()` or the call's signal.
   */
  requestStream<Data>(spec: RequestSpec): APIPromise<Stream<ServerSentEvent<Data>>> {
    const controller = new AbortController();
    const signal = spec.options?.signal;
    const options = { ...spec.options, signal: signal ? AbortSignal.any([signal, controller.signal]) : controller.signal };
    const open = async (response: Response) => new Stream(response, controller, signal, jsonEvent<Data>);
    return new APIPromise(this.#send({ ...spec, stream: true, options }, open));
  }

  async #send<T>(spec: RequestSpec, read: (response: Response) => Promise<T> = async (r) => (await parseBody(r, spec.text)) as T): Promise<WithResponse<T>> {
    const options = spec.options ?? {};
    const url = this.#url(spec);
    const headers = this.#headers(spec);
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const maxRetries = options.maxRetries ?? this.maxRetries;
    const deadline = Date.now() + (options.timeout ?? this.timeout);

    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new APITimeoutError();
      const started = Date.now();
      // Redirects are never followed: the one the spec documents is an answer (its Location is the
      // point), and any other would carry the credentials to wherever it leads.
      const init = { method: spec.method, headers, redirect: 'manual' as const, ...(body === undefined ? {} : { body }) };
      const outcome = await this.#attempt(url, init, remaining, options.signal, spec.stream ?? false);
      const retriesLeft = attempt < maxRetries;
      if (outcome instanceof Response) {
        this.#log.info(`${spec.method} ${url} → ${outcome.status}`, { attempt, ms: Date.now() - started, request_id: outcome.headers.get('x-request-id') });
        if (outcome.ok) return { data: await read(outcome), response: outcome, request_id: outcome.headers.get('x-request-id') };
        if (spec.redirect && isRedirect(outcome)) return { data: undefined as T, response: outcome, request_id: outcome.headers.get('x-request-id') };
        const error = errorFor(outcome.status, await parseBody(outcome), outcome.headers);
        if (!retriesLeft || !shouldRetry(outcome.status, outcome.headers)) throw error;
        const wait = retryDelay(attempt, outcome.status, outcome.headers);
        // A wait that cannot end before the deadline would only turn this answer into a timeout.
        if (Date.now() + wait >= deadline) throw error;
        await this.#wait(wait, options.signal);
      } else {
        this.#log.info(`${spec.method} ${url} failed: ${outcome.message}`, { attempt, ms: Date.now() - started });
        if (outcome instanceof APITimeoutError || !retriesLeft) throw outcome;
        const wait = retryDelay(attempt, null, undefined);
        if (Date.now() + wait >= deadline) throw new APITimeoutError();
        await this.#wait(wait, options.signal);
      }
    }
  }

  /**
   * One fetch bounded by what is left of the deadline: a Response, or the error it failed with. The
   * deadline goes on to bound reading the body, but for a stream's successful answer (`untilHeaders`).
   */
  async #attempt(url: string, init: RequestInit & { headers: Headers }, remaining: number, signal: AbortSignal | undefined, untilHeaders: boolean): Promise<Response | APIConnectionError> {
    if (signal?.aborted) throw new APIUserAbortError({ cause: signal.reason });
    const timer = AbortSignal.timeout(remaining);
    const deadline = new AbortController();
    const expire = (): void => deadline.abort(timer.reason);
    timer.addEventListener('abort', expire, { once: true });
    this.#log.debug(`${init.method} ${url}`, { headers: redactHeaders(init.headers) });
    try {
      const response = await this.#fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal });
      if (untilHeaders && response.ok) timer.removeEventListener('abort', expire);
      return response;
    } catch (cause) {
      if (signal?.aborted) throw new APIUserAbortError({ cause: signal.reason });
      if (timer.aborted) return new APITimeoutError();
      return new APIConnectionError(undefined, { cause });
    }
  }

  async #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (cause) {
      throw new APIUserAbortError({ cause });
    }
  }

  #url(spec: RequestSpec): string {
    const url = new URL(this.baseURL + buildPath(spec.path, spec.pathParams ?? {}));
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  #headers(spec: RequestSpec): Headers {
    const headers = new Headers({ Accept: spec.stream ? 'text/event-stream' : 'application/json', ...this.#defaultHeaders, ...spec.options?.headers });
    const runtime = nodeRuntime();
    if (runtime && !headers.has('user-agent')) headers.set('User-Agent', `transmute-typescript/${VERSION} (${runtime})`);
    if (spec.body !== undefined) headers.set('Content-Type', 'application/json');
    if (spec.auth && !headers.has('authorization')) {
      if (!this.#apiKey) throw new TransmuteError('No API key: pass `apiKey` to `new Transmute({ apiKey })` or set the TRANSMUTE_API_KEY environment variable.');
      headers.set('Authorization', `Bearer ${this.#apiKey}`);
    }
    // Created once per call, so every retry of it is the same request to the server.
    const key = spec.options?.idempotencyKey ?? headers.get('idempotency-key') ?? (spec.method === 'GET' ? null : `transmute-typescript-retry-${crypto.randomUUID()}`);
    if (key !== null) headers.set('Idempotency-Key', key);
    return headers;
  }
}

async function parseBody(response: Response, asText = false): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  if (!asText && /[/+]json\b/.test(type) && text !== '') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A 3xx; in a browser, where a manual redirect is opaque (status 0, no Location), that one too. */
function isRedirect(response: Response): boolean {
  return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
}
