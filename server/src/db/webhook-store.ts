// Every query behind the webhook operations: endpoints, their delivery attempts, events, replays.
// Each call works on a fresh EntityManager fork, and every lookup is scoped to the account, so
// another account's endpoint or event reads as missing.
import { LockMode } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { endPendingDeliveries, queueDeliveries, subscribedEndpoints } from './outbox-store.ts';
import { afterCursor, type PageRequest } from './pagination.ts';
import { WebhookDelivery, WebhookEndpoint, WebhookEvent } from './webhook-entities.ts';
import type { Plan } from './entities.ts';

export interface EndpointRecord {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  secretRotatedAt: Date | null;
}

export interface NewEndpoint {
  id: string;
  accountId: string;
  url: string;
  description: string | null;
  events: string[];
  sealedSecret: Buffer;
}

export interface EndpointChanges {
  url?: string;
  description?: string | null;
  events?: string[];
  /** false pauses with this reason; true resumes. */
  enabled?: { value: true } | { value: false; reason: string };
}

export interface SecretRotation {
  sealedSecret: Buffer;
  at: Date;
  /** Until when the secret being replaced still signs deliveries. */
  previousSecretExpiresAt: Date;
}

export type ReplayOutcome = { queued: number } | 'no-event' | 'no-endpoint';

export class WebhookStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  /**
   * Inserts the endpoint unless the account already has as many as its plan allows (`allowed`);
   * then returns that limit instead. The account's row is locked while its endpoints are counted,
   * so concurrent creates are counted one after another, against the plan the account has now.
   */
  insertEndpoint(endpoint: NewEndpoint, allowed: (plan: Plan) => number): Promise<EndpointRecord | { limit: number }> {
    return this.#orm.em.fork().transactional(async (em) => {
      // NO KEY UPDATE: it queues creates behind each other, not the rows that merely refer to the account.
      const [account] = await em.execute<{ plan: Plan }[]>('select plan from accounts where id = ? for no key update', [endpoint.accountId]);
      if (account === undefined) throw new Error(`no account ${endpoint.accountId} to add a webhook endpoint to`);
      const limit = allowed(account.plan);
      if ((await em.count(WebhookEndpoint, { account: endpoint.accountId })) >= limit) return { limit };
      const row = em.create(WebhookEndpoint, {
        id: endpoint.id,
        account: endpoint.accountId,
        url: endpoint.url,
        description: endpoint.description,
        events: endpoint.events,
        enabled: true,
        secret: endpoint.sealedSecret,
      });
      await em.flush();
      return toEndpointRecord(row);
    });
  }

  /** The account's endpoints, newest first: `request.limit + 1` of them, for page(). */
  async listEndpoints(accountId: string, request: PageRequest): Promise<EndpointRecord[]> {
    const rows = await this.#orm.em
      .fork()
      .find(WebhookEndpoint, { account: accountId, ...afterCursor(request.cursor, 'whep') }, { orderBy: { id: 'desc' }, limit: request.limit + 1 });
    return rows.map(toEndpointRecord);
  }

  async findEndpoint(id: string, accountId: string): Promise<EndpointRecord | undefined> {
    const row = await this.#orm.em.fork().findOne(WebhookEndpoint, { id, account: accountId });
    return row ? toEndpointRecord(row) : undefined;
  }

  /** Applies the changes to one of the account's endpoints; pausing ends its pending deliveries. */
  updateEndpoint(id: string, accountId: string, changes: EndpointChanges): Promise<EndpointRecord | undefined> {
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(WebhookEndpoint, { id, account: accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) return undefined;
      if (changes.url !== undefined && changes.url !== row.url) {
        row.url = changes.url;
        // A new address starts with a clean record: the old one's failures say nothing about it.
        row.failingSince = null;
      }
      if (changes.description !== undefined) row.description = changes.description;
      if (changes.events !== undefined) row.events = changes.events;
      if (changes.enabled?.value === true) {
        row.enabled = true;
        row.disabledReason = null;
        row.failingSince = null;
      } else if (changes.enabled?.value === false && row.enabled) {
        row.enabled = false;
        row.disabledReason = changes.enabled.reason;
        await endPendingDeliveries(em, id);
      }
      // Always touched, so updated_at says when the account last changed the endpoint.
      row.updatedAt = new Date();
      await em.flush();
      return toEndpointRecord(row);
    });
  }

  /** Deletes the endpoint with its pending deliveries and attempts; false when it is not the account's. */
  async deleteEndpoint(id: string, accountId: string): Promise<boolean> {
    const deleted = await this.#orm.em.fork().nativeDelete(WebhookEndpoint, { id, account: accountId });
    return deleted > 0;
  }

  /** Replaces the endpoint's secret, keeping the current one as the previous (an older one stops). */
  rotateSecret(id: string, accountId: string, rotation: SecretRotation): Promise<EndpointRecord | undefined> {
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(WebhookEndpoint, { id, account: accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) return undefined;
      row.previousSecret = row.secret;
      row.previousSecretExpiresAt = rotation.previousSecretExpiresAt;
      row.secret = rotation.sealedSecret;
      row.secretRotatedAt = rotation.at;
      row.updatedAt = rotation.at;
      await em.flush();
      return toEndpointRecord(row);
    });
  }

  /** The endpoint's attempts, newest first (`limit + 1`); undefined when it is not the account's. */
  async listAttempts(endpointId: string, accountId: string, request: PageRequest): Promise<WebhookDelivery[] | undefined> {
    const em = this.#orm.em.fork();
    if ((await em.count(WebhookEndpoint, { id: endpointId, account: accountId })) === 0) return undefined;
    return em.find(
      WebhookDelivery,
      { endpoint: endpointId, ...afterCursor(request.cursor, 'whdl') },
      { orderBy: { id: 'desc' }, limit: request.limit + 1 },
    );
  }

  /** The account's events, newest first (`limit + 1`), all or one type's. */
  listEvents(accountId: string, type: string | undefined, request: PageRequest): Promise<WebhookEvent[]> {
    return this.#orm.em.fork().find(
      WebhookEvent,
      { account: accountId, ...(type === undefined ? {} : { type }), ...afterCursor(request.cursor, 'evt') },
      { orderBy: { id: 'desc' }, limit: request.limit + 1 },
    );
  }

  /**
   * Queues the account's event again, with its id unchanged: to the endpoint named, when it is
   * enabled, else to every enabled endpoint subscribed to its type.
   */
  replay(eventId: string, accountId: string, endpointId: string | undefined, at: Date): Promise<ReplayOutcome> {
    return this.#orm.em.fork().transactional(async (em) => {
      // Shared lock: the retention sweep (webhook-retention-store.ts) skips the event, or has already deleted it.
      const event = await em.findOne(WebhookEvent, { id: eventId, account: accountId }, { lockMode: LockMode.PESSIMISTIC_READ });
      if (!event) return 'no-event';
      let endpointIds: string[];
      if (endpointId === undefined) {
        endpointIds = await subscribedEndpoints(em, accountId, event.type);
      } else {
        const endpoint = await em.findOne(WebhookEndpoint, { id: endpointId, account: accountId });
        if (!endpoint) return 'no-endpoint';
        endpointIds = endpoint.enabled ? [endpoint.id] : [];
      }
      await queueDeliveries(em, { eventId, accountId, endpointIds, at });
      return { queued: endpointIds.length };
    });
  }
}

function toEndpointRecord(row: WebhookEndpoint): EndpointRecord {
  return {
    id: row.id,
    url: row.url,
    description: row.description ?? null,
    events: row.events,
    enabled: row.enabled,
    disabledReason: row.disabledReason ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    secretRotatedAt: row.secretRotatedAt ?? null,
  };
}
