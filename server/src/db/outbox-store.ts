// The outbox's queries: queueing deliveries inside the caller's transaction (events.ts), and the
// delivery worker's claim and bookkeeping. Each function takes the EntityManager whose transaction
// it belongs to.
//
// Lock order, to keep concurrent workers free of deadlocks: whatever changes an endpoint's pending
// deliveries takes the endpoint's row first (recordOutcome's first statement; an endpoint update or
// delete), then outbox rows. The claim takes outbox rows only, and skips locked ones.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventData } from '../webhooks/event-types.ts';
import { newId } from './ids.ts';
import { WebhookDelivery, WebhookEvent, WebhookOutbox, type ATTEMPT_STATUSES } from './webhook-entities.ts';

export interface EventRow {
  id: string;
  accountId: string;
  type: string;
  data: EventData;
  createdAt: Date;
}

/** A delivery the worker has leased, with everything one attempt needs. */
export interface ClaimedDelivery {
  outboxId: string;
  /** Attempts recorded before this one. */
  attempts: number;
  event: EventRow;
  endpoint: {
    id: string;
    url: string;
    secret: Buffer;
    previousSecret: Buffer | null;
    previousSecretExpiresAt: Date | null;
  };
}

export interface Attempt {
  outboxId: string;
  accountId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  /** 1 for the first attempt. */
  attempt: number;
  status: (typeof ATTEMPT_STATUSES)[number];
  responseStatus: number | null;
  latencyMs: number | null;
  responseExcerpt: string | null;
  error: string | null;
  at: Date;
}

/** What becomes of the delivery after an attempt. */
export type NextStep = { state: 'delivered' } | { state: 'dead' } | { state: 'pending'; at: Date };

export interface EndpointAfterAttempt {
  accountId: string;
  url: string;
  enabled: boolean;
  /** Null after a success. */
  failingSince: Date | null;
}

export async function insertEvent(em: EntityManager, row: EventRow): Promise<void> {
  await em.insert(WebhookEvent, { id: row.id, account: row.accountId, type: row.type, data: row.data, createdAt: row.createdAt });
}

/** The account's enabled endpoints subscribed to `type`. */
export async function subscribedEndpoints(em: EntityManager, accountId: string, type: string): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    'select id from webhook_endpoints where account_id = ? and enabled and ? = any(events) order by id',
    [accountId, type],
  );
  return rows.map((row) => row.id);
}

/** One pending delivery of the event per endpoint, due at once. */
export async function queueDeliveries(
  em: EntityManager,
  { eventId, accountId, endpointIds, at }: { eventId: string; accountId: string; endpointIds: readonly string[]; at: Date },
): Promise<void> {
  if (endpointIds.length === 0) return;
  await em.insertMany(
    WebhookOutbox,
    endpointIds.map((endpointId) => ({
      id: newId('whob', at.getTime()),
      account: accountId,
      event: eventId,
      endpoint: endpointId,
      state: 'pending' as const,
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
    })),
  );
}

/**
 * Leases up to `limit` due deliveries of enabled endpoints until `leaseUntil`, oldest due first.
 * SKIP LOCKED lets several workers claim at once without waiting for or repeating each other; a
 * worker that dies mid-attempt leaves its deliveries to be claimed again when the lease ends.
 */
export async function claimDue(em: EntityManager, { now, leaseUntil, limit }: { now: Date; leaseUntil: Date; limit: number }): Promise<ClaimedDelivery[]> {
  const rows = await em.execute<ClaimedRow[]>(
    `with claimed as (
       update webhook_outbox set next_attempt_at = ?
       where id in (
         select o.id from webhook_outbox o join webhook_endpoints e on e.id = o.endpoint_id
         where o.state = 'pending' and o.next_attempt_at <= ? and e.enabled
         order by o.next_attempt_at
         limit ?
         for update of o skip locked)
       returning id, attempts, event_id, endpoint_id)
     select c.id as outbox_id, c.attempts, v.id as event_id, v.account_id, v.type, v.data, v.created_at,
            e.id as endpoint_id, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at
     from claimed c join webhook_events v on v.id = c.event_id join webhook_endpoints e on e.id = c.endpoint_id`,
    [leaseUntil, now, limit],
  );
  return rows.map((row) => ({
    outboxId: row.outbox_id,
    attempts: row.attempts,
    event: { id: row.event_id, accountId: row.account_id, type: row.type, data: row.data, createdAt: new Date(row.created_at) },
    endpoint: {
      id: row.endpoint_id,
      url: row.url,
      secret: row.secret,
      previousSecret: row.previous_secret,
      previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : new Date(row.previous_secret_expires_at),
    },
  }));
}

interface ClaimedRow {
  outbox_id: string;
  attempts: number;
  event_id: string;
  account_id: string;
  type: string;
  data: EventData;
  created_at: Date | string;
  endpoint_id: string;
  url: string;
  secret: Buffer;
  previous_secret: Buffer | null;
  previous_secret_expires_at: Date | string | null;
}

/**
 * Records an attempt and what follows it, and notes the endpoint's success or failure. Undefined
 * when the endpoint was deleted meanwhile (nothing is recorded then). A delivery no longer pending
 * (its endpoint was disabled meanwhile) keeps its state; the attempt is recorded all the same.
 */
export async function recordOutcome(em: EntityManager, attempt: Attempt, next: NextStep): Promise<EndpointAfterAttempt | undefined> {
  const succeeded = attempt.status === 'succeeded';
  const [endpoint] = await em.execute<{ account_id: string; url: string; enabled: boolean; failing_since: Date | string | null }[]>(
    `update webhook_endpoints set failing_since = case when ? then null else coalesce(failing_since, ?) end
     where id = ? returning account_id, url, enabled, failing_since`,
    [succeeded, attempt.at, attempt.endpointId],
  );
  if (endpoint === undefined) return undefined;
  await em.execute(
    `update webhook_outbox set attempts = ?, state = ?, next_attempt_at = coalesce(?, next_attempt_at) where id = ? and state = 'pending'`,
    [attempt.attempt, next.state, next.state === 'pending' ? next.at : null, attempt.outboxId],
    'run',
  );
  await em.insert(WebhookDelivery, {
    id: newId('whdl', attempt.at.getTime()),
    account: attempt.accountId,
    endpoint: attempt.endpointId,
    event: attempt.eventId,
    eventType: attempt.eventType,
    attempt: attempt.attempt,
    status: attempt.status,
    responseStatus: attempt.responseStatus,
    latencyMs: attempt.latencyMs,
    responseExcerpt: attempt.responseExcerpt,
    error: attempt.error,
    createdAt: attempt.at,
  });
  return {
    accountId: endpoint.account_id,
    url: endpoint.url,
    enabled: endpoint.enabled,
    failingSince: endpoint.failing_since === null ? null : new Date(endpoint.failing_since),
  };
}

/**
 * Stops deliveries to the endpoint: disables it and ends its pending deliveries (replay brings an
 * event back). False when it was already disabled, so one disabling is announced once.
 */
export async function disableEndpoint(em: EntityManager, endpointId: string, reason: string, at: Date): Promise<boolean> {
  const disabled = await em.execute<{ id: string }[]>(
    'update webhook_endpoints set enabled = false, disabled_reason = ?, updated_at = ? where id = ? and enabled returning id',
    [reason, at, endpointId],
  );
  if (disabled.length === 0) return false;
  await endPendingDeliveries(em, endpointId);
  return true;
}

export async function endPendingDeliveries(em: EntityManager, endpointId: string): Promise<void> {
  await em.execute(`update webhook_outbox set state = 'dead' where endpoint_id = ? and state = 'pending'`, [endpointId], 'run');
}
