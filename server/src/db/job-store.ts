// Every query on jobs, so the job service and the worker hold no SQL. A run changes a job only
// while the job is still its own: `status = 'running' and attempts = <its attempt>`. A run the queue
// handed out again (its worker was presumed dead) therefore cannot overwrite the newer run, and a
// canceled job cannot be finished.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { boundSql, type BoundSql } from './bound-sql.ts';
import { FINAL_STATUSES, Job, type JobStatus } from './job-entities.ts';
import { deleteOrphanInput, deleteOrphanInputs, deletePayload, insertChunk, insertPayload, readPayloadSlices } from './job-payload-store.ts';
import { newId } from './ids.ts';
import { afterCursor, type PageRequest } from './pagination.ts';
import type { ConversionOptions, Format } from '../domain/index.ts';
import type { Problem } from '../http/problem.ts';

export interface JobRecord {
  id: string;
  accountId: string;
  status: JobStatus;
  fromFormat: Format;
  toFormat: Format;
  /** Every option, defaults included: what the conversion runs with. */
  options: Required<ConversionOptions>;
  progress: number;
  attempts: number;
  revision: number;
  inputBytes: number;
  error: Problem | null;
  resultBytes: number | null;
  resultRecords: number | null;
  resultExpiresAt: Date | null;
  queueJobId: string;
  requestId: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface NewJob {
  /** The id its input was staged under (stageInput). */
  id: string;
  accountId: string;
  fromFormat: Format;
  toFormat: Format;
  options: Required<ConversionOptions>;
  queueJobId: string;
  requestId: string;
  inputBytes: number;
}

/** What a run needs to know about the job it claimed. */
export interface Claim {
  attempt: number;
  accountId: string;
  fromFormat: Format;
  toFormat: Format;
  options: ConversionOptions;
  inputBytes: number;
  requestId: string;
}

export type Ending =
  | { status: 'succeeded'; output: Buffer; records: number | null; expiresAt: Date }
  | { status: 'failed'; error: Problem };

/** Runs in the transaction that ends the job, with the job as it ends (the outbox event). */
export type OnEnd = (em: EntityManager, job: JobRecord) => Promise<unknown>;

// Rows per retention sweep statement: bounded work per transaction.
const SWEEP_BATCH = 500;

export class JobStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  /** An id for a job whose input is about to be staged. */
  newJobId(at: Date): string {
    return newId('job', at.getTime());
  }

  /**
   * Stores one chunk of the input of a job not created yet, in a statement of its own: nothing
   * reads it until create() commits the job, and discardInput() or the sweep deletes it if that
   * never happens.
   */
  stageInput(jobId: string, seq: number, accountId: string, chunk: Buffer): Promise<void> {
    return insertChunk(this.#sql(), { jobId, kind: 'input' }, seq, accountId, chunk);
  }

  /** Deletes a staged input whose job was not created; an input whose job exists is left alone. */
  discardInput(jobId: string): Promise<void> {
    return deleteOrphanInput(this.#sql(), jobId);
  }

  /** The job, over its staged input, with whatever `enqueue` writes in the same transaction. */
  create(job: NewJob, at: Date, enqueue: (em: EntityManager, jobId: string) => Promise<unknown>): Promise<JobRecord> {
    return this.#orm.em.fork().transactional(async (em) => {
      const { accountId, ...fields } = job;
      const row = em.create(Job, { account: accountId, status: 'queued', ...fields, createdAt: at });
      await em.flush();
      await enqueue(em, row.id);
      return toRecord(row);
    });
  }

  /** The account's jobs newest first, optionally in one state: `request.limit + 1` of them, for page(). */
  /** Jobs by state across every account, for the metrics (one grouped count). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.#orm.em.getConnection().execute<{ status: string; count: string }[]>('select status, count(*) as count from jobs group by status');
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async list(accountId: string, request: PageRequest & { status?: JobStatus | undefined }): Promise<JobRecord[]> {
    const where = { account: accountId, ...(request.status ? { status: request.status } : {}), ...afterCursor(request.cursor, 'job') };
    const rows = await this.#orm.em.fork().find(Job, where, { orderBy: { id: 'desc' }, limit: request.limit + 1 });
    return rows.map(toRecord);
  }

  /** One of the account's jobs; undefined for another account's. */
  async find(id: string, accountId: string): Promise<JobRecord | undefined> {
    const row = await this.#orm.em.fork().findOne(Job, { id, account: accountId });
    return row ? toRecord(row) : undefined;
  }

  /** Any account's job: for the workers, never for a request. */
  async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.#orm.em.fork().findOne(Job, { id });
    return row ? toRecord(row) : undefined;
  }

  async findMany(ids: readonly string[]): Promise<JobRecord[]> {
    const rows = await this.#orm.em.fork().find(Job, { id: { $in: [...ids] } });
    return rows.map(toRecord);
  }

  /**
   * Cancels one of the account's queued or running jobs, deleting its input, with whatever
   * `alsoCancel` does in the same transaction. Returns the job as it is afterwards and whether this
   * call canceled it (false: it had already ended); undefined for another account's.
   */
  cancel(
    id: string,
    accountId: string,
    at: Date,
    alsoCancel: (em: EntityManager, queueJobId: string) => Promise<unknown>,
  ): Promise<{ job: JobRecord; canceled: boolean } | undefined> {
    return this.#orm.em.fork().transactional(async (em) => {
      const sql = boundSql(em);
      const [canceled] = await sql.query<{ queue_job_id: string }>(
        `update jobs set status = 'canceled', finished_at = $3, revision = revision + 1
         where id = $1 and account_id = $2 and status in ('queued', 'running') returning queue_job_id`,
        [id, accountId, at],
      );
      if (canceled) {
        await deletePayload(sql, { jobId: id, kind: 'input' });
        await alsoCancel(em, canceled.queue_job_id);
      }
      const row = await em.findOne(Job, { id, account: accountId });
      return row ? { job: toRecord(row), canceled: canceled !== undefined } : undefined;
    });
  }

  /** Marks a queued (or abandoned running) job running as a new attempt; undefined when it has ended. */
  async claim(id: string, at: Date): Promise<Claim | undefined> {
    const [row] = await this.#sql().query<ClaimRow>(
      `update jobs set status = 'running', attempts = attempts + 1, progress = 0, revision = revision + 1,
         started_at = coalesce(started_at, $2)
       where id = $1 and status in ('queued', 'running')
       returning attempts, account_id, from_format, to_format, options, input_bytes, request_id`,
      [id, at],
    );
    if (!row) return undefined;
    return {
      attempt: row.attempts,
      accountId: row.account_id,
      fromFormat: row.from_format,
      toFormat: row.to_format,
      options: row.options,
      inputBytes: Number(row.input_bytes),
      requestId: row.request_id,
    };
  }

  /** Records progress; false when the job is no longer this attempt's to run (canceled, or taken over). */
  async reportProgress(id: string, attempt: number, progress: number): Promise<boolean> {
    const rows = await this.#sql().query(
      `update jobs set progress = $3, revision = revision + 1 where id = $1 and status = 'running' and attempts = $2 returning id`,
      [id, attempt, progress],
    );
    return rows.length === 1;
  }

  /** A job's input in slices; throws PayloadGone when it is deleted (the job canceled) before or while it is read. */
  readInput(id: string): AsyncGenerator<Buffer> {
    return readPayloadSlices(this.#sql(), { jobId: id, kind: 'input' });
  }

  /**
   * Ends the job in one transaction: the state, the output (on success), the input deleted, and
   * `onEnd` (the event). `attempt` undefined ends it whichever run holds it (the queue gave up).
   * False, with nothing written, when the job is not that run's to end.
   */
  end(id: string, attempt: number | undefined, ending: Ending, at: Date, onEnd: OnEnd): Promise<boolean> {
    return this.#orm.em.fork().transactional(async (em) => {
      const sql = boundSql(em);
      const params: unknown[] = [id, at];
      const set =
        ending.status === 'succeeded'
          ? `status = 'succeeded', progress = 1, result_bytes = $${params.push(ending.output.length)},
             result_records = $${params.push(ending.records)}, result_expires_at = $${params.push(ending.expiresAt)}`
          : `status = 'failed', error = $${params.push(JSON.stringify(ending.error))}::jsonb`;
      const guard = attempt === undefined ? `status in ('queued', 'running')` : `status = 'running' and attempts = $${params.push(attempt)}`;
      const [row] = await sql.query<{ account_id: string }>(
        `update jobs set ${set}, finished_at = $2, revision = revision + 1 where id = $1 and ${guard} returning account_id`,
        params,
      );
      if (!row) return false;
      if (ending.status === 'succeeded') await insertPayload(sql, { jobId: id, kind: 'output' }, row.account_id, ending.output);
      await deletePayload(sql, { jobId: id, kind: 'input' });
      await onEnd(em, toRecord(await em.findOneOrFail(Job, id)));
      return true;
    });
  }

  /** A job's output in slices; throws PayloadGone when it is deleted before or while it is read. */
  readOutput(id: string): AsyncGenerator<Buffer> {
    return readPayloadSlices(this.#sql(), { jobId: id, kind: 'output' });
  }

  /** Deletes outputs whose retention ended; the jobs keep their state and lose their result. */
  async expireResults(now: Date): Promise<number> {
    let expired = 0;
    for (;;) {
      const rows = await this.#orm.em.fork().transactional(async (em) => {
        const sql = boundSql(em);
        const done = await sql.query<{ id: string }>(
          `update jobs set result_bytes = null, result_records = null, revision = revision + 1
           where id in (select id from jobs where result_expires_at <= $1 and result_bytes is not null limit ${SWEEP_BATCH})
           returning id`,
          [now],
        );
        if (done.length > 0) await sql.query(`delete from job_payloads where kind = 'output' and job_id = any($1)`, [done.map((r) => r.id)]);
        return done.length;
      });
      expired += rows;
      if (rows < SWEEP_BATCH) return expired;
    }
  }

  /** Deletes inputs staged before `before` whose job never appeared (its request failed or the process died). */
  async deleteOrphanInputs(before: Date): Promise<number> {
    // Ids sort by creation time (ids.ts): every id below one made at `before` was made earlier.
    const below = newId('job', before.getTime());
    let deleted = 0;
    for (;;) {
      const rows = await deleteOrphanInputs(this.#sql(), below, SWEEP_BATCH);
      deleted += rows;
      if (rows < SWEEP_BATCH) return deleted;
    }
  }

  #sql(): BoundSql {
    return boundSql(this.#orm.em.fork());
  }
}

interface ClaimRow {
  attempts: number;
  account_id: string;
  from_format: Format;
  to_format: Format;
  options: ConversionOptions;
  input_bytes: string | number;
  request_id: string;
}

export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

function toRecord(row: Job): JobRecord {
  return {
    id: row.id,
    accountId: row.account.id,
    status: row.status,
    fromFormat: row.fromFormat,
    toFormat: row.toFormat,
    options: row.options as Required<ConversionOptions>,
    progress: row.progress,
    attempts: row.attempts,
    revision: row.revision,
    inputBytes: row.inputBytes,
    error: row.error ?? null,
    resultBytes: row.resultBytes ?? null,
    resultRecords: row.resultRecords ?? null,
    resultExpiresAt: row.resultExpiresAt ?? null,
    queueJobId: row.queueJobId,
    requestId: row.requestId,
    createdAt: row.createdAt,
    startedAt: row.startedAt ?? null,
    finishedAt: row.finishedAt ?? null,
  };
}
