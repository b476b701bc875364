// Every query on the usage rollups (usage-entities.ts): the meter's batched upserts and monthly
// totals, and the reports GET /v1/usage and its CSV export read.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { UsageRow } from '../usage/usage-buffer.ts';

export type Granularity = 'minute' | 'hour' | 'day';

export interface UsageRange {
  accountId: string;
  from: Date;
  /** Exclusive. */
  to: Date;
}

/** Requests answered with one HTTP status. */
export interface StatusCount {
  status: number;
  requests: number;
}

export interface UsagePeriod {
  operation: string;
  periodStart: Date;
  requests: number;
  errors: number;
  /** By status, ascending; rows from before statuses were kept count in `requests` only. */
  statuses: StatusCount[];
  bytesIn: number;
  bytesOut: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
}

export interface UsageDay {
  /** YYYY-MM-DD, UTC. */
  day: string;
  operation: string;
  requests: number;
  errors: number;
  statuses: StatusCount[];
  bytesIn: number;
  bytesOut: number;
  avgLatencyMs: number;
}

// 11 parameters a row: 500 rows is 5,500 parameters, well under PostgreSQL's 65,535 per statement.
const ROWS_PER_UPSERT = 500;
const ACCOUNTS_PER_READ = 1_000;

// Rows of an account erased while they waited in a buffer are dropped, not a failed batch: the
// EXISTS also keeps the foreign key from refusing the whole statement. (An INSERT … SELECT with a
// JOIN would make the parser read the join's ON as the upsert's.)
const UPSERT_MINUTES = (values: string) => `
  insert into usage_minutes (account_id, key_id, operation_id, status, minute, requests, errors, bytes_in, bytes_out, duration_ms_sum, duration_ms_max)
  select * from (values ${values}) as v (account_id, key_id, operation_id, status, minute, requests, errors, bytes_in, bytes_out, duration_ms_sum, duration_ms_max)
  where exists (select 1 from accounts a where a.id = v.account_id)
  on conflict (account_id, minute, operation_id, key_id, status) do update set
    requests = usage_minutes.requests + excluded.requests,
    errors = usage_minutes.errors + excluded.errors,
    bytes_in = usage_minutes.bytes_in + excluded.bytes_in,
    bytes_out = usage_minutes.bytes_out + excluded.bytes_out,
    duration_ms_sum = usage_minutes.duration_ms_sum + excluded.duration_ms_sum,
    duration_ms_max = greatest(usage_minutes.duration_ms_max, excluded.duration_ms_max)`;
const MINUTE_VALUES = '(?::text, ?::text, ?::text, ?::smallint, ?::timestamptz, ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::double precision, ?::double precision)';

const UPSERT_MONTHS = (values: string) => `
  insert into usage_months (account_id, month, requests)
  select * from (values ${values}) as v (account_id, month, requests)
  where exists (select 1 from accounts a where a.id = v.account_id)
  on conflict (account_id, month) do update set requests = usage_months.requests + excluded.requests`;
const MONTH_VALUES = '(?::text, ?::timestamptz, ?::bigint)';

const AVERAGE = 'coalesce(sum(duration_ms_sum) / nullif(sum(requests), 0), 0)';

/**
 * The minutes of a range summed per `period` (an SQL expression over `minute`), operation and
 * status, then per period and operation with the statuses as [status, requests] pairs. The inner
 * sums keep the table's column names, so AVERAGE and the outer sums read them as they read rows.
 */
const BY_STATUS = (period: string, operation: boolean) => `
  select period, operation_id, sum(requests) as requests, sum(errors) as errors, sum(bytes_in) as bytes_in, sum(bytes_out) as bytes_out,
         ${AVERAGE} as avg_ms, max(duration_ms_max) as max_ms,
         coalesce(jsonb_agg(jsonb_build_array(status, requests) order by status) filter (where status is not null), '[]') as statuses
  from (
    select ${period} as period, operation_id, status, sum(requests) as requests, sum(errors) as errors, sum(bytes_in) as bytes_in,
           sum(bytes_out) as bytes_out, sum(duration_ms_sum) as duration_ms_sum, max(duration_ms_max) as duration_ms_max
    from usage_minutes
    where account_id = ? and minute >= ? and minute < ?${operation ? ' and operation_id = ?' : ''}
    group by 1, 2, 3
  ) by_status
  group by 1, 2 order by 1, 2`;

type StatusPairs = [number, number | string][];

interface RolledUp {
  operation_id: string;
  requests: string;
  errors: string;
  bytes_in: string;
  bytes_out: string;
  avg_ms: number;
  max_ms: number;
  statuses: StatusPairs;
}

export class UsageStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  /**
   * Adds the rows to the minute and month rollups in one transaction, then reads the month's
   * totals (every instance's) for the accounts in the batch.
   */
  write(batch: readonly UsageRow[], monthOf: (ms: number) => number, month: number): Promise<Map<string, number>> {
    // Every instance locks rows in one order (minutes, then months, each sorted), so two flushes
    // of the same accounts wait for each other instead of deadlocking.
    const rows = [...batch].sort(byRowKey);
    return this.#orm.em.fork().transactional(async (em) => {
      for (let start = 0; start < rows.length; start += ROWS_PER_UPSERT) {
        const batch = rows.slice(start, start + ROWS_PER_UPSERT);
        await em.execute(
          UPSERT_MINUTES(batch.map(() => MINUTE_VALUES).join(', ')),
          batch.flatMap((r) => [r.accountId, r.keyId, r.operationId, r.status, new Date(r.minute), r.requests, r.errors, r.bytesIn, r.bytesOut, r.durationMsSum, r.durationMsMax]),
        );
      }
      const months = new Map<string, { accountId: string; month: number; requests: number }>();
      for (const row of rows) {
        const rowMonth = monthOf(row.minute);
        const id = `${row.accountId}\n${rowMonth}`;
        const entry = months.get(id);
        if (entry === undefined) months.set(id, { accountId: row.accountId, month: rowMonth, requests: row.requests });
        else entry.requests += row.requests;
      }
      const entries = [...months.values()].sort((a, b) => compare(a.accountId, b.accountId) || a.month - b.month);
      for (let start = 0; start < entries.length; start += ROWS_PER_UPSERT) {
        const batch = entries.slice(start, start + ROWS_PER_UPSERT);
        await em.execute(
          UPSERT_MONTHS(batch.map(() => MONTH_VALUES).join(', ')),
          batch.flatMap((m) => [m.accountId, new Date(m.month), m.requests]),
        );
      }
      return readTotals(em, [...new Set(rows.map((r) => r.accountId))], month);
    });
  }

  /** The month's request totals for these accounts; an account without usage has 0. */
  monthTotals(accountIds: readonly string[], month: number): Promise<Map<string, number>> {
    return readTotals(this.#orm.em.fork(), accountIds, month);
  }

  /** Usage per operation and period, oldest first; at most `limit` rows. */
  async periods(range: UsageRange, granularity: Granularity, operation: string | undefined, limit: number): Promise<UsagePeriod[]> {
    const rows = await this.#orm.em.fork().execute<(RolledUp & { period: string })[]>(
      `${BY_STATUS(`(extract(epoch from date_trunc(?, minute, 'UTC')) * 1000)::bigint`, operation !== undefined)} limit ?`,
      [granularity, range.accountId, range.from, range.to, ...(operation === undefined ? [] : [operation]), limit],
    );
    return rows.map((r) => ({ ...totalsOf(r), periodStart: new Date(Number(r.period)), maxLatencyMs: r.max_ms }));
  }

  /** Usage per UTC day and operation within [from, to), oldest first. */
  async days(range: UsageRange): Promise<UsageDay[]> {
    const rows = await this.#orm.em.fork().execute<(RolledUp & { period: string })[]>(
      BY_STATUS(`to_char(date_trunc('day', minute, 'UTC'), 'YYYY-MM-DD')`, false),
      [range.accountId, range.from, range.to],
    );
    return rows.map((r) => ({ ...totalsOf(r), day: r.period }));
  }
}

function totalsOf(r: RolledUp): Omit<UsageDay, 'day'> {
  return {
    operation: r.operation_id,
    requests: Number(r.requests),
    errors: Number(r.errors),
    statuses: r.statuses.map(([status, requests]) => ({ status, requests: Number(requests) })),
    bytesIn: Number(r.bytes_in),
    bytesOut: Number(r.bytes_out),
    avgLatencyMs: r.avg_ms,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byRowKey(a: UsageRow, b: UsageRow): number {
  return compare(a.accountId, b.accountId) || a.minute - b.minute || compare(a.operationId, b.operationId) || compare(a.keyId ?? '', b.keyId ?? '') || a.status - b.status;
}

async function readTotals(em: EntityManager, accountIds: readonly string[], month: number): Promise<Map<string, number>> {
  const totals = new Map<string, number>(accountIds.map((id) => [id, 0]));
  for (let start = 0; start < accountIds.length; start += ACCOUNTS_PER_READ) {
    const rows = await em.execute<{ account_id: string; requests: string }[]>(
      'select account_id, requests from usage_months where month = ? and account_id in (?)',
      [new Date(month), accountIds.slice(start, start + ACCOUNTS_PER_READ)],
    );
    for (const row of rows) totals.set(row.account_id, Number(row.requests));
  }
  return totals;
}
