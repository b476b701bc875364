// Data exports (POST /v1/me/exports, GET /v1/me/exports/{id}): a request queues a job that builds
// the archive (export-worker.ts); the archive is downloadable until config.exportRetentionS after
// it was built, then 410.
import { fromMeta, type RequestMeta } from '../audit/audit-log.ts';
import type { AuditRecorder, Clock } from '../auth/identity.ts';
import type { DataExportStore, ExportRecord } from '../db/data-export-store.ts';
import type { components } from '../generated/api-types.ts';
import { ApiError } from '../http/problem.ts';
import { queueDb, type PgBoss } from '../jobs/queue.ts';
import type { Archive } from './archive.ts';

export type DataExportView = components['schemas']['DataExport'];
export type Download = { ready: true; archive: Archive } | { ready: false; export: DataExportView };

/** The pg-boss queue the archives are built from. Its jobs carry the export id only. */
export const EXPORT_QUEUE = 'data-export';
export interface ExportJob {
  export_id: string;
}

export class DataExports {
  readonly #store: DataExportStore;
  readonly #queue: PgBoss;
  readonly #audit: AuditRecorder;
  readonly #now: Clock;

  constructor(store: DataExportStore, queue: PgBoss, audit: AuditRecorder, now: Clock) {
    this.#store = store;
    this.#queue = queue;
    this.#audit = audit;
    this.#now = now;
  }

  /** A new export, queued with its job in one transaction; the pending one if there is one already. */
  async request(accountId: string, meta: RequestMeta): Promise<DataExportView> {
    const created = await this.#store.create(accountId, this.#now(), async (em, exportId) => {
      const job: ExportJob = { export_id: exportId };
      await this.#queue.send(EXPORT_QUEUE, job, { db: queueDb(em) });
    });
    this.#audit.record({
      action: 'data_export.requested',
      accountId,
      actorType: 'user',
      actorId: accountId,
      outcome: 'success',
      ...fromMeta(meta),
      details: { export_id: created.id },
    });
    return toView(created);
  }

  /** The archive once ready; the export's state before. E1005 for another account's, E1405 once expired. */
  async download(id: string, accountId: string): Promise<Download> {
    const found = await this.#store.find(id, accountId);
    if (found === undefined) throw new ApiError('E1005', `No data export ${id}.`);
    if (found.expiresAt !== null && found.expiresAt <= this.#now()) throw new ApiError('E1405');
    if (found.status !== 'ready') return { ready: false, export: toView(found) };
    const archive = await this.#store.archive(id, accountId);
    // Swept between the two reads: it expired meanwhile.
    if (archive === undefined) throw new ApiError('E1405');
    return { ready: true, archive: archive as Archive };
  }
}

function toView(record: ExportRecord): DataExportView {
  return {
    id: record.id,
    status: record.status,
    created_at: record.createdAt.toISOString(),
    finished_at: record.finishedAt?.toISOString() ?? null,
    expires_at: record.expiresAt?.toISOString() ?? null,
  };
}
