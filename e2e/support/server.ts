// The server as a browser meets it: its own process (node server/src/main.ts) on its own database
// of the real PostgreSQL, on a loopback port.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { KeyScope } from '../../server/src/auth/scopes.ts';
import { createTestDatabase } from '../../server/test/support/database.ts';
import { listeningAt, mintKey, serverEnv, spawnMain } from '../../server/test/support/process.ts';

export interface ServerProcess {
  url: string;
  /** A new API key, on an account of its own for `email`. */
  newKey(email: string, scopes: readonly KeyScope[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const database = await createTestDatabase();
  const pepper = randomBytes(32).toString('hex');
  const child = spawnMain(serverEnv(database, pepper, env));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = await listeningAt(child).catch(async (error: Error) => {
    await database.drop();
    throw new Error(`${error.message}\n${stderr}`);
  });
  return {
    url,
    newKey: (email, scopes) => mintKey(database, pepper, email, scopes),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await database.drop();
    },
  };
}
