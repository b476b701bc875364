// The audit log's table. Rows are written in batches by AuditLog and never changed: the triggers
// below (and one in the migration, for TRUNCATE) make the database itself refuse it.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const AUDIT_ACTOR_TYPES = ['user', 'key', 'anonymous', 'system'] as const;
export const AUDIT_OUTCOMES = ['success', 'failure'] as const;

export type AuditDetails = Record<string, string | number | boolean | null>;

const ANONYMISED = `new.ip is null and new.user_agent is null and new.actor_id is null and new.details = '{}'::jsonb`;
const KEPT = ['id', 'account_id', 'actor_type', 'action', 'outcome', 'request_id', 'created_at'];
const UNCHANGED = `(${KEPT.map((c) => `new.${c}`).join(', ')}) is not distinct from (${KEPT.map((c) => `old.${c}`).join(', ')})`;
const REFUSE = `raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege';`;

export const AuditRecord = defineEntity({
  name: 'AuditRecord',
  tableName: 'audit_events',
  properties: {
    id: p.text().primary(),
    // No foreign key: the trail must outlive the account it is about (erasure anonymises it instead).
    accountId: p.text().nullable(),
    actorType: p.enum(AUDIT_ACTOR_TYPES),
    actorId: p.text().nullable(),
    action: p.text(),
    outcome: p.enum(AUDIT_OUTCOMES),
    // text, not inet: a malformed address must not make the batch it travels in fail.
    ip: p.text().nullable(),
    userAgent: p.text().nullable(),
    requestId: p.text().nullable(),
    details: p.json<AuditDetails>(),
    createdAt: p.datetime(),
  },
  // An account's events newest first, all of them or one action's; ids sort by creation time.
  indexes: [{ properties: ['accountId', 'id'] }, { properties: ['accountId', 'action', 'id'] }],
  // Append-only, enforced where no application bug can get around it. The one change allowed is the
  // anonymisation a GDPR erasure needs, and only in full and on nothing else:
  //   update audit_events set ip = null, user_agent = null, actor_id = null, details = '{}' where account_id = $1
  // TRUNCATE is refused by a statement trigger written in the migration by hand: MikroORM reads
  // triggers back from information_schema, which lists no TRUNCATE triggers, so it cannot own one.
  triggers: [
    {
      name: 'append_only',
      timing: 'before',
      events: ['update', 'delete'],
      forEach: 'row',
      body: `if tg_op = 'UPDATE' and ${ANONYMISED} and ${UNCHANGED} then return new; end if; ${REFUSE}`,
    },
  ],
});
export type AuditRecord = InferEntity<typeof AuditRecord>;
