// The queries on data exports. The archive is written in the caller's transaction, so the
// `export.ready` event it reports commits with it (transactional outbox).
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { DataExport, type ExportStatus } from './data-rights-entities.ts';
import { newId } from './ids.ts';

export interface ExportRecord {
  id: string;
  accountId: string;
  status: ExportStatus;
  createdAt: Date;
  finishedAt: Date | null;
  expiresAt: Date | null;
}

const PENDING: ExportStatus[] = ['queued', 'running'];

export class DataExportStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  /**
   * A new queued export, made by `enqueue` in the same transaction, unless one of the account's
   * exports is still pending: then that one (one archive at a time per account is enough, and it
   * bounds the work one account can ask for). The account row is locked so two requests at once
   * cannot both create one.
   */
  create(accountId: string, at: Date, enqueue: (em: EntityManager, exportId: string) => Promise<void>): Promise<ExportRecord> {
    return this.#orm.em.fork().transactional(async (em) => {
      await em.execute('select 1 from accounts where id = ? for update', [accountId]);
      const pending = await em.findOne(DataExport, { account: accountId, status: { $in: PENDING } }, { exclude: ['archive'] });
      if (pending) return toRecord(pending);
      const row = em.create(DataExport, { id: newId('exp', at.getTime()), account: accountId, status: 'queued', createdAt: at });
      await em.flush();
      await enqueue(em, row.id);
      return toRecord(row);
    });
  }

  /** One of the account's exports; undefined for another account's. */
  async find(id: string, accountId: string): Promise<ExportRecord | undefined> {
    const row = await this.#orm.em.fork().findOne(DataExport, { id, account: accountId }, { exclude: ['archive'] });
    return row ? toRecord(row) : undefined;
  }

  async archive(id: string, accountId: string): Promise<object | undefined> {
    const row = await this.#orm.em.fork().findOne(DataExport, { id, account: accountId, status: 'ready' });
    return row?.archive ?? undefined;
  }

  /** The export's account while it is still to be built; undefined when it is gone or finished. */
  async start(id: string): Promise<string | undefined> {
    const [row] = await this.#orm.em
      .fork()
      .execute<{ account_id: string }[]>(
        `update data_exports set status = 'running' where id = ? and status in ('queued', 'running') returning account_id`,
        [id],
      );
    return row?.account_id;
  }

  /** Stores the archive in `em`'s transaction; false when the export is no longer pending (erased). */
  async markReady(em: EntityManager, id: string, archive: object, at: Date, expiresAt: Date): Promise<boolean> {
    const changed = await em.nativeUpdate(
      DataExport,
      { id, status: { $in: PENDING } },
      { status: 'ready', archive, finishedAt: at, expiresAt },
    );
    return changed === 1;
  }

  async markFailed(id: string, at: Date): Promise<void> {
    await this.#orm.em.fork().nativeUpdate(DataExport, { id, status: { $in: PENDING } }, { status: 'failed', finishedAt: at });
  }

  /**
   * Deletes the archives that expired; their rows stay until `forgetBefore`, so a late download
   * is told the export expired (410) rather than that it never existed. Exports still pending
   * since before `stuckBefore` are failed.
   */
  async sweep(now: Date, forgetBefore: Date, stuckBefore: Date): Promise<{ archivesDeleted: number; rowsDeleted: number; failed: number }> {
    const em = this.#orm.em.fork();
    const archivesDeleted = await em.nativeUpdate(DataExport, { expiresAt: { $lte: now }, archive: { $ne: null } }, { archive: null });
    const rowsDeleted = await em.nativeDelete(DataExport, {
      $or: [{ expiresAt: { $lte: forgetBefore } }, { status: 'failed', finishedAt: { $lte: forgetBefore } }],
    });
    const failed = await em.nativeUpdate(
      DataExport,
      { status: { $in: PENDING }, createdAt: { $lte: stuckBefore } },
      { status: 'failed', finishedAt: now },
    );
    return { archivesDeleted, rowsDeleted, failed };
  }
}

/** Rows are read without their archive, which only a download needs. */
type ExportRow = Pick<DataExport, 'id' | 'account' | 'status' | 'createdAt' | 'finishedAt' | 'expiresAt'>;

function toRecord(row: ExportRow): ExportRecord {
  return {
    id: row.id,
    accountId: row.account.id,
    status: row.status,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt ?? null,
    expiresAt: row.expiresAt ?? null,
  };
}
