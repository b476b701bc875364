// Refresh-token rows are deleted once they can no longer matter, once a minute by whichever process
// takes the tick (a pg-boss schedule, like the job, webhook and data-rights sweeps), in bounded
// batches. Every login and every refresh adds a row, so without this the table only grows.
//
// When a row stops mattering:
// - A revoked token is refused, and presenting it again revokes nothing more (session-tokens.ts acts
//   only on spent tokens that are not revoked yet): the row is useless to the server at once. It is
//   kept REVOKED_KEPT_MS for incident response, which reads the addresses and user agents a signed-out
//   or reuse-revoked session refreshed from.
// - A spent token is what detects theft (RFC 9700 §4.14.2): whoever presents it second, the client
//   or a thief who refreshed first, revokes the whole family. Its holder may come back after the
//   token's own expiry (a client that was offline: the server refuses it for being expired, but the
//   family it reveals is still the thief's, and alive). So a spent row outlives its expiry by a
//   whole refresh-token lifetime: a client back within that time still revokes the thief's family.
//   A longer wait is not covered: for a family refreshed forever, keeping every spent row until the
//   family ends would grow the table by one row per refresh without bound.
// - A token never spent and expired can no longer be rotated, and reveals nothing if presented (it
//   was never used). It goes with the spent ones, by the same rule.
// The newest token of a session always expires last, so this never deletes a live session's last
// row; and an access token never outlives the row of the refresh token issued with it by more than
// ACCESS_TOKEN_TTL_S, which the wait covers too (session-status.ts reads "signed out" from the rows).
import type { Config } from '../config.ts';
import { deleteInBatches, type Batches } from '../db/batched-delete.ts';
import type { Database } from '../db/orm.ts';
import { RefreshTokenStore } from '../db/refresh-token-store.ts';
import { runEveryMinute, type PgBoss } from '../jobs/queue.ts';
import type { Logger } from '../observability/logger.ts';

export const REFRESH_TOKEN_PURGE_QUEUE = 'refresh-token-purge';
export const REVOKED_KEPT_MS = 7 * 86_400_000;
const BATCHES: Batches = { batch: 1_000, maxBatches: 20 };

export class RefreshTokenPurge {
  readonly #store: RefreshTokenStore;
  readonly #expiredKeptMs: number;
  readonly #batches: Batches;

  constructor(db: Database, config: Config, batches: Batches = BATCHES) {
    this.#store = new RefreshTokenStore(db.orm);
    this.#expiredKeptMs = Math.max(config.jwt.refreshTtlS, config.jwt.accessTtlS) * 1000;
    this.#batches = batches;
  }

  /** One tick: how many rows it deleted. */
  purge(now: Date = new Date()): Promise<number> {
    const expiredBefore = new Date(now.getTime() - this.#expiredKeptMs);
    const revokedBefore = new Date(now.getTime() - REVOKED_KEPT_MS);
    return deleteInBatches(this.#batches, (limit) => this.#store.purge(expiredBefore, revokedBefore, limit));
  }
}

/** Runs the purge where config.jobs.workers is on; otherwise returns a handle that does nothing. */
export async function startRefreshTokenPurge(boss: PgBoss, db: Database, config: Config, log: Logger): Promise<{ stop(): Promise<void> }> {
  if (!config.jobs.workers) return { stop: async () => {} };
  const purge = new RefreshTokenPurge(db, config);
  const purgeLog = log.child({ component: 'auth' });
  await runEveryMinute(boss, REFRESH_TOKEN_PURGE_QUEUE, async () => {
    const deleted = await purge.purge();
    if (deleted > 0) purgeLog.info({ deleted }, 'expired and revoked refresh tokens deleted');
  });
  return { stop: () => boss.offWork(REFRESH_TOKEN_PURGE_QUEUE, { wait: false }) };
}
