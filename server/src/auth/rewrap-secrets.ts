// Re-encryption after TOTP_ENCRYPTION_KEY is rotated (scripts/rewrap-secrets.ts, make rewrap-secrets;
// the procedure is in docs/operations/security.md): every value sealed at rest under a previous key
// is opened and sealed again under the current one, so the previous key can then be removed.
//
// Idempotent and resumable: a value already under the current key is left alone, so a run that
// stopped halfway is simply run again. Rows are read in batches by id, and each value is replaced by
// a conditional update (only if it still holds what was read), so a value the server changed
// meanwhile (a new TOTP set-up, a rotated webhook secret, sealed under the current key) is never
// overwritten with a stale one. Stored idempotent responses are not rewrapped: they expire within
// IDEMPOTENCY_TTL_S, which the procedure waits for before removing the previous key.
import { boundSql } from '../db/bound-sql.ts';
import type { Database } from '../db/orm.ts';
import { WEBHOOK_SECRET_PURPOSE } from '../webhooks/secrets.ts';
import { TOTP_SECRET_PURPOSE } from './mfa.ts';
import { secretBoxFor, type SealingKeys } from './secret-box.ts';

/** Every column holding a value sealed for its row's id. */
const SEALED_COLUMNS = [
  { table: 'accounts', column: 'totp_secret', purpose: TOTP_SECRET_PURPOSE },
  { table: 'accounts', column: 'totp_pending_secret', purpose: TOTP_SECRET_PURPOSE },
  { table: 'webhook_endpoints', column: 'secret', purpose: WEBHOOK_SECRET_PURPOSE },
  { table: 'webhook_endpoints', column: 'previous_secret', purpose: WEBHOOK_SECRET_PURPOSE },
] as const;

export interface RewrapResult {
  /** `table.column`, e.g. accounts.totp_secret. */
  column: string;
  rewrapped: number;
  /** Already under the current key, or changed by the server while this ran (so sealed under it). */
  unchanged: number;
  /** Ids of the rows whose value no configured key opens: sealed under a key no longer configured. */
  unreadable: string[];
}

export async function rewrapSealedSecrets(db: Database, keys: SealingKeys, batch = 500): Promise<RewrapResult[]> {
  const results: RewrapResult[] = [];
  for (const { table, column, purpose } of SEALED_COLUMNS) {
    const box = secretBoxFor(keys, purpose);
    const result: RewrapResult = { column: `${table}.${column}`, rewrapped: 0, unchanged: 0, unreadable: [] };
    const sql = boundSql(db.orm.em.fork());
    let after = '';
    for (;;) {
      const rows = await sql.query<{ id: string; sealed: Buffer }>(
        `select id, ${column} as sealed from ${table} where ${column} is not null and id > $1 order by id limit $2`,
        [after, batch],
      );
      for (const { id, sealed } of rows) {
        if (box.isCurrent(sealed)) {
          result.unchanged++;
          continue;
        }
        let resealed: Buffer;
        try {
          resealed = box.seal(box.open(sealed, id), id);
        } catch {
          result.unreadable.push(id);
          continue;
        }
        const updated = await sql.query(`update ${table} set ${column} = $1 where id = $2 and ${column} = $3 returning 1`, [resealed, id, sealed]);
        if (updated.length === 1) result.rewrapped++;
        else result.unchanged++;
      }
      if (rows.length < batch) break;
      after = rows[rows.length - 1]!.id;
    }
    results.push(result);
  }
  return results;
}
