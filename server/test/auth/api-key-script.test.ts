// scripts/api-key.ts run the way `make api-key` runs it: a child process, real database.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ApiKeyService } from '../../src/auth/api-keys.ts';
import { KEY_SCOPES } from '../../src/auth/scopes.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { openDatabase } from '../../src/db/orm.ts';
import { createTestDatabase, freePort, tempDataDir, type TestDatabase } from '../support/database.ts';

const SCRIPT = fileURLToPath(new URL('../../../scripts/api-key.ts', import.meta.url));
const KEY_LINE = /^tm_[0-9a-z]{16}_[A-Za-z0-9_-]{43}\n$/;

let testDb: TestDatabase;

before(async () => {
  testDb = await createTestDatabase();
});

after(async () => {
  await testDb?.drop();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], env: Record<string, string>): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, ...args], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function verifyWith(config: Config, presented: string) {
  const db = await openDatabase(config);
  const keys = new ApiKeyService(db, config);
  try {
    const outcome = await keys.verify(presented, '127.0.0.1');
    assert.ok(outcome.ok, JSON.stringify(outcome));
    return outcome.principal;
  } finally {
    await keys.close();
    await db.close();
  }
}

test('prints exactly one key, which verifies with every scope', async () => {
  const { config } = testDb;
  const result = await run(['--email', 'CLI@example.com', '--plan', 'pro'], {
    DATABASE_URL: testDb.url,
    DATA_DIR: config.dataDir,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, KEY_LINE);
  const principal = await verifyWith(config, result.stdout.trim());
  assert.equal(principal.plan, 'pro');
  assert.deepEqual([...principal.scopes].sort(), [...KEY_SCOPES].sort());
});

test('bad arguments print the usage on stderr and exit 2', async () => {
  const env = { DATABASE_URL: testDb.url, DATA_DIR: testDb.config.dataDir };
  for (const args of [[], ['--email', 'a@b.c'], ['--email', 'a@b.c', '--plan', 'gold'], ['--email', 'nope', '--plan', 'free'], ['--email', 'a@b.c', '--plan', 'free', '--extra']]) {
    const result = await run(args, env);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /usage: node scripts\/api-key\.ts --email <address> --plan <free\|pro\|enterprise>/);
  }
});

test('works against the embedded database while another process runs it', async () => {
  const dataDir = tempDataDir();
  const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const server = await startEmbeddedPostgres(config);
  try {
    const result = await run(['--email', 'dev@example.com', '--plan', 'free'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, KEY_LINE);
    assert.equal((await verifyWith(config, result.stdout.trim())).plan, 'free');
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
