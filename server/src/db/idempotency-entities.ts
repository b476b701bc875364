// Idempotency keys (draft-ietf-httpapi-idempotency-key-header): one row per account and key, held
// while the first request runs, then holding its response for replay until it expires.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Account } from './entities.ts';

export const IDEMPOTENCY_STATES = ['in_flight', 'done'] as const;
export type IdempotencyState = (typeof IDEMPOTENCY_STATES)[number];

export const IdempotencyRecord = defineEntity({
  name: 'IdempotencyRecord',
  tableName: 'idempotency_keys',
  properties: {
    // By entity name, not value: entities.ts imports this file for ENTITIES (identity-entities.ts).
    // A key is the account's own: two accounts may pick the same one.
    account: p.manyToOne('Account' as unknown as typeof Account).deleteRule('cascade').primary(),
    key: p.text().primary(),
    /** SHA-256 of method, path and canonical body: the same key for another request is refused. */
    fingerprint: p.blob().$type<Buffer>(),
    state: p.enum(IDEMPOTENCY_STATES),
    /** While in flight: after this the first request is presumed dead and a retry may take over. */
    lockedUntil: p.datetime().nullable(),
    createdAt: p.datetime(),
    expiresAt: p.datetime().index(),
    responseStatus: p.integer().nullable(),
    responseHeaders: p.json<Record<string, string>>().nullable(),
    /**
     * Sealed (auth/secret-box.ts). Null for a success whose body held a secret shown once (the
     * operation's x-secret-once): the secret is never kept, so the body is not either.
     */
    responseBody: p.blob().$type<Buffer>().nullable(),
    /** With a withheld body: the id of the object whose secret it held, named by the E1011 a replay answers. */
    resourceId: p.text().nullable(),
  },
});
export type IdempotencyRecord = InferEntity<typeof IdempotencyRecord>;
