// scripts/backup-verify.ts on a real PostgreSQL: a database the real server populated (accounts,
// keys, a signed-up user, jobs, a webhook endpoint and its events), dumped while the server runs,
// restored and compared; and the ways it must fail.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../server/src/db/orm.ts';
import { MIGRATIONS } from '../../server/src/db/migrations/index.ts';
import { createTestDatabase, serverUrl } from '../../server/test/support/database.ts';
import { call, signUp, startTestServer, type TestServer } from '../../server/test/support/server.ts';
import { ended, rows, waitForJob } from '../../server/test/jobs/fixture.ts';
import { compareStates, readState } from '../lib/database-state.ts';
import { ROOT } from '../lib/spec.ts';
import type { Report } from '../backup-verify.ts';

const SCRIPT = join(ROOT, 'scripts', 'backup-verify.ts');
const out = mkdtempSync(join(tmpdir(), 'transmute-backup-'));

/** Runs the script as an operator would; its exit code, report and log. */
async function backupVerify(databaseUrl: string, args = ['--out', join(out, `${Date.now()}.dump`)]): Promise<{ code: number; report: Report | undefined; stderr: string }> {
  const result = await promisify(execFile)(process.execPath, [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
  return { code: result.code, report: result.stdout ? (JSON.parse(result.stdout) as Report) : undefined, stderr: result.stderr };
}

/** Whether a database of that name exists on the test server. */
async function databaseExists(db: Database, name: string): Promise<boolean> {
  return (await rows(db, 'select 1 from pg_database where datname = ?', [name])).length > 0;
}

describe('backup-verify', () => {
  let server: TestServer;
  let db: Database;

  before(async () => {
    server = await startTestServer({ WEBHOOK_ALLOWLIST: '127.0.0.1' });
    db = await openDatabase({ ...server.database.config, db: { ...server.database.config.db, poolMin: 0, poolMax: 2 } });
    const keys = [await server.newKey(), await server.newKey(), await server.newKey()];
    await signUp(server.url, 'backup@example.com');
    const key = keys[0]!.secret;
    const endpoint = await call(`${server.url}/v1/webhook-endpoints`, { key, body: { url: 'https://127.0.0.1:9/hook', events: ['job.succeeded'] } });
    assert.equal(endpoint.status, 201, endpoint.text);
    for (const input of ['name,age\nAda,36\n', 'name\nGrace\n']) {
      const job = await call(`${server.url}/v1/jobs`, { key, body: { from: 'csv', to: 'json', input } });
      assert.equal(job.status, 202, job.text);
      assert.equal((await waitForJob(server.url, key, job.body.id, ended)).status, 'succeeded');
    }
    assert.equal((await call(`${server.url}/v1/conversions`, { key, body: { from: 'csv', to: 'json', input: 'a\n1\n' } })).status, 200);
  });

  after(async () => {
    await db?.close();
    await server?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('dumps the database while the server runs, restores it into a scratch database, verifies it and drops it', async () => {
    const file = join(out, 'live.dump');
    const { code, report, stderr } = await backupVerify(server.database.url, ['--out', file]);
    assert.equal(code, 0, stderr);
    assert.ok(report?.ok);
    assert.deepEqual(report.problems, []);
    assert.equal(report.migration, MIGRATIONS.at(-1)!.name);
    const count = async (table: string) => Number((await rows<{ n: string }>(db, `select count(*)::text as n from ${table}`))[0]!.n);
    // Tables the server no longer writes to once populated: the report's counts are theirs.
    for (const table of ['accounts', 'api_keys', 'jobs', 'webhook_endpoints']) {
      assert.equal(report.tables[`public.${table}`], await count(table), table);
    }
    assert.equal(report.tables['public.accounts'], 4);
    assert.equal(report.tables['public.jobs'], 2);
    assert.ok(report.tables['public.audit_events']! > 0, 'the sign-up and key creations are audited');
    assert.ok(report.tables['public.webhook_events']! >= 2, 'the jobs announced their end');
    assert.ok(Object.keys(report.tables).some((t) => t.startsWith('pgboss.')), "the job queue's schema is in the backup");
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the dump is readable by its owner only');
    assert.equal(statSync(file).size, report.dump.bytes);
    assert.equal(await databaseExists(db, report.scratch), false, 'the scratch database is dropped');
  });

  it('fails, naming what is wrong, when the restored audit log accepts changes, and still drops its scratch database', async (t) => {
    const database = await createTestDatabase();
    const broken = await openDatabase(database.config);
    t.after(async () => {
      await broken.close();
      await database.drop();
    });
    await broken.migrate();
    await broken.orm.em.getConnection().execute('drop trigger append_only on audit_events; drop trigger no_truncate on audit_events');
    const { code, report } = await backupVerify(database.url);
    assert.equal(code, 1);
    assert.equal(report?.ok, false);
    assert.deepEqual(report.problems.map((p) => /^audit log: (\w+) /.exec(p)?.[1]), ['UPDATE', 'DELETE', 'TRUNCATE']);
    assert.equal(await databaseExists(db, report.scratch), false);
  });

  it('fails without writing anything when the database cannot be dumped', async () => {
    const missing = new URL(serverUrl());
    missing.pathname = '/transmute_no_such_database';
    const file = join(out, 'missing.dump');
    const { code, report, stderr } = await backupVerify(missing.href, ['--out', file]);
    assert.equal(code, 1);
    assert.equal(report, undefined);
    assert.match(stderr, /FAILED/);
    assert.doesNotMatch(stderr, /transmute:transmute@/, 'the password is never printed');
    assert.equal(existsSync(file), false);
    assert.equal(await databaseExists(db, missing.pathname.slice(1)), false, 'a missing database is not created');
  });

  it('refuses to run without --out', async () => {
    const { code, stderr } = await backupVerify(server.database.url, []);
    assert.equal(code, 2);
    assert.match(stderr, /usage:/);
  });

  it('tells apart every kind of difference between two states of a real database', async (t) => {
    // A database of its own, which nothing else writes to between the two readings.
    const database = await createTestDatabase();
    const quiet = await openDatabase(database.config);
    t.after(async () => {
      await quiet.close();
      await database.drop();
    });
    await quiet.migrate();
    const read = () => readState(quiet.orm.em.fork(), 'mikro_orm_migrations');
    const original = await read();
    assert.deepEqual(compareStates(original, await read()), []);
    await quiet.orm.em.getConnection().execute(
      `insert into accounts (id, email, plan, created_at, updated_at) values ('acct_backup', 'b@example.com', 'free', now(), now());
       insert into mikro_orm_migrations (name, executed_at) values ('Migration99990101000000_extra', now());
       alter table audit_events disable trigger no_truncate;
       create table backup_extra (id int);`,
    );
    const changed = await read();
    const latest = MIGRATIONS.at(-1)!.name;
    assert.deepEqual(compareStates(original, changed).sort(), [
      `migrations: source at ${latest} (${MIGRATIONS.length}), restored at Migration99990101000000_extra (${MIGRATIONS.length + 1})`,
      `sequence public.mikro_orm_migrations_id_seq: ${MIGRATIONS.length} in the source, ${MIGRATIONS.length + 1} restored`,
      'table public.accounts: 0 in the source, 1 restored',
      'table public.backup_extra: not in the source',
      `table public.mikro_orm_migrations: ${MIGRATIONS.length} in the source, ${MIGRATIONS.length + 1} restored`,
      'trigger public.audit_events.no_truncate (disabled): not in the source',
      'trigger public.audit_events.no_truncate (enabled): missing from the restored database',
    ].sort());
  });
});
