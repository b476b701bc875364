// The real server (WEBHOOK_ALLOWLIST=127.0.0.1 so a loopback receiver may be used), and delivery
// workers run by the test with short retry delays. The server's own background workers are off
// (JOB_WORKERS=false), so only these workers deliver, with the settings the test chose.
import { AuditLog } from '../../src/audit/audit-log.ts';
import type { Env } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { WebhookDeliveryWorker, type DeliveryWorkerOptions } from '../../src/webhooks/delivery-worker.ts';
import { recordEvent, type EventData, type EventType } from '../../src/webhooks/events.ts';
import { call, startTestServer, type TestServer } from '../support/server.ts';

// Eight attempts over about 4.5 s, instead of about a day.
export const FAST_RETRIES_MS = [100, 200, 400, 800, 1_000, 1_000, 1_000];

export interface WebhookFixture {
  server: TestServer;
  db: Database;
  audit: AuditLog;
  /** A new account and a key with every scope. */
  account(): Promise<{ key: string; accountId: string }>;
  /** Records the event in a transaction of its own, as a change that reports it would. */
  record(accountId: string, type: EventType, data?: EventData): Promise<string>;
  endpoint(key: string, url: string, events: readonly EventType[]): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
}

export async function startWebhookFixture(
  options: { workers?: number; worker?: DeliveryWorkerOptions; env?: Env } = {},
): Promise<WebhookFixture> {
  const server = await startTestServer({ WEBHOOK_ALLOWLIST: '127.0.0.1', JOB_WORKERS: 'false', ...options.env });
  const db = await openDatabase(server.database.config);
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const audit = new AuditLog(db, log);
  const workers = Array.from(
    { length: options.workers ?? 1 },
    () => new WebhookDeliveryWorker(db, server.database.config, audit, log, { retryDelaysMs: FAST_RETRIES_MS, pollIntervalMs: 50, ...options.worker }),
  );
  for (const worker of workers) worker.start();
  return {
    server,
    db,
    audit,
    async account() {
      const { secret, accountId } = await server.newKey();
      return { key: secret, accountId };
    },
    record(accountId, type, data = { job_id: 'job_test', status: 'succeeded' }) {
      return db.orm.em.fork().transactional((em) => recordEvent(em, { accountId, type, data }));
    },
    async endpoint(key, url, events) {
      const res = await call(`${server.url}/v1/webhook-endpoints`, { key, body: { url, events } });
      if (res.status !== 201) throw new Error(`endpoint not created: ${res.status} ${res.text}`);
      return { id: res.body.endpoint.id, secret: res.body.secret };
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await audit.close();
      await db.close();
      await server.stop();
    },
  };
}
