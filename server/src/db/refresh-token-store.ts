// The queries on refresh tokens. A session is the family of tokens rotated from one sign-in; it is
// active while any of its tokens is unrevoked (revocation always takes the whole family).
import type { QueryResult } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Plan } from './entities.ts';
import { newId } from './ids.ts';
import { RefreshToken } from './identity-entities.ts';

export interface NewRefreshToken {
  accountId: string;
  sessionId: string;
  tokenHash: Buffer;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

/** Who a rotated token belonged to, with the plan the new access token carries. */
export interface RotatedSession {
  accountId: string;
  sessionId: string;
  plan: Plan;
}

export interface StoredRefreshToken {
  sessionId: string;
  accountId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export class RefreshTokenStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async insert(token: NewRefreshToken): Promise<void> {
    const em = this.#orm.em.fork();
    const { accountId, ...fields } = token;
    em.create(RefreshToken, { id: newId('rt'), account: accountId, ...fields });
    await em.flush();
  }

  /**
   * Spends the token whose hash is `oldHash` and stores `next` in its session, in one transaction.
   * The spend is one conditional UPDATE: of two requests presenting the same token, PostgreSQL
   * lets the second re-check the condition after the first commits, so only one gets a row back.
   * undefined when the token is unknown, spent, revoked or expired.
   */
  rotate(oldHash: Buffer, now: Date, next: Omit<NewRefreshToken, 'accountId' | 'sessionId'>): Promise<RotatedSession | undefined> {
    return this.#orm.em.fork().transactional(async (em) => {
      const [spent] = await em.execute<{ account_id: string; session_id: string; plan: Plan }[]>(
        `update refresh_tokens as t set used_at = ? from accounts as a
         where t.token_hash = ? and t.used_at is null and t.revoked_at is null and t.expires_at > ? and a.id = t.account_id
         returning t.account_id, t.session_id, a.plan`,
        [now, oldHash, now],
      );
      if (spent === undefined) return undefined;
      em.create(RefreshToken, { id: newId('rt'), account: spent.account_id, sessionId: spent.session_id, ...next });
      await em.flush();
      return { accountId: spent.account_id, sessionId: spent.session_id, plan: spent.plan };
    });
  }

  async findByHash(tokenHash: Buffer): Promise<StoredRefreshToken | undefined> {
    const row = await this.#orm.em.fork().findOne(RefreshToken, { tokenHash });
    if (!row) return undefined;
    return {
      sessionId: row.sessionId,
      accountId: row.account.id,
      expiresAt: row.expiresAt,
      usedAt: row.usedAt ?? null,
      revokedAt: row.revokedAt ?? null,
    };
  }

  async revokeSession(sessionId: string, now: Date): Promise<void> {
    await this.#orm.em.fork().nativeUpdate(RefreshToken, { sessionId, revokedAt: null }, { revokedAt: now });
  }

  /** Revokes every session of the account; returns their ids. */
  async revokeAccount(accountId: string, now: Date): Promise<string[]> {
    const rows = await this.#orm.em.fork().execute<{ session_id: string }[]>(
      'update refresh_tokens set revoked_at = ? where account_id = ? and revoked_at is null returning session_id',
      [now, accountId],
    );
    return [...new Set(rows.map((row) => row.session_id))];
  }

  async isSessionActive(sessionId: string): Promise<boolean> {
    const [row] = await this.#orm.em.fork().execute<{ active: boolean }[]>(
      'select exists (select 1 from refresh_tokens where session_id = ? and revoked_at is null) as active',
      [sessionId],
    );
    return row?.active === true;
  }

  /**
   * Deletes up to `limit` tokens that expired before `expiredBefore` or were revoked before
   * `revokedBefore` (auth/refresh-token-purge.ts says when); returns how many.
   */
  async purge(expiredBefore: Date, revokedBefore: Date, limit: number): Promise<number> {
    const result = await this.#orm.em.fork().execute<QueryResult>(
      `delete from refresh_tokens where id in (
         select id from refresh_tokens where expires_at < ? or revoked_at < ? limit ?)`,
      [expiredBefore, revokedBefore, limit],
      'run',
    );
    return result.affectedRows;
  }
}
