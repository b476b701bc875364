// Deleting webhook history past its retention (webhooks/retention.ts), one bounded batch per call.
// Rows are found by id: ids sort by creation time (ids.ts), so "made before" is a range of the
// primary key, with no index of its own to maintain on these busy tables.
import type { EntityManager } from '@mikro-orm/postgresql';
import { boundSql } from './bound-sql.ts';
import { newId } from './ids.ts';

/** Deletes up to `limit` delivery attempts made before `before`; returns how many. */
export async function purgeAttempts(em: EntityManager, before: Date, limit: number): Promise<number> {
  const rows = await boundSql(em).query(
    'delete from webhook_deliveries where id in (select id from webhook_deliveries where id < $1 order by id limit $2) returning 1',
    [newId('whdl', before.getTime()), limit],
  );
  return rows.length;
}

// An event stays while a delivery of it is pending, or while an attempt still refers to it.
const UNUSED = `not exists (select 1 from webhook_outbox o where o.event_id = e.id and o.state = 'pending')
  and not exists (select 1 from webhook_deliveries d where d.event_id = e.id)`;

/**
 * Deletes up to `limit` unused events recorded before `before` (their delivered or dead outbox
 * rows go with them); returns how many. Runs in the caller's transaction: the events are locked
 * first, skipping any a replay holds, then checked again, so an event a replay queued meanwhile
 * stays; a replay that comes after the lock waits for it and finds the event gone.
 */
export async function purgeEvents(em: EntityManager, before: Date, limit: number): Promise<number> {
  if (!em.isInTransaction()) throw new TypeError('purgeEvents must run in a transaction');
  const sql = boundSql(em);
  const locked = await sql.query<{ id: string }>(
    `select e.id from webhook_events e where e.id < $1 and ${UNUSED} order by e.id limit $2 for update of e skip locked`,
    [newId('evt', before.getTime()), limit],
  );
  if (locked.length === 0) return 0;
  const rows = await sql.query(`delete from webhook_events e where e.id = any($1) and ${UNUSED} returning 1`, [locked.map((row) => row.id)]);
  return rows.length;
}
