// The SQL behind Idempotency-Key (http/idempotency.ts). A key is claimed by one atomic statement,
// so of any number of identical requests arriving at once exactly one runs.
import type { MikroORM } from '@mikro-orm/postgresql';

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** Sealed; http/idempotency.ts opens it. Null when withheld: the body held a secret shown once. */
  body: Buffer | null;
  /** With a withheld body: the id of the object the withheld secret belongs to, for the replay to name. */
  resourceId: string | null;
}

export type Claim =
  | { outcome: 'claimed' }
  /** The key's first request is still running. */
  | { outcome: 'in_flight' }
  /** The key was used for another request (method, path or body). */
  | { outcome: 'mismatch' }
  | { outcome: 'done'; response: StoredResponse };

export interface ClaimRequest {
  accountId: string;
  key: string;
  fingerprint: Buffer;
  now: Date;
  /** Until when the claim holds before a retry may presume the first request dead. */
  lockedUntil: Date;
  expiresAt: Date;
}

interface ExistingRow {
  fingerprint: Buffer;
  state: 'in_flight' | 'done';
  live: boolean;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: Buffer | null;
  resource_id: string | null;
}

// A claim races only with its own key's rows changing under it (a release, an expiry); after this
// many rounds the request is told to retry rather than spin.
const CLAIM_ROUNDS = 3;
const PURGE_BATCH = 1_000;

export class IdempotencyStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async claim(request: ClaimRequest): Promise<Claim> {
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      if (await this.#tryClaim(request)) return { outcome: 'claimed' };
      const row = await this.#existing(request);
      // Gone (released after a 5xx) or expired since the claim was tried: claim again.
      if (row === undefined || !row.live) continue;
      if (!row.fingerprint.equals(request.fingerprint)) return { outcome: 'mismatch' };
      if (row.state === 'in_flight' || row.response_status === null) return { outcome: 'in_flight' };
      const response = { status: row.response_status, headers: row.response_headers ?? {}, body: row.response_body, resourceId: row.resource_id };
      return { outcome: 'done', response };
    }
    return { outcome: 'in_flight' };
  }

  /**
   * Stores the response of the claim made at `claimedAt` (a claim is known by its time); false when
   * that claim was lost: its lock expired and a retry took the key over.
   */
  async complete(accountId: string, key: string, claimedAt: Date, response: StoredResponse): Promise<boolean> {
    const rows = await this.#orm.em.fork().execute(
      `update idempotency_keys set state = 'done', locked_until = null, response_status = ?, response_headers = ?::jsonb, response_body = ?, resource_id = ?
       where account_id = ? and key = ? and created_at = ? and state = 'in_flight' returning 1`,
      [response.status, JSON.stringify(response.headers), response.body, response.resourceId, accountId, key, claimedAt],
    );
    return rows.length === 1;
  }

  /** Frees the claim made at `claimedAt`, so a retry runs the request again (after a 5xx, per the draft). */
  async release(accountId: string, key: string, claimedAt: Date): Promise<void> {
    await this.#orm.em
      .fork()
      .execute(`delete from idempotency_keys where account_id = ? and key = ? and created_at = ? and state = 'in_flight'`, [accountId, key, claimedAt]);
  }

  /** Deletes one batch of expired keys; true when there may be more. */
  async purgeExpired(now: Date): Promise<boolean> {
    const rows = await this.#orm.em.fork().execute(
      `delete from idempotency_keys where ctid in (select ctid from idempotency_keys where expires_at <= ? limit ${PURGE_BATCH}) returning 1`,
      [now],
    );
    return rows.length === PURGE_BATCH;
  }

  /**
   * Inserts the claim, or takes over a row that no longer holds: expired, or in flight past its
   * lock for this same request (its first attempt died). Row locks make it one winner at a time.
   */
  async #tryClaim(r: ClaimRequest): Promise<boolean> {
    const rows = await this.#orm.em.fork().execute(
      `insert into idempotency_keys as k (account_id, key, fingerprint, state, locked_until, created_at, expires_at)
       values (?, ?, ?, 'in_flight', ?, ?, ?)
       on conflict (account_id, key) do update set
         fingerprint = excluded.fingerprint, state = 'in_flight', locked_until = excluded.locked_until,
         created_at = excluded.created_at, expires_at = excluded.expires_at,
         response_status = null, response_headers = null, response_body = null, resource_id = null
       where k.expires_at <= excluded.created_at
          or (k.state = 'in_flight' and k.locked_until <= excluded.created_at and k.fingerprint = excluded.fingerprint)
       returning 1`,
      [r.accountId, r.key, r.fingerprint, r.lockedUntil, r.now, r.expiresAt],
    );
    return rows.length === 1;
  }

  async #existing(r: ClaimRequest): Promise<ExistingRow | undefined> {
    const rows = await this.#orm.em.fork().execute<ExistingRow[]>(
      `select fingerprint, state, expires_at > ? as live, response_status, response_headers, response_body, resource_id
       from idempotency_keys where account_id = ? and key = ?`,
      [r.now, r.accountId, r.key],
    );
    return rows[0];
  }
}
