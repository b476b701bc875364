// Builds a queued export's archive and marks it ready, announcing `export.ready` in the same
// transaction. A job may run more than once (pg-boss is at least once): the export is marked
// ready only while it is still pending, so a second run, or a run that outlived the account's
// erasure, writes nothing.
import type { Logger } from '../observability/logger.ts';
import type { Clock } from '../auth/identity.ts';
import type { DataExportStore } from '../db/data-export-store.ts';
import type { Database } from '../db/orm.ts';
import type { JobWithMetadata } from 'pg-boss';
import { recordEvent } from '../webhooks/events.ts';
import { buildArchive, type Collectors } from './archive.ts';
import type { ExportJob } from './exports.ts';

export interface ExportWorkerDeps {
  db: Database;
  store: DataExportStore;
  collectors: Collectors;
  retentionS: number;
  log: Logger;
  now: Clock;
}

export async function buildExport(exportId: string, deps: ExportWorkerDeps): Promise<void> {
  const accountId = await deps.store.start(exportId);
  if (accountId === undefined) return;
  const archive = await buildArchive(accountId, deps.collectors, deps.now());
  const at = deps.now();
  const expiresAt = new Date(at.getTime() + deps.retentionS * 1000);
  await deps.db.orm.em.fork().transactional(async (em) => {
    if (!(await deps.store.markReady(em, exportId, archive, at, expiresAt))) return;
    await recordEvent(em, {
      accountId,
      type: 'export.ready',
      data: { export_id: exportId, expires_at: expiresAt.toISOString() },
    });
  });
}

/** The pg-boss handler: one job at a time; the last failed attempt marks the export failed. */
export function exportHandler(deps: ExportWorkerDeps): (jobs: JobWithMetadata<ExportJob>[]) => Promise<void> {
  return async (jobs) => {
    for (const job of jobs) {
      try {
        await buildExport(job.data.export_id, deps);
      } catch (error) {
        const last = job.retryCount >= job.retryLimit;
        deps.log.error({ err: error, export_id: job.data.export_id, attempt: job.retryCount + 1, last }, 'data export failed');
        if (last) await deps.store.markFailed(job.data.export_id, deps.now());
        throw error;
      }
    }
  };
}
