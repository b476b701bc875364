// The tables, described once: the migrations are generated from these definitions and a test checks
// that the committed migrations and the definitions still agree.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AuditRecord } from './audit-entities.ts';
import { IDENTITY_ENTITIES } from './identity-entities.ts';
import { DATA_RIGHTS_ENTITIES } from './data-rights-entities.ts';
import { WEBHOOK_ENTITIES } from './webhook-entities.ts';
import { JOB_ENTITIES } from './job-entities.ts';
import { IdempotencyRecord } from './idempotency-entities.ts';
import { USAGE_ENTITIES } from './usage-entities.ts';

export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

const now = () => new Date();

export const Account = defineEntity({
  name: 'Account',
  tableName: 'accounts',
  properties: {
    id: p.text().primary(),
    // Stored lowercased so the unique index is also case-insensitive without a functional index.
    email: p.text().unique().check('email = lower(email)'),
    plan: p.enum(PLANS),
    createdAt: p.datetime().onCreate(now),
    updatedAt: p.datetime().onCreate(now).onUpdate(now),
    /** argon2id PHC string; null for accounts that only sign in through an identity provider. */
    passwordHash: p.text().nullable(),
    name: p.text().nullable(),
    emailVerified: p.boolean().default(false),
    /** AES-256-GCM iv|tag|ciphertext, bound to the account id (auth/secret-box.ts). */
    totpSecret: p.blob().$type<Buffer>().nullable(),
    /** Set up but not yet confirmed by a code; becomes totpSecret on enable. */
    totpPendingSecret: p.blob().$type<Buffer>().nullable(),
    totpEnabledAt: p.datetime().nullable(),
    /** The last TOTP time step accepted: a code of that step or an earlier one is a replay. */
    totpLastStep: p.bigint('number').nullable(),
    /** Failed log-ins in a row (auth/login-throttle.ts). */
    failedLogins: p.integer().default(0),
    lockedUntil: p.datetime().nullable(),
    lastFailedLoginAt: p.datetime().nullable(),
  },
});
export type Account = InferEntity<typeof Account>;

export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: p.text().primary(),
    account: p.manyToOne(Account).deleteRule('cascade'),
    name: p.text(),
    /** The public lookup part of the key, the only part a request is matched by. */
    keyPrefix: p.text().unique(),
    /** HMAC-SHA256(pepper, secret): the secret itself is never stored. */
    secretHash: p.blob().$type<Buffer>(),
    scopes: p.array(),
    createdAt: p.datetime().onCreate(now),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
    /** CIDRs (IPv4 or IPv6) a request must come from; empty: anywhere. */
    allowedIps: p.array().default([]),
    rotatedAt: p.datetime().nullable(),
    /** The hash of the secret before the last rotation, accepted until previousSecretExpiresAt. */
    previousSecretHash: p.blob().$type<Buffer>().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
  },
  // Listing an account's keys walks (account_id, id); ids sort by creation time.
  indexes: [{ properties: ['account', 'id'] }],
});
export type ApiKey = InferEntity<typeof ApiKey>;

export const ENTITIES = [Account, ApiKey, AuditRecord, ...IDENTITY_ENTITIES, ...WEBHOOK_ENTITIES, ...DATA_RIGHTS_ENTITIES, ...JOB_ENTITIES, IdempotencyRecord, ...USAGE_ENTITIES];
