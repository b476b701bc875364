// Webhook history is kept for WEBHOOK_RETENTION_DAYS (storage limitation, GDPR Art. 5(1)(e)): then
// delivery attempts are deleted, and events once no attempt refers to them and no delivery of them
// is pending (a replayed old event waits for its new deliveries). Once a minute, by whichever process
// takes the tick: a pg-boss schedule, like the job and data-rights sweeps. Each tick deletes at most
// MAX_BATCHES batches of BATCH rows of each kind, in short transactions; a backlog takes several.
import type { Config } from '../config.ts';
import { deleteInBatches, type Batches } from '../db/batched-delete.ts';
import type { Database } from '../db/orm.ts';
import { purgeAttempts, purgeEvents } from '../db/webhook-retention-store.ts';
import { runEveryMinute, type PgBoss } from '../jobs/queue.ts';
import type { Logger } from '../observability/logger.ts';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

export const RETENTION_SWEEP_QUEUE = 'webhook-retention-sweep';
const DAY_MS = 86_400_000;

const BATCHES: Batches = { batch: 1_000, maxBatches: 20 };

export class WebhookRetention {
  readonly #orm: MikroORM;
  readonly #retentionMs: number;
  readonly #batches: Batches;

  constructor(db: Database, retentionDays: number, batches: Batches = BATCHES) {
    this.#orm = db.orm;
    this.#retentionMs = retentionDays * DAY_MS;
    this.#batches = batches;
  }

  /** One tick: what it deleted. Attempts go first, so the events they leave unused go in the same tick. */
  async purge(now: Date = new Date()): Promise<{ attempts: number; events: number }> {
    const before = new Date(now.getTime() - this.#retentionMs);
    const attempts = await this.#inBatches((em, limit) => purgeAttempts(em, before, limit));
    const events = await this.#inBatches((em, limit) => purgeEvents(em, before, limit));
    return { attempts, events };
  }

  #inBatches(purge: (em: EntityManager, limit: number) => Promise<number>): Promise<number> {
    return deleteInBatches(this.#batches, (limit) => this.#orm.em.fork().transactional((em) => purge(em, limit)));
  }
}

/** Runs the sweep where config.jobs.workers is on; otherwise returns a handle that does nothing. */
export async function startWebhookRetention(boss: PgBoss, db: Database, config: Config, log: Logger): Promise<{ stop(): Promise<void> }> {
  if (!config.jobs.workers) return { stop: async () => {} };
  const retention = new WebhookRetention(db, config.webhooks.retentionDays);
  const sweepLog = log.child({ component: 'webhooks' });
  await runEveryMinute(boss, RETENTION_SWEEP_QUEUE, async () => {
    const deleted = await retention.purge();
    if (deleted.attempts + deleted.events > 0) sweepLog.info(deleted, 'webhook history past its retention deleted');
  });
  return { stop: () => boss.offWork(RETENTION_SWEEP_QUEUE, { wait: false }) };
}
