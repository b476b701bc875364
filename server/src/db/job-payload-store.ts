// A job's input and output bytes (job_payloads), as chunks numbered from 0. Every statement binds
// its parameters (bound-sql.ts) and carries at most CHUNK_BYTES of content, so neither a write nor a
// read ever holds a whole payload in a driver message. A payload has at least one chunk (an empty
// one is one empty chunk), so "no chunks" always means "gone".
import type { BoundSql } from './bound-sql.ts';
import type { PayloadKind } from './job-entities.ts';

// pg hands bytea over as hex text before decoding it: a read costs about three times its size in
// memory for a moment, so chunks stay small next to the payload itself.
export const CHUNK_BYTES = 1024 * 1024;

export interface PayloadKey {
  jobId: string;
  kind: PayloadKind;
}

export async function insertChunk(sql: BoundSql, key: PayloadKey, seq: number, accountId: string, content: Buffer): Promise<void> {
  // A second write of the same chunk (a duplicate run) is refused by the primary key.
  await sql.query('insert into job_payloads (job_id, kind, seq, account_id, content) values ($1, $2, $3, $4, $5)', [
    key.jobId,
    key.kind,
    seq,
    accountId,
    content,
  ]);
}

/** A payload already in memory (a conversion's output), cut into chunks without copying. */
export async function insertPayload(sql: BoundSql, key: PayloadKey, accountId: string, content: Buffer): Promise<void> {
  let seq = 0;
  let offset = 0;
  do {
    await insertChunk(sql, key, seq++, accountId, content.subarray(offset, offset + CHUNK_BYTES));
    offset += CHUNK_BYTES;
  } while (offset < content.length);
}

export async function deletePayload(sql: BoundSql, key: PayloadKey): Promise<void> {
  await sql.query('delete from job_payloads where job_id = $1 and kind = $2', [key.jobId, key.kind]);
}

/** Deletes a staged input unless its job exists: once the job is created, the input is the job's. */
export async function deleteOrphanInput(sql: BoundSql, jobId: string): Promise<void> {
  await sql.query(`delete from job_payloads where job_id = $1 and kind = 'input' and not exists (select 1 from jobs where id = $1)`, [jobId]);
}

/** Deletes up to `limit` chunks of inputs whose job id is below `belowId` and whose job does not exist; returns how many. */
export async function deleteOrphanInputs(sql: BoundSql, belowId: string, limit: number): Promise<number> {
  const rows = await sql.query(
    `delete from job_payloads where ctid in (
       select p.ctid from job_payloads p
       where p.job_id < $1 and p.kind = 'input' and not exists (select 1 from jobs j where j.id = p.job_id)
       limit $2)
     returning 1`,
    [belowId, limit],
  );
  return rows.length;
}

/**
 * The payload's bytes in order, at most CHUNK_BYTES at a time; throws PayloadGone when it is
 * missing or disappears while it is read. Chunks stored before chunking (one row per payload) are
 * read in slices of the same size.
 */
export async function* readPayloadSlices(sql: BoundSql, key: PayloadKey): AsyncGenerator<Buffer> {
  const chunks = await sql.query<{ seq: number; bytes: number }>(
    // length() of an uncompressed bytea reads its TOAST pointer, not its content.
    'select seq, length(content) as bytes from job_payloads where job_id = $1 and kind = $2 order by seq',
    [key.jobId, key.kind],
  );
  if (chunks.length === 0) throw new PayloadGone(key);
  for (const { seq, bytes } of chunks) {
    for (let offset = 0; offset < bytes; offset += CHUNK_BYTES) {
      const [row] = await sql.query<{ slice: Buffer }>(
        'select substring(content from $4 for $5) as slice from job_payloads where job_id = $1 and kind = $2 and seq = $3',
        [key.jobId, key.kind, seq, offset + 1, CHUNK_BYTES],
      );
      if (row === undefined) throw new PayloadGone(key);
      yield row.slice;
    }
  }
}

export class PayloadGone extends Error {
  override name = 'PayloadGone';

  constructor(key: PayloadKey) {
    super(`the ${key.kind} of ${key.jobId} is gone`);
  }
}
