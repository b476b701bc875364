// The server as its own process (node src/main.ts), for tests of what only a process shows:
// start-up refusals, signals, a worker killed mid-job.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/orm.ts';
import { ApiKeyService } from '../../src/auth/api-keys.ts';
import type { KeyScope } from '../../src/auth/scopes.ts';
import type { TestDatabase } from './database.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

/** Starts main.ts with `env` and nothing else of this process's environment but PATH. */
export function spawnMain(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A quiet test server on `database`, on any loopback port, with a pepper the test knows so it can
 * mint keys that process accepts.
 */
export function serverEnv(database: TestDatabase, pepper: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: database.config.dataDir,
    API_KEY_PEPPER: pepper,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** Resolves with the base URL once the process has printed that it listens. */
export async function listeningAt(child: ChildProcess): Promise<string> {
  let banner = '';
  for await (const chunk of child.stdout!) {
    banner += chunk;
    if (banner.includes('/docs')) break;
  }
  const base = /Transmute API\s+(http:\/\/[^/\s]+)/.exec(banner)?.[1];
  if (base === undefined) throw new Error(`the server process did not start: ${banner}`);
  return base;
}

/**
 * An API key that a process started with `serverEnv(database, pepper)` accepts: minted straight into
 * its database with the same pepper, since that process shares no memory with the test.
 */
export async function mintKey(database: TestDatabase, pepper: string, email: string, scopes: readonly KeyScope[]): Promise<string> {
  const config = { ...database.config, apiKeys: { ...database.config.apiKeys, pepper } };
  const db = await openDatabase(config);
  const keys = new ApiKeyService(db, config);
  try {
    const account = await keys.findOrCreateAccount(email, 'free');
    return (await keys.create(account.id, { name: 'test', scopes: [...scopes] })).secret;
  } finally {
    await keys.close();
    await db.close();
  }
}
