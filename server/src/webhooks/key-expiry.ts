// api_key.expiring events: once at start and then every CHECK_INTERVAL_MS, each unrevoked key
// expiring within the next 7 days gets one event, once (api_key_expiry_notices remembers it, in
// the event's own transaction, so two instances checking at once announce a key once).
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Database } from '../db/orm.ts';
import { keysExpiringUnnoticed, noteExpiryNotice } from '../db/key-expiry-store.ts';
import type { Logger } from '../observability/logger.ts';
import { recordEvent } from './events.ts';

export interface KeyExpiryOptions {
  intervalMs?: number;
  /** How far ahead an expiry is announced. */
  windowMs?: number;
}

const CHECK_INTERVAL_MS = 3_600_000;
const WINDOW_MS = 7 * 86_400_000;
// Keys per transaction, and transactions per check: a backlog is worked through over several checks.
const BATCH = 100;
const MAX_BATCHES = 50;

export class ApiKeyExpiryNotifier {
  readonly #orm: MikroORM;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #windowMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(db: Database, log: Logger, options: KeyExpiryOptions = {}) {
    this.#orm = db.orm;
    this.#log = log.child({ component: 'webhooks' });
    this.#intervalMs = options.intervalMs ?? CHECK_INTERVAL_MS;
    this.#windowMs = options.windowMs ?? WINDOW_MS;
  }

  /** Checks now, then every interval. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#tick();
    // Unreferenced: the check alone must not keep a finished process alive.
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs).unref();
  }

  /** No further checks; resolves when the one running (if any) is done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  /** One check; resolves with the number of events recorded. */
  async check(now: Date = new Date()): Promise<number> {
    const until = new Date(now.getTime() + this.#windowMs);
    let recorded = 0;
    for (let batch = 0; batch < MAX_BATCHES && !this.#stopped; batch++) {
      const { found, announced } = await this.#orm.em.fork().transactional(async (em) => {
        const keys = await keysExpiringUnnoticed(em, now, until, BATCH);
        let count = 0;
        for (const key of keys) {
          if (!(await noteExpiryNotice(em, key, now))) continue;
          await recordEvent(em, {
            accountId: key.accountId,
            type: 'api_key.expiring',
            data: { api_key_id: key.id, name: key.name, expires_at: key.expiresAt.toISOString() },
          });
          count++;
        }
        return { found: keys.length, announced: count };
      });
      recorded += announced;
      if (found < BATCH) break;
    }
    return recorded;
  }

  #tick(): void {
    this.#running = this.#running.then(() =>
      this.check().then(
        (recorded) => {
          if (recorded > 0) this.#log.info({ recorded }, 'api_key.expiring events recorded');
        },
        (error: unknown) => this.#log.error({ err: error }, 'expiring API keys not checked; will retry at the next interval'),
      ),
    );
  }
}
