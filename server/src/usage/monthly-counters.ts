// Each account's requests this month, as this process knows them: the database's total when last
// read (`base`, every instance's flushed usage), plus what this process counted since and has not
// written yet. The usage meter (usage-meter.ts) reads and writes the database one step at a time,
// so a total read between flushes already holds everything flushed, and nothing still buffered.

interface Counter {
  /** The month (its first instant) this counter is for. */
  month: number;
  /** The database's total for the month when last read. */
  base: number;
  /** Counted into the batch being written now. */
  flushing: number;
  /** Counted since the last batch was taken: still only in this process's buffer. */
  pending: number;
  /** False until a total has been read for this month (the counter was created by a request). */
  known: boolean;
  lastUsedAt: number;
}

export class MonthlyCounters {
  #counters = new Map<string, Counter>();

  /** Requests the account made in `month`; undefined while its total has not been read. */
  used(accountId: string, month: number): number | undefined {
    const counter = this.#counters.get(accountId);
    if (counter === undefined || counter.month !== month || !counter.known) return undefined;
    return counter.base + counter.flushing + counter.pending;
  }

  /** A request recorded in `month` (the month of its end). */
  counted(accountId: string, month: number, now: number): void {
    let counter = this.#counters.get(accountId);
    if (counter === undefined || counter.month < month) {
      counter = { month, base: 0, flushing: 0, pending: 0, known: false, lastUsedAt: now };
      this.#counters.set(accountId, counter);
    }
    // A request that began before midnight of the 1st and ended after it counts in the new month;
    // one that ended in the old month after the counter moved on is in the old month's total only.
    if (counter.month === month) counter.pending += 1;
    counter.lastUsedAt = now;
  }

  /** The buffer was taken for writing: what was pending is now being flushed. */
  flushStarted(): void {
    for (const counter of this.#counters.values()) {
      counter.flushing += counter.pending;
      counter.pending = 0;
    }
  }

  /** The batch was written; `totals` are the month's totals read right after, for its accounts. */
  flushed(month: number, totals: ReadonlyMap<string, number>): void {
    for (const [accountId, counter] of this.#counters) {
      counter.flushing = 0;
      const total = totals.get(accountId);
      if (counter.month === month && total !== undefined) {
        counter.base = total;
        counter.known = true;
      }
    }
  }

  /** The batch was not written: it is back in the buffer, so its counts are pending again. */
  flushFailed(): void {
    for (const counter of this.#counters.values()) {
      counter.pending += counter.flushing;
      counter.flushing = 0;
    }
  }

  /** Totals read between flushes (nothing in flight), for accounts this process had not read yet. */
  seeded(month: number, totals: ReadonlyMap<string, number>, now: number): void {
    for (const [accountId, total] of totals) {
      let counter = this.#counters.get(accountId);
      if (counter === undefined || counter.month !== month) {
        counter = { month, base: 0, flushing: 0, pending: 0, known: false, lastUsedAt: now };
        this.#counters.set(accountId, counter);
      }
      counter.base = total;
      counter.known = true;
    }
  }

  /** Forgets accounts idle since `before` with nothing unwritten: they are read again when they return. */
  forgetIdle(before: number): void {
    for (const [accountId, counter] of this.#counters) {
      if (counter.lastUsedAt < before && counter.pending === 0 && counter.flushing === 0) this.#counters.delete(accountId);
    }
  }
}
