// DELETE /v1/me: the erasure plan (erasure.ts) in one transaction, then the credentials this
// process still trusts from memory are dropped, so the account's access tokens and API keys are
// refused from the next request on. Other processes drop theirs when their caches expire (API
// keys: config.apiKeys.cacheTtlMs; sessions: session-status.ts); what those requests write
// meanwhile is erased again by eraseStragglers(), which the sweep runs every minute.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ApiKeyService } from '../auth/api-keys.ts';
import type { Clock } from '../auth/identity.ts';
import type { SessionTokens } from '../auth/session-tokens.ts';
import { AuditRecord } from '../db/audit-entities.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/orm.ts';
import type { Logger } from '../observability/logger.ts';
import { ERASURE_PLAN } from './erasure.ts';

export interface CredentialCaches {
  keys: Pick<ApiKeyService, 'forgetKeys'>;
  sessions: Pick<SessionTokens, 'forgetSessions'>;
}

const DELETED = 'account.deleted';

export class AccountErasure {
  readonly #db: Database;
  readonly #audit: Pick<AuditLog, 'flush'>;
  readonly #caches: CredentialCaches;
  readonly #log: Logger;
  readonly #now: Clock;

  constructor(db: Database, audit: Pick<AuditLog, 'flush'>, caches: CredentialCaches, log: Logger, now: Clock) {
    this.#db = db;
    this.#audit = audit;
    this.#caches = caches;
    this.#log = log;
    this.#now = now;
  }

  /** Erases the account; a no-op for one already erased (two requests at once both answer 204). */
  async erase(accountId: string, requestId: string): Promise<void> {
    // The account's events this process still buffers must be in the table before it is anonymised.
    await this.#audit.flush();
    const credentials = await this.#db.orm.em.fork().transactional(async (em) => {
      // Locked: anything referring to the account waits for this transaction, then finds it gone.
      const [found] = await em.execute<{ id: string }[]>('select id from accounts where id = ? for update', [accountId]);
      if (found === undefined) return undefined;
      const sessions = await em.execute<{ session_id: string }[]>('select distinct session_id from refresh_tokens where account_id = ?', [accountId]);
      const keys = await em.execute<{ key_prefix: string }[]>('select key_prefix from api_keys where account_id = ?', [accountId]);
      await applyPlan(em, accountId);
      await em.insert(AuditRecord, deletedEvent(accountId, requestId, this.#now()));
      return { sessionIds: sessions.map((row) => row.session_id), lookupIds: keys.map((row) => row.key_prefix) };
    });
    if (credentials === undefined) return;
    this.#caches.sessions.forgetSessions(credentials.sessionIds);
    this.#caches.keys.forgetKeys(credentials.lookupIds);
    this.#log.info({ audit: true, action: DELETED, account_id: accountId }, 'account erased');
  }

  /**
   * Applies the plan again to the accounts erased since `since`: rows that requests admitted before
   * the erasure wrote after it (usage flushed late, audit events another process buffered). Only
   * for ids no account holds any more, so a live account can never be reached. Returns how many.
   */
  async eraseStragglers(since: Date): Promise<number> {
    const erased = await this.#db.orm.em.fork().execute<{ account_id: string }[]>(
      `select distinct account_id from audit_events
       where id >= ? and action = ? and account_id is not null and account_id not in (select id from accounts)`,
      [newId('aud', since.getTime()), DELETED],
    );
    for (const { account_id: accountId } of erased) {
      await this.#db.orm.em.fork().transactional((em) => applyPlan(em, accountId));
    }
    return erased.length;
  }
}

async function applyPlan(em: EntityManager, accountId: string): Promise<void> {
  for (const step of ERASURE_PLAN) {
    if (step.action !== 'keep') await em.execute(step.sql, [accountId]);
  }
}

/** What the trail keeps of the deletion itself: no address, client or actor, like the rest. */
function deletedEvent(accountId: string, requestId: string, at: Date): AuditRecord {
  return {
    id: newId('aud', at.getTime()),
    accountId,
    actorType: 'user',
    actorId: null,
    action: DELETED,
    outcome: 'success',
    ip: null,
    userAgent: null,
    requestId,
    details: {},
    createdAt: at,
  };
}
