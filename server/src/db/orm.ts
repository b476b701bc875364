// Opens the one database the process uses: DATABASE_URL when set, else the embedded PostgreSQL in
// DATA_DIR (started here, stopped by close()).
import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Config } from '../config.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.ts';
import { ENTITIES } from './entities.ts';
import { migrate } from './migrate.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { PgPool } from './pg-pool.ts';

export interface PoolStats {
  used: number;
  free: number;
  pending: number;
  max: number;
}

export interface Database {
  orm: MikroORM;
  url: string;
  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]>;
  /** Rejects when the database does not answer a trivial query (readiness). */
  ping(): Promise<void>;
  /** Read synchronously from the pool, cheap enough for every metrics scrape. */
  poolStats(): PoolStats;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Receives MikroORM's and the embedded PostgreSQL's log lines; dropped when omitted. */
  log?: (message: string) => void;
}

export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Database> {
  let url = config.databaseUrl;
  let embedded: EmbeddedDatabase | undefined;
  if (url === undefined) {
    embedded = await startEmbeddedPostgres(config, { log: options.log });
    url = embedded.url;
  }
  let orm: MikroORM;
  let pool: PgPool;
  try {
    orm = await MikroORM.init({
      clientUrl: url,
      entities: ENTITIES,
      extensions: [Migrator],
      migrations: { migrationsList: MIGRATIONS, snapshot: false },
      pool: { min: config.db.poolMin, max: config.db.poolMax, idleTimeoutMillis: config.db.idleTimeoutMs },
      // pg's name for how long a query waits for a free connection (or a new one to open).
      driverOptions: { connectionTimeoutMillis: config.db.acquireTimeoutMs },
      logger: (message) => options.log?.(message),
      colors: false,
    });
    pool = (await orm.em.getConnection().getNativeClient()) as PgPool;
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return {
    orm,
    url,
    migrate: () => migrate(orm, pool),
    async ping() {
      await orm.em.getConnection().execute('select 1');
    },
    poolStats: () => ({
      used: pool.totalCount - pool.idleCount,
      free: pool.idleCount,
      pending: pool.waitingCount,
      max: config.db.poolMax,
    }),
    async close() {
      try {
        await orm.close();
      } finally {
        await embedded?.stop();
      }
    },
  };
}
