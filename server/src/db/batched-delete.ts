// Housekeeping deletes in bounded batches: each statement deletes at most `batch` rows in its own
// short transaction, and one tick runs at most `maxBatches` of them, so a backlog is worked off over
// several ticks instead of one long transaction that holds locks and bloats the WAL at once.

export interface Batches {
  /** Rows per statement. */
  batch: number;
  /** Statements per kind of row and tick. */
  maxBatches: number;
}

/** Calls `deleteBatch(limit)` until it deletes less than a batch or maxBatches ran; the rows deleted. */
export async function deleteInBatches({ batch, maxBatches }: Batches, deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let deleted = 0;
  for (let round = 0; round < maxBatches; round++) {
    const rows = await deleteBatch(batch);
    deleted += rows;
    if (rows < batch) break;
  }
  return deleted;
}
