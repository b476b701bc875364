// The queries on consent records: append one, read the newest ones.
import type { MikroORM } from '@mikro-orm/postgresql';
import { ConsentRecord } from './data-rights-entities.ts';
import { newId } from './ids.ts';

export interface ConsentChoice {
  marketingEmails: boolean;
  productAnalytics: boolean;
}

export interface StoredConsent extends ConsentChoice {
  ip: string | null;
  recordedAt: Date;
}

export class ConsentStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async append(accountId: string, choice: ConsentChoice, ip: string | null, at: Date): Promise<void> {
    const em = this.#orm.em.fork();
    em.create(ConsentRecord, { id: newId('cns', at.getTime()), account: accountId, ...choice, ip, recordedAt: at });
    await em.flush();
  }

  /** The account's newest `limit` records, oldest first. */
  async newest(accountId: string, limit: number): Promise<StoredConsent[]> {
    const rows = await this.#orm.em.fork().find(ConsentRecord, { account: accountId }, { orderBy: { id: 'desc' }, limit });
    return rows.reverse().map((row) => ({
      marketingEmails: row.marketingEmails,
      productAnalytics: row.productAnalytics,
      ip: row.ip ?? null,
      recordedAt: row.recordedAt,
    }));
  }
}
