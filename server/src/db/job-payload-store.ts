// A job's input and output bytes (job_payloads). Every statement binds its parameters (bound-sql.ts)
// and reads in slices: the column is stored uncompressed (the migration says why), so a slice costs
// only its own TOAST chunks, and no statement ever carries a whole payload in a text encoding.
import type { BoundSql } from './bound-sql.ts';
import type { PayloadKind } from './job-entities.ts';

// pg hands bytea over as hex text before decoding it: a slice costs about three times its size in
// memory for a moment, so slices stay small enough not to matter next to the payload itself.
export const SLICE_BYTES = 2 * 1024 * 1024;

export interface PayloadKey {
  jobId: string;
  kind: PayloadKind;
}

export async function insertPayload(sql: BoundSql, key: PayloadKey, accountId: string, content: Buffer): Promise<void> {
  // A second write of the same payload (a duplicate run) is refused by the primary key.
  await sql.query('insert into job_payloads (job_id, kind, account_id, content) values ($1, $2, $3, $4)', [key.jobId, key.kind, accountId, content]);
}

export async function deletePayload(sql: BoundSql, key: PayloadKey): Promise<void> {
  await sql.query('delete from job_payloads where job_id = $1 and kind = $2', [key.jobId, key.kind]);
}

/** One slice, starting at byte `offset`; undefined when the payload is gone. */
export async function readSlice(sql: BoundSql, key: PayloadKey, offset: number, length: number): Promise<Buffer | undefined> {
  const [row] = await sql.query<{ slice: Buffer }>(
    'select substring(content from $3 for $4) as slice from job_payloads where job_id = $1 and kind = $2',
    [key.jobId, key.kind, offset + 1, length],
  );
  return row?.slice;
}

/** The whole payload, `size` bytes, read slice by slice into one buffer; undefined when it is gone. */
export async function readPayload(sql: BoundSql, key: PayloadKey, size: number): Promise<Buffer | undefined> {
  // Not from the shared pool: the buffer is handed to a worker thread whole (conversion-thread.ts).
  const content = Buffer.allocUnsafeSlow(size);
  for (let offset = 0; offset < size; offset += SLICE_BYTES) {
    const slice = await readSlice(sql, key, offset, SLICE_BYTES);
    if (slice === undefined) return undefined;
    slice.copy(content, offset);
  }
  return content;
}
