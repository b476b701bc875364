// Every query the API key service makes, so the service itself holds no SQL. Each call works on
// a fresh EntityManager fork: nothing is shared between requests through an identity map.
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Account, ApiKey, type Plan } from './entities.ts';
import { newId } from './ids.ts';
import { afterCursor, type PageRequest } from './pagination.ts';

export interface AccountRecord {
  id: string;
  email: string;
  plan: Plan;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  name: string;
  /** The public lookup part of the key. */
  keyPrefix: string;
  scopes: string[];
  allowedIps: string[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  rotatedAt: Date | null;
  previousSecretExpiresAt: Date | null;
}

/** What verifying a key needs: the row and its account's plan. */
export interface StoredKey {
  id: string;
  accountId: string;
  plan: Plan;
  secretHash: Buffer;
  previousSecretHash: Buffer | null;
  previousSecretExpiresAt: Date | null;
  scopes: string[];
  allowedIps: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface NewKey {
  accountId: string;
  name: string;
  keyPrefix: string;
  secretHash: Buffer;
  scopes: string[];
  allowedIps: string[];
  expiresAt: Date | null;
}

export interface Rotation {
  secretHash: Buffer;
  at: Date;
  /** Until when the secret being replaced still verifies. */
  previousSecretExpiresAt: Date;
  /** The key's expiry is brought forward to this when it is later or unset; undefined: left as is. */
  expiresNoLaterThan: Date | undefined;
}

// Rows per UPDATE when flushing last-used times: one statement, but bounded in size.
const TOUCH_BATCH = 500;

export class ApiKeyStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async findOrCreateAccount(email: string, plan: Plan): Promise<AccountRecord> {
    const found = await this.#orm.em.fork().findOne(Account, { email });
    if (found) return toAccountRecord(found);
    const em = this.#orm.em.fork();
    const account = em.create(Account, { id: newId('acct'), email, plan });
    try {
      await em.flush();
      return toAccountRecord(account);
    } catch (error) {
      // Created concurrently by another request or process: theirs is the account.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return toAccountRecord(await this.#orm.em.fork().findOneOrFail(Account, { email }));
    }
  }

  async insertKey(key: NewKey): Promise<ApiKeyRecord> {
    const em = this.#orm.em.fork();
    const { accountId, ...fields } = key;
    const row = em.create(ApiKey, { id: newId('key'), account: accountId, ...fields });
    await em.flush();
    return toKeyRecord(row);
  }

  async findByPrefix(keyPrefix: string): Promise<StoredKey | undefined> {
    const row = await this.#orm.em.fork().findOne(ApiKey, { keyPrefix }, { populate: ['account'] });
    if (!row) return undefined;
    return {
      id: row.id,
      accountId: row.account.id,
      plan: row.account.plan,
      secretHash: row.secretHash,
      previousSecretHash: row.previousSecretHash ?? null,
      previousSecretExpiresAt: row.previousSecretExpiresAt ?? null,
      scopes: row.scopes,
      allowedIps: row.allowedIps,
      expiresAt: row.expiresAt ?? null,
      revokedAt: row.revokedAt ?? null,
    };
  }

  /** The account's keys, newest first: `request.limit + 1` of them, for page(). */
  async list(accountId: string, request: PageRequest): Promise<ApiKeyRecord[]> {
    const rows = await this.#orm.em
      .fork()
      .find(ApiKey, { account: accountId, ...afterCursor(request.cursor, 'key') }, { orderBy: { id: 'desc' }, limit: request.limit + 1 });
    return rows.map(toKeyRecord);
  }

  /** One of the account's keys; undefined for another account's. */
  async find(id: string, accountId: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#orm.em.fork().findOne(ApiKey, { id, account: accountId });
    return row ? toKeyRecord(row) : undefined;
  }

  /**
   * Replaces the secret of one of the account's unrevoked keys, keeping the current one as the
   * previous (a secret from before an earlier rotation stops working). The row is locked so two
   * rotations at once cannot both keep the same previous secret.
   */
  rotate(id: string, accountId: string, rotation: Rotation): Promise<ApiKeyRecord | undefined> {
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(ApiKey, { id, account: accountId, revokedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) return undefined;
      row.previousSecretHash = row.secretHash;
      row.previousSecretExpiresAt = rotation.previousSecretExpiresAt;
      row.secretHash = rotation.secretHash;
      row.rotatedAt = rotation.at;
      const latest = rotation.expiresNoLaterThan;
      if (latest !== undefined && (row.expiresAt == null || row.expiresAt > latest)) row.expiresAt = latest;
      await em.flush();
      return toKeyRecord(row);
    });
  }

  /** Marks the key revoked (keeping the first revocation time); undefined when it is not the account's. */
  async revoke(id: string, accountId: string, at: Date): Promise<ApiKeyRecord | undefined> {
    const em = this.#orm.em.fork();
    const row = await em.findOne(ApiKey, { id, account: accountId });
    if (!row) return undefined;
    row.revokedAt ??= at;
    await em.flush();
    return toKeyRecord(row);
  }

  /** Sets last_used_at for many keys in one statement per batch; never moves a time backwards. */
  async touch(lastUsed: ReadonlyMap<string, Date>): Promise<void> {
    const entries = [...lastUsed];
    const connection = this.#orm.em.getConnection();
    for (let start = 0; start < entries.length; start += TOUCH_BATCH) {
      const batch = entries.slice(start, start + TOUCH_BATCH);
      const values = batch.map(() => '(?, ?::timestamptz)').join(', ');
      await connection.execute(
        `update api_keys as k set last_used_at = v.used_at from (values ${values}) as v(id, used_at)
         where k.id = v.id and (k.last_used_at is null or k.last_used_at < v.used_at)`,
        batch.flatMap(([id, at]) => [id, at.toISOString()]),
      );
    }
  }
}

function toKeyRecord(row: ApiKey): ApiKeyRecord {
  return {
    id: row.id,
    accountId: row.account.id,
    name: row.name,
    keyPrefix: row.keyPrefix,
    scopes: row.scopes,
    allowedIps: row.allowedIps,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt ?? null,
    revokedAt: row.revokedAt ?? null,
    lastUsedAt: row.lastUsedAt ?? null,
    rotatedAt: row.rotatedAt ?? null,
    previousSecretExpiresAt: row.previousSecretExpiresAt ?? null,
  };
}

function toAccountRecord(row: Account): AccountRecord {
  return { id: row.id, email: row.email, plan: row.plan, createdAt: row.createdAt, updatedAt: row.updatedAt };
}
