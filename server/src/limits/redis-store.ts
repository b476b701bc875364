// The Redis connection that lets several instances share one count per key, and whether it is
// answering right now. Commands fail fast instead of queueing while Redis is away, so the limiter's
// in-memory insurance takes over at once rather than holding requests up (issue 3 §5).
import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';

// A rate-limit check sits on every request's path (p95 budget 200 ms); Redis on the same network
// answers in about a millisecond, so a reply this late means it is in trouble.
const COMMAND_TIMEOUT_MS = 250;
// A Redis that hangs keeps its connection open: past this long without a reply the connection is
// dropped, so later checks go to memory at once instead of each waiting COMMAND_TIMEOUT_MS.
const SOCKET_TIMEOUT_MS = 1_000;
// Reconnect quickly (the default backs off to 5 s): limits are shared again within a second of
// Redis coming back.
const MAX_RECONNECT_DELAY_MS = 1_000;

export class RedisStore {
  readonly client: Redis;
  readonly #log: Logger;
  #answering = false;
  #warned = false;
  #closing = false;
  #fallbacks = 0;

  constructor(url: string, log: Logger) {
    this.#log = log;
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    });
    this.client.on('ready', () => this.#up());
    this.client.on('error', (error: Error) => this.#down(error));
    this.client.on('close', () => this.#down());
  }

  /** True while Redis holds the counts; false while it is unreachable or failing. */
  get answering(): boolean {
    return this.#answering && this.client.status === 'ready';
  }

  /** Checks answered from this process's memory because Redis failed them. */
  get fallbacks(): number {
    return this.#fallbacks;
  }

  recordFallback(): void {
    this.#fallbacks++;
    this.#down();
  }

  /**
   * A check that Redis answered, with no fallback in between, shows Redis works again even when
   * the connection never dropped (a command timed out on a live connection).
   */
  recordAnswer(fallbacksBefore: number): void {
    if (!this.#answering && this.#fallbacks === fallbacksBefore) this.#up();
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.client.disconnect();
  }

  #up(): void {
    this.#answering = true;
    if (!this.#warned) return;
    this.#warned = false;
    this.#log.info({ component: 'rate-limit' }, 'Redis answers again: rate limits are shared across instances');
  }

  // ioredis reports every failed reconnect; one line per outage is enough.
  #down(error?: Error): void {
    this.#answering = false;
    if (this.#warned || this.#closing) return;
    this.#warned = true;
    this.#log.warn({ component: 'rate-limit', err: error }, 'Redis unreachable: rate limits are kept in this process until it answers');
  }
}
