import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let testDb: TestDatabase;
let db: Database;

before(async () => {
  testDb = await createTestDatabase({ DB_POOL_MAX: '1' });
  db = await openDatabase(testDb.config);
});

after(async () => {
  await db?.close();
  await testDb?.drop();
});

test('every migration file in the folder is listed', () => {
  const files = readdirSync(new URL('../../src/db/migrations/', import.meta.url))
    .filter((file) => file.startsWith('Migration'))
    .map((file) => file.replace(/\.ts$/, ''));
  assert.deepEqual(files.sort(), MIGRATIONS.map((migration) => migration.name).sort());
});

test('migrations apply to an empty database, even with a pool of one connection', async () => {
  const migrated = await db.migrate();
  assert.equal(migrated.length, MIGRATIONS.length, 'it names each migration it applied (the startup log lists them)');
  const tables = await db.orm.em
    .getConnection()
    .execute<{ table_name: string }[]>("select table_name from information_schema.tables where table_schema = 'public' order by 1");
  const entityTables = [...db.orm.getMetadata().getAll().values()]
    .filter((meta) => !meta.embeddable && !meta.virtual)
    .map((meta) => meta.tableName);
  assert.deepEqual(tables.map((row) => row.table_name), [...new Set([...entityTables, 'mikro_orm_migrations'])].sort());
  assert.ok(entityTables.includes('api_keys') && entityTables.includes('audit_events'));
});

test('the migrated schema is exactly what the entities describe', async () => {
  assert.equal((await db.orm.schema.getUpdateSchemaSQL()).trim(), '');
});

test('migrating again changes nothing', async () => {
  assert.deepEqual(await db.migrate(), []);
  const applied = await db.orm.em.getConnection().execute('select name from mikro_orm_migrations');
  assert.equal(applied.length, MIGRATIONS.length);
});

test('processes migrating one fresh database at once all succeed, and it is migrated once', async () => {
  const fresh = await createTestDatabase();
  const dbs = await Promise.all([1, 2, 3].map(() => openDatabase(fresh.config)));
  try {
    const migrated = await Promise.all(dbs.map((each) => each.migrate()));
    assert.deepEqual(migrated.map((names) => names.length).sort(), [0, 0, MIGRATIONS.length], 'one of them migrated');
    const applied = await dbs[0]!.orm.em.getConnection().execute('select name from mikro_orm_migrations');
    assert.equal(applied.length, MIGRATIONS.length);
  } finally {
    await Promise.all(dbs.map((each) => each.close()));
    await fresh.drop();
  }
});

test('ping answers and poolStats reads the pool', async () => {
  await db.ping();
  const stats = db.poolStats();
  assert.deepEqual(stats, { used: 0, free: 1, pending: 0, max: 1 });
});
