// Consents (GET/PUT /v1/me/consents): every PUT replaces the whole set and is kept, with its time
// and address, so the account can show what it agreed to and when (GDPR Art. 7(1)).
import { fromMeta, type RequestMeta } from '../audit/audit-log.ts';
import type { AuditRecorder, Clock } from '../auth/identity.ts';
import type { ConsentStore, StoredConsent } from '../db/consent-store.ts';
import type { components } from '../generated/api-types.ts';

export type ConsentSet = components['schemas']['ConsentSet'];
export type ConsentsView = components['schemas']['Consents'];
export type ConsentChange = ConsentsView['history'][number];

// Consent is opt-in: nothing recorded means nothing agreed to.
const NOTHING_AGREED: ConsentSet = { marketing_emails: false, product_analytics: false };
// The spec's bound on the history GET returns; the data export carries more.
const HISTORY_SHOWN = 1_000;

export class ConsentService {
  readonly #store: ConsentStore;
  readonly #audit: AuditRecorder;
  readonly #now: Clock;

  constructor(store: ConsentStore, audit: AuditRecorder, now: Clock) {
    this.#store = store;
    this.#audit = audit;
    this.#now = now;
  }

  /** The current set and the newest changes, oldest first. */
  async get(accountId: string): Promise<ConsentsView> {
    const history = await this.#store.newest(accountId, HISTORY_SHOWN);
    const current = history.at(-1);
    return {
      consents: current ? toSet(current) : NOTHING_AGREED,
      updated_at: current ? current.recordedAt.toISOString() : null,
      history: history.map(toChange),
    };
  }

  async replace(accountId: string, consents: ConsentSet, meta: RequestMeta): Promise<ConsentsView> {
    const choice = { marketingEmails: consents.marketing_emails, productAnalytics: consents.product_analytics };
    await this.#store.append(accountId, choice, meta.ip, this.#now());
    this.#audit.record({
      action: 'consents.updated',
      accountId,
      actorType: 'user',
      actorId: accountId,
      outcome: 'success',
      ...fromMeta(meta),
      details: { ...consents },
    });
    return this.get(accountId);
  }

  /** Up to `max` changes, oldest first, for the data export. */
  async history(accountId: string, max: number): Promise<ConsentChange[]> {
    return (await this.#store.newest(accountId, max)).map(toChange);
  }
}

function toSet(stored: StoredConsent): ConsentSet {
  return { marketing_emails: stored.marketingEmails, product_analytics: stored.productAnalytics };
}

function toChange(stored: StoredConsent): ConsentChange {
  return { consents: toSet(stored), recorded_at: stored.recordedAt.toISOString(), ip: stored.ip };
}
