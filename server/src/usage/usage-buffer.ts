// Usage held in memory between flushes, summed per account, key, operation, status and minute: a
// burst of requests costs one row per minute and status, not one per request.
//
// The status stays whole in the key rather than as an error count or a status class: support
// needs to tell a 401 from a 403 from a 429 from a 422 (each has a different fix), and billing can
// then leave out whatever it does not charge for (refusals, our own 5xx) without a schema change.
// An operation answers only the few statuses the spec declares, so the rows stay few.

export interface UsageRecord {
  accountId: string;
  /** Null for a signed-in user's request. */
  keyId: string | null;
  operationId: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  /** When the response ended, ms since the epoch. */
  at: number;
}

export interface UsageRow {
  accountId: string;
  keyId: string | null;
  operationId: string;
  /** The HTTP status answered. */
  status: number;
  /** The minute's first instant, ms since the epoch. */
  minute: number;
  requests: number;
  /** Requests answered with 400 or more: every one of the row's, or none (the status is in the key). */
  errors: number;
  bytesIn: number;
  bytesOut: number;
  durationMsSum: number;
  durationMsMax: number;
}

const MINUTE_MS = 60_000;

export class UsageBuffer {
  readonly #maxRows: number;
  #rows = new Map<string, UsageRow>();
  #records = 0;

  /** `maxRows`: distinct (account, key, operation, status, minute) rows held while the database is away. */
  constructor(maxRows: number) {
    this.#maxRows = maxRows;
  }

  /** Requests held, not yet written. */
  get records(): number {
    return this.#records;
  }

  /** False when the record was dropped because the buffer is full. */
  add(record: UsageRecord): boolean {
    const minute = record.at - (record.at % MINUTE_MS);
    const id = idOf(record.accountId, record.keyId, record.operationId, record.status, minute);
    let row = this.#rows.get(id);
    if (row === undefined) {
      if (this.#rows.size >= this.#maxRows) return false;
      row = { accountId: record.accountId, keyId: record.keyId, operationId: record.operationId, status: record.status, minute, ...ZERO };
      this.#rows.set(id, row);
    }
    row.requests += 1;
    this.#records += 1;
    if (record.status >= 400) row.errors += 1;
    row.bytesIn += record.bytesIn;
    row.bytesOut += record.bytesOut;
    row.durationMsSum += record.durationMs;
    row.durationMsMax = Math.max(row.durationMsMax, record.durationMs);
    return true;
  }

  /** Everything buffered, leaving the buffer empty. */
  take(): UsageRow[] {
    const rows = [...this.#rows.values()];
    this.#rows = new Map();
    this.#records = 0;
    return rows;
  }

  /** Puts back rows whose write failed, merged with what arrived meanwhile. */
  restore(rows: readonly UsageRow[]): void {
    const arrived = this.#rows;
    this.#rows = new Map();
    for (const row of rows) {
      this.#rows.set(rowId(row), row);
      this.#records += row.requests;
    }
    for (const [id, row] of arrived) {
      const earlier = this.#rows.get(id);
      if (earlier === undefined) this.#rows.set(id, row);
      else merge(earlier, row);
    }
  }
}

const ZERO = { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0, durationMsSum: 0, durationMsMax: 0 };

function idOf(accountId: string, keyId: string | null, operationId: string, status: number, minute: number): string {
  return `${accountId}\n${keyId ?? ''}\n${operationId}\n${status}\n${minute}`;
}

function rowId(row: UsageRow): string {
  return idOf(row.accountId, row.keyId, row.operationId, row.status, row.minute);
}

function merge(into: UsageRow, row: UsageRow): void {
  into.requests += row.requests;
  into.errors += row.errors;
  into.bytesIn += row.bytesIn;
  into.bytesOut += row.bytesOut;
  into.durationMsSum += row.durationMsSum;
  into.durationMsMax = Math.max(into.durationMsMax, row.durationMsMax);
}
