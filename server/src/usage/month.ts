// Quotas run per calendar month in UTC (errors.yaml E1302): the month holding an instant.

export interface Month {
  /** The month's first instant, ms since the epoch. */
  start: number;
  /** The next month's first instant. */
  next: number;
}

export function monthOf(ms: number): Month {
  const at = new Date(ms);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  return { start: Date.UTC(year, month, 1), next: Date.UTC(year, month + 1, 1) };
}

/** monthOf, remembered: the hot path asks for the same month for weeks on end. */
export class MonthClock {
  #month: Month = { start: 0, next: 0 };

  at(ms: number): Month {
    if (ms < this.#month.start || ms >= this.#month.next) this.#month = monthOf(ms);
    return this.#month;
  }
}
