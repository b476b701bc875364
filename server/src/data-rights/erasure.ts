// The erasure plan (DELETE /v1/me, GDPR Art. 17): for every table, what erasing an account does to
// its rows, as data. account-erasure.ts runs the statements in this order in one transaction, and
// a test fails for any table of the public schema this plan does not name, so a table added later
// cannot be forgotten. Every statement takes the account id as its one parameter.
//
// Decisions:
// - The account row is deleted, not blanked: nothing about the person needs to outlive it, and
//   its email is free to sign up again. Its id survives only in the audit trail (below).
// - Usage, jobs, webhooks, exports and consents are deleted, not kept "anonymised": each row is
//   about the account and nothing else, and none is needed once the account is gone.
// - The audit trail is append-only (audit-entities.ts); its one allowed change blanks everything
//   personal and keeps what happened, when, and under which (now unlinkable) account id.
// - pg-boss rows carry object ids only (jobs/queue.ts); they are found through our rows, so they
//   go first, before the rows that lead to them. Deleting a queued job's row cancels it; a run
//   already going finds its own row gone and writes nothing.
// - Idempotency keys go too: a stored response may repeat anything the account was shown.

import { ABANDONED_QUEUE, CONVERSION_QUEUE } from '../jobs/job-queues.ts';
import { QUEUE_SCHEMA } from '../jobs/queue.ts';
import { EXPORT_QUEUE } from './exports.ts';

export type ErasureStep =
  | { table: string; action: 'delete'; sql: string }
  | { table: string; action: 'anonymise'; sql: string; kept: readonly string[]; reason: string }
  | { table: string; action: 'keep'; reason: string };

const QUEUE_JOBS = `${QUEUE_SCHEMA}.job`;

const byAccount = (table: string): ErasureStep => ({ table, action: 'delete', sql: `delete from "${table}" where account_id = ?` });

export const ERASURE_PLAN: readonly ErasureStep[] = [
  {
    table: QUEUE_JOBS,
    action: 'delete',
    sql: `delete from ${QUEUE_JOBS} where name = '${EXPORT_QUEUE}' and data->>'export_id' in (select id from data_exports where account_id = ?)`,
  },
  {
    table: QUEUE_JOBS,
    action: 'delete',
    // The dead letter queue holds copies of the messages it took over, under ids of its own.
    sql: `delete from ${QUEUE_JOBS} where name in ('${CONVERSION_QUEUE}', '${ABANDONED_QUEUE}') and data->>'job_id' in (select id from jobs where account_id = ?)`,
  },
  byAccount('job_payloads'),
  byAccount('jobs'),
  byAccount('webhook_outbox'),
  byAccount('webhook_deliveries'),
  byAccount('webhook_events'),
  byAccount('webhook_endpoints'),
  byAccount('api_key_expiry_notices'),
  byAccount('idempotency_keys'),
  byAccount('usage_minutes'),
  byAccount('usage_months'),
  byAccount('consent_records'),
  byAccount('data_exports'),
  byAccount('refresh_tokens'),
  byAccount('recovery_codes'),
  byAccount('oidc_identities'),
  byAccount('api_keys'),
  {
    table: 'audit_events',
    action: 'anonymise',
    // The one UPDATE the table's trigger allows (audit-entities.ts), exactly.
    sql: `update audit_events set ip = null, user_agent = null, actor_id = null, details = '{}' where account_id = ?`,
    kept: ['id', 'account_id', 'actor_type', 'action', 'outcome', 'request_id', 'created_at'],
    reason: 'the security trail must outlive the account; what it keeps names no person once the account row is gone',
  },
  { table: 'accounts', action: 'delete', sql: 'delete from accounts where id = ?' },
  { table: 'spent_mfa_tokens', action: 'keep', reason: 'a spent token id and its expiry; no account, purged at expiry' },
  { table: 'mikro_orm_migrations', action: 'keep', reason: 'the schema history; no account data' },
];
