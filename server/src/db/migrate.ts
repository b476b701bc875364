// Applies the committed migrations. Two processes may migrate the same database at once (the server
// starting while `make api-key` runs), so the run holds a PostgreSQL advisory lock: the second
// waits, then finds nothing pending.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { PgPool } from './pg-pool.ts';

/** The names of the migrations this run applied, in order; empty when the schema was up to date. */
export async function migrate(orm: MikroORM, pool: PgPool): Promise<string[]> {
  // The lock lives on a connection of its own, outside the pool, so migrating works even with a
  // pool of one connection.
  const lock = new pool.Client(pool.options);
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock(hashtext('transmute:migrations'))");
    return (await orm.migrator.up()).map((migration) => migration.name);
  } finally {
    // Closing the session releases the lock.
    await lock.end();
  }
}
