// audit: the account's security events, its own only.
import { signedInUser } from '../http/request-meta.ts';
import { pageOf } from './page.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Handler } from '../http/handler.ts';

export function auditHandlers(audit: AuditLog): { listAuditEvents: Handler<'listAuditEvents'> } {
  return {
    listAuditEvents: async ({ params, principal }) => ({
      status: 200,
      body: await audit.list(signedInUser(principal).accountId, { ...pageOf(params.query), action: params.query.action }),
    }),
  };
}
