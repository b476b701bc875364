// The real server, in this process, on a loopback port and its own database on the real
// PostgreSQL. Tests talk to it over HTTP like any client.
import { Writable } from 'node:stream';
import { start, type Running } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Env } from '../../src/config.ts';
import type { AppDeps } from '../../src/app.ts';
import { KEY_SCOPES } from '../../src/auth/scopes.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestServer {
  url: string;
  running: Running;
  database: TestDatabase;
  /** A new key for a new account, with the given scopes (all key scopes by default). */
  newKey(options?: { scopes?: readonly string[]; expiresAt?: Date }): Promise<{ secret: string; id: string; accountId: string }>;
  stop(): Promise<void>;
}

/**
 * Env overrides; OIDC_<NAME>_* variables are read by name, beyond the fixed schema. `app` is what
 * the app is built from beyond its services: a route table with an operation changed.
 */
export async function startTestServer(overrides: Env & Record<string, string> = {}, app: Pick<AppDeps, 'routes'> = {}): Promise<TestServer> {
  // Sign-up and log-in limits per address would trip over the many accounts a test file makes
  // from one loopback address; the tests of those limits set them back.
  const database = await createTestDatabase({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    SIGNUP_RATE_LIMIT_PER_HOUR: '10000',
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    ...overrides,
  });
  const running = await start(database.config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), app);
  let accounts = 0;
  return {
    url: running.url,
    running,
    database,
    async newKey(options = {}) {
      const account = await running.keys.findOrCreateAccount(`user${++accounts}@example.com`, 'free');
      const { key, secret } = await running.keys.create(account.id, {
        name: 'test',
        scopes: (options.scopes ?? KEY_SCOPES) as never,
        ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
      });
      return { secret, id: key.id, accountId: account.id };
    },
    async stop() {
      await running.shutdown('test finished');
      await database.drop();
    },
  };
}

/** The real server with its log written at `level` into memory, for tests of what it logs. */
export async function startLoggedServer(overrides: Env & Record<string, string>, level: string): Promise<{ running: Running; log: () => string; stop(): Promise<void> }> {
  const database = await createTestDatabase({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: level, ...overrides });
  let log = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      log += chunk;
      done();
    },
  });
  const running = await start(database.config, createLogger(level, sink));
  return {
    running,
    log: () => log,
    async stop() {
      await running.shutdown('test finished');
      await database.drop();
    },
  };
}

/** JSON request helper: returns status, headers and the parsed body (or text when not JSON). */
export async function call(
  url: string,
  init: { method?: string; key?: string; token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers['X-API-Key'] = init.key;
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, text, body: /json/.test(type) && text ? JSON.parse(text) : text };
}

export const PASSWORD = 'correct horse battery staple';

/** Signs a new user up through the API; returns the account id and its tokens. */
export async function signUp(url: string, email: string): Promise<{ accountId: string; access: string; refresh: string }> {
  const res = await call(`${url}/v1/auth/signup`, { body: { email, password: PASSWORD } });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${res.text}`);
  return { accountId: res.body.account.id, access: res.body.tokens.access_token, refresh: res.body.tokens.refresh_token };
}
