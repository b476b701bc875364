// Usage rollups (issue 4 §4): requests per account, API key, operation, status and minute, written in
// batches by usage/usage-meter.ts; and each account's requests per calendar month (UTC), kept
// beside them so the monthly quota is one primary-key read, not a sum over a month of minutes.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Account } from './entities.ts';

// By entity name, not value: entities.ts imports this file for ENTITIES (identity-entities.ts).
const account = () => p.manyToOne('Account' as unknown as typeof Account).deleteRule('cascade');

export const UsageMinute = defineEntity({
  name: 'UsageMinute',
  tableName: 'usage_minutes',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    account: account(),
    /** Null for a signed-in user's requests (no API key). */
    keyId: p.text().nullable(),
    operationId: p.text(),
    /**
     * The HTTP status answered (why whole, not a class: usage/usage-buffer.ts). Null only on rows
     * written before statuses were kept, which count requests and errors without it.
     */
    status: p.smallint().nullable(),
    minute: p.datetime(),
    requests: p.bigint('number'),
    /** Answered with a status of 400 or more. */
    errors: p.bigint('number'),
    bytesIn: p.bigint('number'),
    bytesOut: p.bigint('number'),
    durationMsSum: p.double(),
    durationMsMax: p.double(),
  },
  // The flush upserts on this; the migration makes it NULLS NOT DISTINCT so a user's requests (no
  // key) land in one row per minute too. Its leading (account, minute) serves every range query.
  uniques: [{ properties: ['account', 'minute', 'operationId', 'keyId', 'status'] }],
});
export type UsageMinute = InferEntity<typeof UsageMinute>;

export const UsageMonth = defineEntity({
  name: 'UsageMonth',
  tableName: 'usage_months',
  properties: {
    account: account().primary(),
    /** The month's first instant, UTC. */
    month: p.datetime().primary(),
    requests: p.bigint('number'),
  },
});
export type UsageMonth = InferEntity<typeof UsageMonth>;

export const USAGE_ENTITIES = [UsageMinute, UsageMonth];
