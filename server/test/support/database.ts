// Each test file gets its own database on the real PostgreSQL named by DATABASE_URL, so files run
// in parallel without seeing each other's rows. No DATABASE_URL is an error, never a skip: a test
// run that silently skipped its database tests would pass for the wrong reason.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig, type Config, type Env } from '../../src/config.ts';
import { ENTITIES } from '../../src/db/entities.ts';
import { randomBase32 } from '../../src/db/ids.ts';

export interface TestDatabase {
  /** NODE_ENV=test, DATABASE_URL pointing at the new database, DATA_DIR a fresh temp dir. */
  config: Config;
  url: string;
  /** Drops the database (closing whatever still uses it) and removes DATA_DIR. */
  drop(): Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set: these tests need a real PostgreSQL, e.g. ' +
        'DATABASE_URL=postgres://transmute:transmute@127.0.0.1:5432/transmute',
    );
  }
  return url;
}

export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'transmute-test-'));
  // As root, the embedded PostgreSQL runs as the `postgres` user, which must be able to enter it.
  chmodSync(dir, 0o755);
  return dir;
}

/** A TCP port free right now on loopback, for an embedded PostgreSQL. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function createTestDatabase(overrides: Env = {}): Promise<TestDatabase> {
  const base = serverUrl();
  const name = `transmute_test_${randomBase32(12)}`;
  await admin(base, `create database "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const dataDir = tempDataDir();
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: url.href, ...overrides });
  return {
    config,
    url: url.href,
    async drop() {
      await dropDatabase(base, name);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// FORCE cannot end an autovacuum worker (it runs as the superuser, 42501 for us); the worker
// gives way within moments, so the drop is tried again a few times.
async function dropDatabase(base: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin(base, `drop database if exists "${name}" with (force)`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt === 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

async function admin(url: string, sql: string): Promise<void> {
  const orm = await MikroORM.init({ clientUrl: url, entities: ENTITIES, pool: { min: 0, max: 1 } });
  try {
    await orm.em.getConnection().execute(sql);
  } finally {
    await orm.close();
  }
}
