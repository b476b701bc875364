// What services record about the request that asked them for something.
import type { AppContext } from './context.ts';
import type { AuditLog, RequestMeta } from '../audit/audit-log.ts';
import type { ChangeOrigin } from '../auth/api-keys.ts';
import type { Principal, UserPrincipal } from '../auth/principal.ts';

export function requestMeta(ctx: AppContext): RequestMeta {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined, requestId: ctx.state.requestId };
}

/** The signed-in user of an operation whose spec admits only user sessions. */
export function signedInUser(principal: Principal | undefined): UserPrincipal {
  if (principal?.kind !== 'user') throw new Error('operation reached without a user session: check its security in the spec');
  return principal;
}

/** The principal of an operation the spec secures: set by authentication before any handler runs. */
function authenticated(principal: Principal | undefined): Principal {
  if (principal === undefined) throw new Error('operation reached without credentials: check its security in the spec');
  return principal;
}

/** The account an authenticated operation acts for, whichever credential was used. */
export function accountOf(principal: Principal | undefined): string {
  return authenticated(principal).accountId;
}

/** Who made a change and from where, for the audit entry the service writes. */
export function changeOrigin(ctx: AppContext, principal: Principal | undefined, audit: AuditLog): ChangeOrigin {
  const actor = authenticated(principal);
  return { audit, meta: requestMeta(ctx), actorType: actor.kind, actorId: actor.kind === 'key' ? actor.keyId : actor.accountId };
}
