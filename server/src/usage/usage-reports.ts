// What GET /v1/usage and GET /v1/usage/export answer, from the per-minute rollups. Always for the
// caller's own account: the account id comes from the principal, never from the request.
import { Readable } from 'node:stream';
import { ApiError } from '../http/problem.ts';
import type { Granularity, StatusCount, UsagePeriod, UsageStore } from '../db/usage-store.ts';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 366;
// The spec's Usage.data maxItems.
const MAX_PERIODS = 100_000;
// The export reads this many days per query: a bounded batch whatever the range, and no
// connection held while a slow client downloads.
const EXPORT_DAYS_PER_QUERY = 7;
// The spec's bound on latency fields. Only a long-lived stream (job events over SSE) lasts longer.
const MAX_LATENCY_MS = 3_600_000;
// statuses last, so a reader that takes the columns by position keeps working.
const CSV_HEADER = 'day,operation,requests,errors,bytes_in,bytes_out,avg_latency_ms,statuses\r\n';

export interface UsageQuery {
  from: string;
  to: string;
  granularity?: Granularity;
  operation?: string;
}

export interface UsageReport {
  data: {
    operation: string;
    period_start: string;
    requests: number;
    errors: number;
    statuses: StatusCount[];
    bytes_in: number;
    bytes_out: number;
    avg_latency_ms: number;
    max_latency_ms: number;
  }[];
  from: string;
  to: string;
  granularity: Granularity;
}

export interface UsageExport {
  filename: string;
  csv: Readable;
}

export class UsageReports {
  readonly #store: UsageStore;

  constructor(store: UsageStore) {
    this.#store = store;
  }

  async usage(accountId: string, query: UsageQuery): Promise<UsageReport> {
    const { from, to } = rangeOf(query);
    const granularity = query.granularity ?? 'hour';
    const periods = await this.#store.periods({ accountId, from, to }, granularity, query.operation, MAX_PERIODS + 1);
    if (periods.length > MAX_PERIODS) {
      throw new ApiError('E1001', `More than ${MAX_PERIODS} periods have traffic; ask for a shorter range or a larger granularity.`, {
        errors: [{ path: '/query/granularity', message: `gives more than ${MAX_PERIODS} rows for this range` }],
      });
    }
    return { data: periods.map(periodView), from: from.toISOString(), to: to.toISOString(), granularity };
  }

  /** The range checked now; the rows read batch by batch as the client takes them. */
  export(accountId: string, query: Pick<UsageQuery, 'from' | 'to'>): UsageExport {
    const { from, to } = rangeOf(query);
    return { filename: `usage-${compact(from)}-${compact(to)}.csv`, csv: Readable.from(this.#csv(accountId, from, to)) };
  }

  async *#csv(accountId: string, from: Date, to: Date): AsyncGenerator<string> {
    yield CSV_HEADER;
    for (let start = from; start < to; ) {
      // Windows end on UTC midnights, so no day is split between two queries.
      const end = new Date(Math.min(to.getTime(), startOfDay(start) + EXPORT_DAYS_PER_QUERY * DAY_MS));
      const days = await this.#store.days({ accountId, from: start, to: end });
      // Fields are dates, operationIds ([a-zA-Z]+), numbers and `status:requests` pairs separated by
      // spaces: nothing a CSV writer would quote.
      if (days.length > 0) {
        yield days
          .map((d) => `${d.day},${d.operation},${d.requests},${d.errors},${d.bytesIn},${d.bytesOut},${latency(d.avgLatencyMs)},${statusPairs(d.statuses)}\r\n`)
          .join('');
      }
      start = end;
    }
  }
}

function rangeOf(query: Pick<UsageQuery, 'from' | 'to'>): { from: Date; to: Date } {
  const from = new Date(query.from);
  const to = new Date(query.to);
  // The validator checked the format; a value it admits but Date cannot place (a leap second) stops here.
  if (Number.isNaN(from.getTime())) throw rangeError('/query/from', 'is not a time this API can read');
  if (Number.isNaN(to.getTime())) throw rangeError('/query/to', 'is not a time this API can read');
  if (to <= from) throw rangeError('/query/to', 'must be after from');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) throw rangeError('/query/to', `must be at most ${MAX_RANGE_DAYS} days after from`);
  return { from, to };
}

function rangeError(path: string, message: string): ApiError {
  return new ApiError('E1001', `The usage range is not valid: ${path.slice('/query/'.length)} ${message}.`, { errors: [{ path, message }] });
}

function periodView(p: UsagePeriod): UsageReport['data'][number] {
  return {
    operation: p.operation,
    period_start: p.periodStart.toISOString(),
    requests: p.requests,
    errors: p.errors,
    statuses: p.statuses,
    bytes_in: p.bytesIn,
    bytes_out: p.bytesOut,
    avg_latency_ms: latency(p.avgLatencyMs),
    max_latency_ms: latency(p.maxLatencyMs),
  };
}

function statusPairs(statuses: readonly StatusCount[]): string {
  return statuses.map((s) => `${s.status}:${s.requests}`).join(' ');
}

function latency(ms: number): number {
  return Math.min(MAX_LATENCY_MS, Math.round(ms * 1_000) / 1_000);
}

function startOfDay(at: Date): number {
  return at.getTime() - (at.getTime() % DAY_MS);
}

/** 2026-11-28T12:00:00.000Z → 20261128T120000Z: a file name without characters some systems refuse. */
function compact(at: Date): string {
  return at.toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '');
}
