// The tables of data rights (issue 4 §5): every consent change an account made, and the exports of
// its data. Both belong to the account: deleting it deletes them (the erasure plan also does so
// explicitly, data-rights/erasure.ts).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Account } from './entities.ts';

// By entity name, not the imported value: entities.ts imports this file (identity-entities.ts says why).
const account = () => p.manyToOne('Account' as unknown as typeof Account).deleteRule('cascade');

export const EXPORT_STATUSES = ['queued', 'running', 'ready', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * One PUT /v1/me/consents: the whole set as it was recorded, when and from where. The newest row
 * is the current set, so "current" and "history" can never disagree.
 */
export const ConsentRecord = defineEntity({
  name: 'ConsentRecord',
  tableName: 'consent_records',
  properties: {
    id: p.text().primary(),
    account: account(),
    marketingEmails: p.boolean(),
    productAnalytics: p.boolean(),
    // text, not inet: it is shown back exactly as it was seen.
    ip: p.text().nullable(),
    recordedAt: p.datetime(),
  },
  // An account's records in order; ids sort by creation time.
  indexes: [{ properties: ['account', 'id'] }],
});
export type ConsentRecord = InferEntity<typeof ConsentRecord>;

export const DataExport = defineEntity({
  name: 'DataExport',
  tableName: 'data_exports',
  properties: {
    id: p.text().primary(),
    account: account(),
    status: p.enum(EXPORT_STATUSES),
    createdAt: p.datetime(),
    finishedAt: p.datetime().nullable(),
    /** Set when ready; the archive is deleted then, and the row answers 410 until it is swept too. */
    expiresAt: p.datetime().nullable(),
    /** The DataExportArchive, while ready and unexpired; null otherwise. */
    archive: p.json<object>().nullable(),
  },
  indexes: [{ properties: ['account', 'id'] }, { properties: ['expiresAt'] }],
});
export type DataExport = InferEntity<typeof DataExport>;

export const DATA_RIGHTS_ENTITIES = [ConsentRecord, DataExport];
