// Every long-lived part of the service, built once in dependency order, and stopped in the
// reverse: what produces writes stops before what buffers them, and the pool closes last.
import { ApiKeyService } from './auth/api-keys.ts';
import { AuditLog } from './audit/audit-log.ts';
import { createIdentity, type Identity } from './auth/identity.ts';
import { OidcService } from './auth/oidc.ts';
import { startRefreshTokenPurge } from './auth/refresh-token-purge.ts';
import { createDataRights, type DataRights } from './data-rights/index.ts';
import { openDatabase, type Database } from './db/orm.ts';
import { createIdempotency, type Idempotency } from './http/idempotency.ts';
import { JobService } from './jobs/job-service.ts';
import { startJobWorkers, type JobWorkers } from './jobs/job-workers.ts';
import { closeQueue, openQueue, type PgBoss } from './jobs/queue.ts';
import { startLoadShedder, type LoadShedder } from './limits/load-shedder.ts';
import { loadPlans } from './limits/plans.ts';
import { RateLimiter } from './limits/rate-limiter.ts';
import { isLoginFailureReason, Metrics } from './observability/metrics.ts';
import { Readiness } from './observability/readiness.ts';
import { createUsage } from './usage/create-usage.ts';
import { WebhookDeliveryWorker } from './webhooks/delivery-worker.ts';
import { ApiKeyExpiryNotifier } from './webhooks/key-expiry.ts';
import { startWebhookRetention } from './webhooks/retention.ts';
import { WebhookService } from './webhooks/webhook-service.ts';
import type { Config } from './config.ts';
import type { Logger } from './observability/logger.ts';
import type { UsageMeter } from './usage/usage-meter.ts';
import type { UsageReports } from './usage/usage-reports.ts';

export interface Services {
  config: Config;
  log: Logger;
  db: Database;
  keys: ApiKeyService;
  audit: AuditLog;
  identity: Identity;
  oidc: OidcService;
  limiter: RateLimiter;
  shedder: LoadShedder;
  readiness: Readiness;
  metrics: Metrics;
  queue: PgBoss;
  jobs: JobService;
  webhooks: WebhookService;
  usage: UsageMeter;
  usageReports: UsageReports;
  idempotency: Idempotency;
  dataRights: DataRights;
  /** Stops the background work, flushes the buffers, closes the pool. */
  stop(): Promise<void>;
}

export async function startServices(config: Config, log: Logger): Promise<Services> {
  const db = await openDatabase(config, { log: (message) => log.debug({ component: 'db' }, message) });
  const migrated = await db.migrate();
  log.info({ migrations: migrated }, migrated.length > 0 ? 'database migrated' : 'database up to date');
  const plans = loadPlans(config.plansFile);
  const metrics = new Metrics();
  const keys = new ApiKeyService(db, config);
  const audit = new AuditLog(db, log);
  const identity = createIdentity(db, config, audit);
  const oidc = new OidcService(config.oidcProviders, config.jwt.secret);
  const limiter = new RateLimiter(config, plans, log);
  const shedding = startLoadShedder(config.shed);
  const readiness = new Readiness(db, limiter);
  const { meter: usage, reports: usageReports } = createUsage(db, config, plans, log);
  const idempotency = createIdempotency(db, config, log);
  const queue = await openQueue(db, config, log);
  const jobs = new JobService(db, queue, log);
  const webhooks = new WebhookService(db, config, plans);
  const dataRights = createDataRights({ db, config, log, queue, audit, keys, identity, jobs, webhooks, usage: usageReports });
  observe(metrics, { db, usage, jobs, audit, shedder: shedding.shedder });

  // Background work runs only where JOB_WORKERS is on, so API-only instances can be scaled apart.
  const jobWorkers: JobWorkers = await startJobWorkers(db, queue, config, log, (status, seconds) => metrics.jobFinished(status, seconds));
  const deliveries = config.jobs.workers ? new WebhookDeliveryWorker(db, config, audit, log, { metrics }) : undefined;
  const keyExpiry = config.jobs.workers ? new ApiKeyExpiryNotifier(db, log) : undefined;
  const webhookRetention = await startWebhookRetention(queue, db, config, log);
  const refreshTokenPurge = await startRefreshTokenPurge(queue, db, config, log);
  deliveries?.start();
  keyExpiry?.start();
  await dataRights.start();

  return {
    config, log, db, keys, audit, identity, oidc, limiter, shedder: shedding.shedder, readiness, metrics, queue, jobs, webhooks, usage, usageReports, idempotency, dataRights,
    async stop() {
      shedding.stop();
      jobs.closeStreams();
      await dataRights.stop();
      await jobWorkers.stop();
      await keyExpiry?.stop();
      await deliveries?.stop();
      await webhookRetention.stop();
      await refreshTokenPurge.stop();
      await closeQueue(queue, config.timeouts.shutdownMs);
      // Buffered writes next, while the pool is still open.
      idempotency.close();
      await usage.close();
      await keys.close();
      await audit.close();
      await limiter.close();
      await db.close();
    },
  };
}

/** What the metrics read from the other services on each scrape, or learn from their events. */
function observe(metrics: Metrics, { db, usage, jobs, audit, shedder }: Pick<Services, 'db' | 'usage' | 'jobs' | 'audit' | 'shedder'>): void {
  metrics.observeRequestsInFlight(() => shedder.inFlight);
  metrics.observeStarvedLoop(() => shedder.starvedSeconds);
  metrics.observePool(() => db.poolStats());
  metrics.observeUsageBuffer(() => usage.waiting);
  metrics.observeJobs(() => jobs.countByStatus());
  metrics.observeQueueDepth(async () => (await jobs.countByStatus()).queued);
  audit.observe((event) => {
    const reason = event.details?.reason;
    if (event.action === 'login.failed' && isLoginFailureReason(reason)) metrics.loginFailed(reason);
  });
}
