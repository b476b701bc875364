// Data rights (issue 4 §5), wired once: consents, exports and their worker, account erasure, and
// the sweep. The process builds it with createDataRights(), calls start() once the queue is open
// and stop() before closing the queue.
import type { AuditLog } from '../audit/audit-log.ts';
import type { ApiKeyService } from '../auth/api-keys.ts';
import type { Clock, Identity } from '../auth/identity.ts';
import type { Config } from '../config.ts';
import { ConsentStore } from '../db/consent-store.ts';
import { DataExportStore } from '../db/data-export-store.ts';
import type { Database } from '../db/orm.ts';
import { runEveryMinute, type PgBoss } from '../jobs/queue.ts';
import type { Logger } from '../observability/logger.ts';
import { AccountErasure } from './account-erasure.ts';
import { archiveCollectors, type ArchiveSources } from './collectors.ts';
import { ConsentService } from './consents.ts';
import { exportHandler } from './export-worker.ts';
import { DataExports, EXPORT_QUEUE } from './exports.ts';
import { DataRightsSweep } from './sweep.ts';

export interface DataRightsDeps {
  db: Database;
  config: Config;
  log: Logger;
  queue: PgBoss;
  audit: AuditLog;
  keys: ApiKeyService;
  identity: Identity;
  /** The other sources of the archive (collectors.ts). */
  jobs: ArchiveSources['jobs'];
  webhooks: ArchiveSources['webhooks'];
  usage: ArchiveSources['usage'];
  now?: Clock;
}

export interface DataRights {
  consents: ConsentService;
  exports: DataExports;
  erasure: AccountErasure;
  sweep: DataRightsSweep;
  /** Creates the export queue; runs the export workers and the minutely sweep when config.jobs.workers. */
  start(): Promise<void>;
  /** Stops taking jobs; those running get until the queue closes (closeQueue's timeout). */
  stop(): Promise<void>;
}

const SWEEP_QUEUE = 'data-rights-sweep';
// An archive is built in seconds; these bound a stuck or failing one well inside the sweep's
// STUCK_AFTER_MS: 4 attempts of at most 10 minutes, 30 s apart and backing off. Queue rows hold
// only an export id; a day is long enough to look into one.
const EXPORT_QUEUE_OPTIONS = { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 600, deleteAfterSeconds: 86_400 };
// Polling, not LISTEN/NOTIFY: an export is not urgent to the second.
const POLLING_INTERVAL_S = 1;

export function createDataRights(deps: DataRightsDeps): DataRights {
  const { db, config, queue, audit, keys, identity } = deps;
  const log = deps.log.child({ component: 'data-rights' });
  const now = deps.now ?? (() => new Date());
  const exportStore = new DataExportStore(db.orm);
  const consents = new ConsentService(new ConsentStore(db.orm), audit, now);
  const exports = new DataExports(exportStore, queue, audit, now);
  const erasure = new AccountErasure(db, audit, { keys, sessions: identity.sessions }, log, now);
  const sweep = new DataRightsSweep(exportStore, erasure, config.exportRetentionS, log, now);
  const collectors = archiveCollectors(
    { accounts: identity.accounts, consents, keys, audit, jobs: deps.jobs, webhooks: deps.webhooks, usage: deps.usage },
    now,
  );
  const buildExports = exportHandler({ db, store: exportStore, collectors, retentionS: config.exportRetentionS, log, now });

  return {
    consents,
    exports,
    erasure,
    sweep,
    async start() {
      await queue.createQueue(EXPORT_QUEUE, EXPORT_QUEUE_OPTIONS);
      if (!config.jobs.workers) return;
      await queue.work(EXPORT_QUEUE, { pollingIntervalSeconds: POLLING_INTERVAL_S, batchSize: 1, includeMetadata: true }, buildExports);
      await runEveryMinute(queue, SWEEP_QUEUE, () => sweep.run());
    },
    async stop() {
      await Promise.all([EXPORT_QUEUE, SWEEP_QUEUE].map((name) => queue.offWork(name, { wait: false })));
    },
  };
}
