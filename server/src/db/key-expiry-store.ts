// The queries behind api_key.expiring events: keys about to expire that no event announced yet,
// and the note that one did. Both run in the caller's transaction.
import type { EntityManager } from '@mikro-orm/postgresql';

export interface ExpiringKey {
  id: string;
  accountId: string;
  name: string;
  expiresAt: Date;
}

/** Unrevoked keys expiring in (from, until] with no notice yet, soonest first. */
export async function keysExpiringUnnoticed(em: EntityManager, from: Date, until: Date, limit: number): Promise<ExpiringKey[]> {
  const rows = await em.execute<{ id: string; account_id: string; name: string; expires_at: Date | string }[]>(
    `select k.id, k.account_id, k.name, k.expires_at from api_keys k
     where k.revoked_at is null and k.expires_at > ? and k.expires_at <= ?
       and not exists (select 1 from api_key_expiry_notices n where n.key_id = k.id)
     order by k.expires_at, k.id limit ?`,
    [from, until, limit],
  );
  return rows.map((row) => ({ id: row.id, accountId: row.account_id, name: row.name, expiresAt: new Date(row.expires_at) }));
}

/**
 * Notes that the key's expiry is announced; false when another process noted it first (its
 * transaction then holds the announcement, and this one must not repeat it).
 */
export async function noteExpiryNotice(em: EntityManager, key: ExpiringKey, at: Date): Promise<boolean> {
  const inserted = await em.execute<{ key_id: string }[]>(
    'insert into api_key_expiry_notices (key_id, account_id, created_at) values (?, ?, ?) on conflict do nothing returning key_id',
    [key.id, key.accountId, at],
  );
  return inserted.length > 0;
}
