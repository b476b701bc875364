// The server as a process: it refuses to start without production secrets, and on SIGTERM it
// stops taking connections, finishes the requests it has, and exits 0.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, tempDataDir, type TestDatabase } from '../support/database.ts';
import { listeningAt, mintKey, serverEnv, spawnMain } from '../support/process.ts';

async function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (c) => (stderr += c));
  child.stdout!.on('data', (c) => (stdout += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr, stdout };
}

describe('production configuration', () => {
  it('stops at once, naming the variable, when a secret is missing', async () => {
    const result = await exitOf(spawnMain({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@127.0.0.1:1/x', DATA_DIR: tempDataDir() }));
    assert.equal(result.code, 78);
    assert.match(result.stderr, /API_KEY_PEPPER, JWT_SECRET, TOTP_ENCRYPTION_KEY must be set in production/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('stops when a secret is too weak', async () => {
    const result = await exitOf(spawnMain({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@127.0.0.1:1/x', API_KEY_PEPPER: 'hunter2' }));
    assert.equal(result.code, 78);
    assert.match(result.stderr, /API_KEY_PEPPER is too weak/);
  });

  it('refuses the embedded database in production', async () => {
    const secret = () => randomBytes(32).toString('hex');
    const result = await exitOf(spawnMain({ NODE_ENV: 'production', API_KEY_PEPPER: secret(), JWT_SECRET: secret(), TOTP_ENCRYPTION_KEY: secret() }));
    assert.equal(result.code, 78);
    assert.match(result.stderr, /DATABASE_URL is required in production/);
  });
});

describe('graceful shutdown', () => {
  let database: TestDatabase;
  const pepper = randomBytes(32).toString('hex');

  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database.drop());

  it('finishes in-flight requests, refuses new connections, and exits 0', async () => {
    const child = spawnMain(serverEnv(database, pepper, { SHUTDOWN_TIMEOUT_MS: '10000' }));
    const exited = exitOf(child);
    const base = await listeningAt(child);

    const secret = await mintKey(database, pepper, 'drain@example.com', ['conversions:write']);

    // Requests whose bodies are still arriving when SIGTERM lands.
    const body = JSON.stringify({ from: 'json', to: 'csv', input: '[{"a":1},{"a":2}]' });
    const inFlight = Array.from({ length: 5 }, () => {
      const req = httpRequest(`${base}/v1/conversions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-API-Key': secret },
      });
      const response = once(req, 'response').then(async ([res]) => {
        let text = '';
        for await (const c of res) text += c;
        return { status: res.statusCode as number, body: JSON.parse(text) };
      });
      req.write(body.slice(0, 10));
      return { req, response };
    });
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));

    await assert.rejects(fetch(`${base}/health`), 'new connections are refused once draining');
    for (const { req } of inFlight) req.end(body.slice(10));
    const results = await Promise.all(inFlight.map((f) => f.response));
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.equal(r.body.output, 'a\r\n1\r\n2\r\n');
    }
    const { code } = await exited;
    assert.equal(code, 0);
  });
});
