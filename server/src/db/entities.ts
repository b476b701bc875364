// The tables, described once: the migrations are generated from these definitions and a test checks
// that the committed migrations and the definitions still agree.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

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
  },
  // Listing an account's keys walks (account_id, id); ids sort by creation time.
  indexes: [{ properties: ['account', 'id'] }],
});
export type ApiKey = InferEntity<typeof ApiKey>;

export const ENTITIES = [Account, ApiKey];
