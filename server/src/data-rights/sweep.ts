// The data-rights housekeeping, run every minute by one process (a pg-boss schedule): expired
// archives are deleted, exports stuck pending are failed, and erasures are applied again to what
// was written after them (account-erasure.ts says why).
import type { Clock } from '../auth/identity.ts';
import type { DataExportStore } from '../db/data-export-store.ts';
import type { Logger } from '../observability/logger.ts';
import type { AccountErasure } from './account-erasure.ts';

// Far beyond what the export queue's retries and expiry allow (index.ts): a job that pg-boss lost
// must not block the account's next export forever.
const STUCK_AFTER_MS = 2 * 3_600_000;
// Longer than any cache that may still admit an erased account's credentials (API_KEY_CACHE_TTL_MS
// is at most 10 minutes) plus the buffers' flush delays.
const STRAGGLER_WINDOW_MS = 3_600_000;

export class DataRightsSweep {
  readonly #store: DataExportStore;
  readonly #erasure: AccountErasure;
  readonly #retentionMs: number;
  readonly #log: Logger;
  readonly #now: Clock;

  constructor(store: DataExportStore, erasure: AccountErasure, retentionS: number, log: Logger, now: Clock) {
    this.#store = store;
    this.#erasure = erasure;
    this.#retentionMs = retentionS * 1000;
    this.#log = log;
    this.#now = now;
  }

  async run(): Promise<void> {
    const now = this.#now().getTime();
    const exports = await this.#store.sweep(new Date(now), new Date(now - this.#retentionMs), new Date(now - STUCK_AFTER_MS));
    const reErased = await this.#erasure.eraseStragglers(new Date(now - STRAGGLER_WINDOW_MS));
    if (exports.archivesDeleted + exports.rowsDeleted + exports.failed + reErased > 0) {
      this.#log.info({ ...exports, accounts_re_erased: reErased }, 'data rights sweep');
    }
  }
}
