// The webhook tables (issue 4 §2): endpoints, the events an account's endpoints receive, the outbox
// of deliveries still to make, and every attempt made. Each row carries its account (indexed), so
// erasing an account reaches all of them.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Account } from './entities.ts';
import type { EventData } from '../webhooks/event-types.ts';

// By entity name, not by value: entities.ts imports this file (identity-entities.ts says why).
const account = () => p.manyToOne('Account' as unknown as typeof Account).deleteRule('cascade');

export const OUTBOX_STATES = ['pending', 'delivered', 'dead'] as const;
export const ATTEMPT_STATUSES = ['succeeded', 'failed'] as const;

const now = () => new Date();

export const WebhookEndpoint = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoints',
  properties: {
    id: p.text().primary(),
    account: account(),
    url: p.text(),
    description: p.text().nullable(),
    events: p.array(),
    enabled: p.boolean().default(true),
    disabledReason: p.text().nullable(),
    /** The signing key (the bytes behind whsec_), sealed by webhooks/secrets.ts, bound to the endpoint id. */
    secret: p.blob().$type<Buffer>(),
    /** The key before the last rotation: deliveries are signed with it too until previousSecretExpiresAt. */
    previousSecret: p.blob().$type<Buffer>().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    secretRotatedAt: p.datetime().nullable(),
    /** Start of the current run of failed attempts; null after a success. Drives automatic disabling. */
    failingSince: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(now),
    updatedAt: p.datetime().onCreate(now).onUpdate(now),
  },
  indexes: [{ properties: ['account', 'id'] }],
});
export type WebhookEndpoint = InferEntity<typeof WebhookEndpoint>;

export const WebhookEvent = defineEntity({
  name: 'WebhookEvent',
  tableName: 'webhook_events',
  properties: {
    id: p.text().primary(),
    account: account(),
    type: p.text(),
    data: p.json<EventData>(),
    createdAt: p.datetime(),
  },
  // Listing newest first, all events or one type's; ids sort by creation time.
  indexes: [{ properties: ['account', 'id'] }, { properties: ['account', 'type', 'id'] }],
});
export type WebhookEvent = InferEntity<typeof WebhookEvent>;

/** One event still to deliver to one endpoint (the transactional outbox). */
export const WebhookOutbox = defineEntity({
  name: 'WebhookOutbox',
  tableName: 'webhook_outbox',
  properties: {
    id: p.text().primary(),
    account: account(),
    event: p.manyToOne(WebhookEvent).deleteRule('cascade'),
    endpoint: p.manyToOne(WebhookEndpoint).deleteRule('cascade'),
    state: p.enum(OUTBOX_STATES),
    /** Attempts recorded so far. */
    attempts: p.integer().default(0),
    /** When the next attempt is due; while an attempt runs, the end of its lease. */
    nextAttemptAt: p.datetime(),
    createdAt: p.datetime().onCreate(now),
  },
  // The worker's claim walks (state, next_attempt_at); the others serve cascades and erasure.
  indexes: [
    { properties: ['state', 'nextAttemptAt'] },
    { properties: ['account'] },
    { properties: ['event'] },
    { properties: ['endpoint'] },
  ],
});
export type WebhookOutbox = InferEntity<typeof WebhookOutbox>;

/** One attempt to deliver an event (the spec's WebhookDelivery). */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: {
    id: p.text().primary(),
    account: account(),
    endpoint: p.manyToOne(WebhookEndpoint).deleteRule('cascade'),
    event: p.manyToOne(WebhookEvent).deleteRule('cascade'),
    eventType: p.text(),
    attempt: p.integer(),
    status: p.enum(ATTEMPT_STATUSES),
    responseStatus: p.integer().nullable(),
    /** Whole milliseconds. */
    latencyMs: p.integer().nullable(),
    responseExcerpt: p.text().nullable(),
    error: p.text().nullable(),
    createdAt: p.datetime(),
  },
  indexes: [{ properties: ['endpoint', 'id'] }, { properties: ['account'] }, { properties: ['event'] }],
});
export type WebhookDelivery = InferEntity<typeof WebhookDelivery>;

/** An api_key.expiring event was recorded for this key: it is sent once per key. */
export const ApiKeyExpiryNotice = defineEntity({
  name: 'ApiKeyExpiryNotice',
  tableName: 'api_key_expiry_notices',
  properties: {
    keyId: p.text().primary(),
    account: account(),
    createdAt: p.datetime().onCreate(now),
  },
  indexes: [{ properties: ['account'] }],
});
export type ApiKeyExpiryNotice = InferEntity<typeof ApiKeyExpiryNotice>;

export const WEBHOOK_ENTITIES = [WebhookEndpoint, WebhookEvent, WebhookOutbox, WebhookDelivery, ApiKeyExpiryNotice];
