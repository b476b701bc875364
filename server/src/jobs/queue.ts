// The job queue: pg-boss on the application's own PostgreSQL, in a schema of its own. Queue rows
// carry ids only; what a job works on lives in our tables, where erasure and retention reach it.
import { PgBoss, type Db } from 'pg-boss';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import type { Database } from '../db/orm.ts';
import { boundSql } from '../db/bound-sql.ts';
import type { Logger } from '../observability/logger.ts';

export type { PgBoss } from 'pg-boss';

export const QUEUE_SCHEMA = 'pgboss';

export async function openQueue(db: Database, config: Config, log: Logger): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: db.url,
    schema: QUEUE_SCHEMA,
    application_name: 'transmute-queue',
    // pg-boss keeps a pool of its own, for its pollers (one per concurrent worker), heartbeats and
    // maintenance; messages are sent on the ORM's connections (queueDb). Never above DB_POOL_MAX.
    max: Math.min(config.db.poolMax, config.jobs.concurrency + 4),
    connectionTimeoutMillis: config.db.acquireTimeoutMs,
    // Measured (STACK.md): at 1 s a job whose worker died is claimed again within seconds; at the
    // defaults (60 s) it took about 50 s.
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
  });
  boss.on('error', (err) => log.error({ err, component: 'queue' }, 'job queue error'));
  boss.on('warning', (warning) => log.warn({ component: 'queue', warning }, 'job queue warning'));
  // Several processes may start on a fresh database at once; pg-boss serialises its own install.
  await boss.start();
  return boss;
}

/**
 * Housekeeping once a minute by whichever worker process takes the tick: pg-boss keeps one schedule
 * per database however many processes set it. A failed tick is not retried; the next comes a minute
 * later. Stop it with `boss.offWork(name)`.
 */
export async function runEveryMinute(boss: PgBoss, name: string, run: () => Promise<void>): Promise<void> {
  await boss.createQueue(name, { retryLimit: 0, expireInSeconds: 300, deleteAfterSeconds: 3_600 });
  await boss.work(name, { pollingIntervalSeconds: 1, batchSize: 1 }, () => run());
  await boss.schedule(name, '* * * * *');
}

/** Stops fetching, gives running handlers up to `timeoutMs` to finish, then closes the pool. */
export async function closeQueue(boss: PgBoss, timeoutMs = 10_000): Promise<void> {
  await boss.stop({ graceful: true, close: true, timeout: timeoutMs });
}

/**
 * The caller's open transaction as pg-boss's database: a job sent through it commits or rolls back
 * with the rows it is about (`send(name, data, { db: queueDb(em) })`). Parameters are bound by the
 * driver, never inlined into the SQL text. Outside a transaction it runs on the pool.
 */
export function queueDb(em: EntityManager): Db {
  const sql = boundSql(em);
  return { executeSql: async (text, values = []) => ({ rows: await sql.query(text, values) }) };
}
