// Takes a logical backup and proves it restores (docs/operations/backup-and-restore.md):
//   node scripts/backup-verify.ts --out transmute.dump         (make backup-verify OUT=transmute.dump)
// 1. pg_dump, custom format, of DATABASE_URL, inside a repeatable-read snapshot the script exports,
//    so the source's state is read from exactly what the dump holds, even while the API writes;
// 2. pg_restore into a new scratch database (on SCRATCH_DATABASE_URL's server, else the source's);
// 3. the same migrations, row counts per table, sequences and triggers there, and the audit log
//    still refusing changes;
// 4. the scratch database dropped, whatever happened.
// stdout: a JSON report. Exit 0 when the backup verified, 1 on any mismatch or failure, 2 on usage.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { IsolationLevel } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from '../server/src/db/entities.ts';
import { randomBase32 } from '../server/src/db/ids.ts';
import { auditLogProblems, compareStates, readState, type DatabaseState } from './lib/database-state.ts';

const USAGE = 'usage: DATABASE_URL=postgres://… node scripts/backup-verify.ts --out <file.dump>';
const EXIT_USAGE = 2;

export interface Report {
  ok: boolean;
  dump: { file: string; bytes: number };
  source: string;
  scratch: string;
  migration: string | null;
  tables: Record<string, number>;
  problems: string[];
  seconds: number;
}

/** One connection to one database, for this script's few statements; never creating it when missing. */
async function connect(url: string): Promise<MikroORM> {
  return MikroORM.init({ clientUrl: url, entities: ENTITIES, extensions: [Migrator], pool: { min: 0, max: 1 }, colors: false, ensureDatabase: false });
}

/**
 * libpq's view of a URL: the password goes in PGPASSWORD, never on a command line that `ps` shows
 * to every user of the machine.
 */
function libpq(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.href, env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`))));
  });
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.href;
}

/** Dumps `sourceUrl` to `file` and reads the source's state, both from one exported snapshot. */
async function dumpWithState(sourceUrl: string, file: string): Promise<DatabaseState> {
  const orm = await connect(sourceUrl);
  try {
    const migrationsTable = orm.config.get('migrations').tableName!;
    return await orm.em.fork().transactional(
      async (em: EntityManager) => {
        const [snapshot] = await em.execute<{ id: string }[]>('select pg_export_snapshot() as id');
        const { dbname, env } = libpq(sourceUrl);
        await run('pg_dump', ['--format=custom', `--snapshot=${snapshot!.id}`, '--no-password', `--file=${file}`, `--dbname=${dbname}`], env);
        return readState(em, migrationsTable);
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
    );
  } finally {
    await orm.close();
  }
}

// Dropping can meet an autovacuum worker on the new database (42501: only a superuser may end it);
// it gives way within moments.
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const orm = await connect(serverUrl);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await orm.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '42501' || attempt === 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  } finally {
    await orm.close();
  }
}

export async function backupAndVerify(sourceUrl: string, scratchServerUrl: string, file: string): Promise<Report> {
  const started = performance.now();
  const sourceName = decodeURIComponent(new URL(sourceUrl).pathname.slice(1));
  const scratch = `${sourceName.slice(0, 40)}_verify_${randomBase32(8).toLowerCase()}`;
  const log = (message: string) => process.stderr.write(`backup-verify: ${message}\n`);

  log(`dumping ${sourceName} to ${file}`);
  const source = await dumpWithState(sourceUrl, file);
  const admin = await connect(scratchServerUrl);
  try {
    await admin.em.getConnection().execute(`create database "${scratch}"`);
  } finally {
    await admin.close();
  }
  try {
    log(`restoring into ${scratch}`);
    const { dbname, env } = libpq(withDatabase(scratchServerUrl, scratch));
    await run('pg_restore', ['--exit-on-error', '--single-transaction', '--no-owner', '--no-acl', '--no-password', `--dbname=${dbname}`, file], env);
    const restoredOrm = await connect(withDatabase(scratchServerUrl, scratch));
    let problems: string[];
    try {
      const restored = await readState(restoredOrm.em.fork(), restoredOrm.config.get('migrations').tableName!);
      problems = compareStates(source, restored);
      // Last: it writes to the scratch copy.
      problems.push(...(await auditLogProblems(restoredOrm.em.fork())));
    } finally {
      await restoredOrm.close();
    }
    return {
      ok: problems.length === 0,
      dump: { file, bytes: statSync(file).size },
      source: sourceName,
      scratch,
      migration: source.migrations.at(-1) ?? null,
      tables: source.tables,
      problems,
      seconds: Math.round(performance.now() - started) / 1000,
    };
  } finally {
    await dropDatabase(scratchServerUrl, scratch);
    log(`dropped ${scratch}`);
  }
}

async function main(): Promise<number> {
  let out: string | undefined;
  try {
    ({ values: { out } } = parseArgs({ options: { out: { type: 'string' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  const sourceUrl = process.env.DATABASE_URL;
  if (!out || !sourceUrl) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT_USAGE;
  }
  // The dump holds every account's data: readable by its owner only.
  process.umask(0o077);
  const report = await backupAndVerify(sourceUrl, process.env.SCRATCH_DATABASE_URL ?? sourceUrl, out);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  for (const problem of report.problems) process.stderr.write(`backup-verify: MISMATCH ${problem}\n`);
  process.stderr.write(`backup-verify: ${report.ok ? 'verified' : 'FAILED'}: ${Object.keys(report.tables).length} tables, migration ${report.migration}, ${report.seconds} s\n`);
  return report.ok ? 0 : 1;
}

if (import.meta.main) {
  try {
    process.exitCode = await main();
  } catch (error) {
    process.stderr.write(`backup-verify: FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
