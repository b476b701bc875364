// Usage metering and monthly quotas (issue 4 §4) without a database write per request.
//
// record() is synchronous: the request is added to an in-memory buffer, summed per account, key,
// operation and minute. Every `flushIntervalMs` (USAGE_FLUSH_INTERVAL_MS) the buffer is written as
// upserts into the per-minute rollups and the monthly totals, in one transaction; flush() and
// close() write it at once, so a graceful shutdown (close() after the HTTP server stopped) loses
// nothing. A crash loses what was recorded since the last successful write: one interval of
// requests (and a write under way), or, while the database is unreachable, everything since the
// outage began, up to MAX_BUFFERED_ROWS rows (docs/idempotency-and-usage.md says it for operators).
//
// Quotas: admit() compares the account's count for this month with its plan's monthly_requests.
// The count is the database's total when this process last read it, plus what this process
// recorded since. The total is read once when an account first shows up (or returns after an idle
// spell), then again with every flush that carries its usage, in the same statement batch, so it
// keeps up with the other instances' flushes. Several instances can therefore overshoot a quota by
// what the others admitted but had not flushed yet: at most about instances × flush interval ×
// request rate (twice the interval in the worst case, a flush plus the read behind it). admit() is
// synchronous whenever the account's count is in memory; it never waits on a write.
import { ApiError } from '../http/problem.ts';
import { MonthClock } from './month.ts';
import { MonthlyCounters } from './monthly-counters.ts';
import { UsageBuffer, type UsageRecord } from './usage-buffer.ts';
import type { Principal } from '../auth/principal.ts';
import type { Plans } from '../limits/plans.ts';
import type { Logger } from '../observability/logger.ts';
import type { Quota } from '../http/meter.ts';
import type { RouteDefinition } from '../generated/routes.ts';
import type { UsageStore } from '../db/usage-store.ts';

const MAX_BUFFERED_ROWS = 100_000;
// An account unseen this long is forgotten and its total read again when it returns.
const IDLE_MS = 10 * 60_000;

export interface UsageMeterOptions {
  flushIntervalMs: number;
}

export interface UsageRecorder {
  record(record: UsageRecord): void;
}

export class UsageMeter implements UsageRecorder, Quota {
  readonly #store: UsageStore;
  readonly #plans: Plans;
  readonly #log: Logger;
  readonly #buffer = new UsageBuffer(MAX_BUFFERED_ROWS);
  readonly #counters = new MonthlyCounters();
  readonly #months = new MonthClock();
  readonly #timer: NodeJS.Timeout;
  /** Writes and reads run one after another (monthly-counters.ts relies on it). */
  #steps: Promise<unknown> = Promise.resolve();
  /** Accounts waiting for their first read, all read by the next step. */
  #seeding: { accounts: Set<string>; done: Promise<void> } | undefined;
  #failing = false;
  #closed = false;
  /** Records lost to a full buffer (or recorded after close) since the last successful write. */
  #dropped = 0;

  constructor(store: UsageStore, plans: Plans, log: Logger, options: UsageMeterOptions) {
    this.#store = store;
    this.#plans = plans;
    this.#log = log;
    // Unreferenced: a pending flush must not keep a finished process alive; close() flushes.
    this.#timer = setInterval(() => void this.flush().catch(() => {}), options.flushIntervalMs).unref();
  }

  /** Requests recorded and not yet written (the transmute_usage_buffer_records gauge). */
  get waiting(): number {
    return this.#buffer.records;
  }

  record(record: UsageRecord): void {
    if (this.#closed || !this.#buffer.add(record)) {
      // Said once per episode; the count follows when writing works again.
      if (this.#dropped++ === 0) this.#log.error({ closed: this.#closed }, 'usage records are being dropped');
      return;
    }
    this.#counters.counted(record.accountId, this.#months.at(record.at).start, record.at);
  }

  admit(principal: Principal, route: RouteDefinition): void | Promise<void> {
    // Past its quota an account can still reach itself (the spec's x-quota: false tags).
    if (!route.quota) return;
    const limit = this.#plans[principal.plan].monthlyRequests;
    if (limit === undefined) return;
    const now = Date.now();
    const month = this.#months.at(now);
    const used = this.#counters.used(principal.accountId, month.start);
    if (used !== undefined) return refuseOver(used, limit, month.next, now);
    return this.#seed(principal.accountId).then(
      () => {
        const seeded = this.#counters.used(principal.accountId, month.start);
        if (seeded !== undefined) refuseOver(seeded, limit, month.next, Date.now());
      },
      (error: unknown) => {
        // A quota is billing, not security: without the database's count the request goes ahead.
        this.#log.warn({ err: error, account_id: principal.accountId }, 'monthly usage not read; request admitted');
      },
    );
  }

  /** Writes everything recorded before the call; rejects (keeping it for the next try) if it cannot. */
  flush(): Promise<void> {
    return this.#step(() => this.#write());
  }

  /** Stops the timer and writes what is left. Call it after the HTTP server has closed. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.flush();
  }

  async #write(): Promise<void> {
    const rows = this.#buffer.take();
    if (rows.length === 0) return;
    this.#counters.flushStarted();
    const month = this.#months.at(Date.now()).start;
    try {
      const totals = await this.#store.write(rows, (ms) => this.#months.at(ms).start, month);
      this.#counters.flushed(month, totals);
    } catch (error) {
      this.#buffer.restore(rows);
      this.#counters.flushFailed();
      if (!this.#failing) this.#log.error({ err: error, rows: rows.length }, 'usage not written; will retry');
      this.#failing = true;
      throw error;
    }
    if (this.#failing || this.#dropped > 0) this.#log.warn({ dropped: this.#dropped }, 'usage written again');
    this.#failing = false;
    this.#dropped = 0;
    this.#counters.forgetIdle(Date.now() - IDLE_MS);
  }

  /** Reads the month's total for the account, with any others waiting, in the next step. */
  #seed(accountId: string): Promise<void> {
    if (this.#seeding === undefined) {
      const accounts = new Set<string>();
      const done = this.#step(async () => {
        this.#seeding = undefined;
        const month = this.#months.at(Date.now()).start;
        this.#counters.seeded(month, await this.#store.monthTotals([...accounts], month), Date.now());
      });
      this.#seeding = { accounts, done };
    }
    this.#seeding.accounts.add(accountId);
    return this.#seeding.done;
  }

  #step(run: () => Promise<void>): Promise<void> {
    const step = this.#steps.then(run);
    this.#steps = step.catch(() => {});
    return step;
  }
}

function refuseOver(used: number, limit: number, nextMonth: number, now: number): void {
  if (used < limit) return;
  // Never 0: a client told to retry at once would spin until the month actually turns.
  const retryAfter = Math.max(1, Math.ceil((nextMonth - now) / 1_000));
  throw new ApiError('E1302', `This account used its ${limit} requests for this month; the quota resets at the start of next month (UTC).`, {
    headers: { 'Retry-After': String(retryAfter) },
  });
}
