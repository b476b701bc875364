// The real router, Idempotency and PostgreSQL behind a loopback HTTP server, with the one handler
// under test in place of POST /v1/jobs (an operation whose spec takes Idempotency-Key): the tests
// count how often it runs and decide how it answers. Keys and accounts are real (ApiKeyService).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { routes } from '../../src/generated/routes.ts';
import { createRouter } from '../../src/http/router.ts';
import { requestId } from '../../src/http/request-id.ts';
import { handleErrors } from '../../src/http/handle-errors.ts';
import { ApiError } from '../../src/http/problem.ts';
import { Idempotency } from '../../src/http/idempotency.ts';
import { IdempotencyStore } from '../../src/db/idempotency-store.ts';
import { SecretBox } from '../../src/auth/secret-box.ts';
import { ApiKeyService } from '../../src/auth/api-keys.ts';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { KEY_SCOPES } from '../../src/auth/scopes.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { Handler, HandlerMap } from '../../src/http/handler.ts';
import type { Meter } from '../../src/http/meter.ts';
import type { State } from '../../src/http/context.ts';

export interface Harness {
  url: string;
  db: Database;
  /** A new account and an API key for it. */
  newKey(): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  createJob: Handler<'createJob'>;
  ttlMs?: number;
  lockMs?: number;
}

const unlimited: Meter = {
  consume: () => ({ allowed: true, limit: 1_000, remaining: 999, resetS: 60, name: 'free', policy: '"free";q=1000;w=60' }),
  applyHeaders: () => {},
  rejectIfLimited: () => {},
};

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const log = createLogger('silent');
  const testDb: TestDatabase = await createTestDatabase();
  const db = await openDatabase(testDb.config);
  await db.migrate();
  const keys = new ApiKeyService(db, testDb.config);
  const audit = new AuditLog(db, log);
  const idempotency = new Idempotency(new IdempotencyStore(db.orm), {
    ttlMs: options.ttlMs ?? 86_400_000,
    ...(options.lockMs === undefined ? {} : { lockMs: options.lockMs }),
    box: new SecretBox(Buffer.alloc(32, 7)),
    log,
  });
  const notHere = () => {
    throw new ApiError('E1000', 'not part of this test');
  };
  const handlers = { ...Object.fromEntries(routes.map((r) => [r.operationId, notHere])), createJob: options.createJob } as HandlerMap;
  const router = createRouter({
    handlers,
    credentials: { verifyKey: (presented, ip) => keys.verify(presented, ip), verifyAccessToken: () => Promise.reject(new ApiError('E1110')) },
    reporting: { audit, metrics: { authFailed: () => {} } },
    limiter: unlimited,
    validateResponses: false,
    quota: { admit: () => {} },
    idempotency,
  });
  const app = new Koa<State>();
  app.use(requestId(log));
  app.use(handleErrors());
  app.use(router);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  let accounts = 0;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    db,
    async newKey() {
      const account = await keys.findOrCreateAccount(`idem${++accounts}@example.com`, 'free');
      return (await keys.create(account.id, { name: 'test', scopes: [...KEY_SCOPES] as never })).secret;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      idempotency.close();
      await keys.close();
      await audit.close();
      await db.close();
      await testDb.drop();
    },
  };
}
