// last_used_at without a database write per request: uses are noted in memory (latest time per
// key) and written in one UPDATE per interval, and on flush()/close().
import type { ApiKeyStore } from '../db/api-key-store.ts';

export class LastUsedRecorder {
  readonly #store: ApiKeyStore;
  #pending = new Map<string, Date>();
  readonly #timer: NodeJS.Timeout;

  constructor(store: ApiKeyStore, intervalMs: number) {
    this.#store = store;
    // A failed write keeps its entries for the next tick; the interval must not keep the process up.
    this.#timer = setInterval(() => void this.flush().catch(() => {}), intervalMs).unref();
  }

  record(keyId: string, at: Date): void {
    const previous = this.#pending.get(keyId);
    if (previous === undefined || previous < at) this.#pending.set(keyId, at);
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await this.#store.touch(batch);
    } catch (error) {
      for (const [keyId, at] of batch) this.record(keyId, at);
      throw error;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
