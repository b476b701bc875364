// What services record about the request that asked them for something.
import type { AppContext } from './context.ts';
import type { RequestMeta } from '../audit/audit-log.ts';
import type { Principal, UserPrincipal } from '../auth/principal.ts';

export function requestMeta(ctx: AppContext): RequestMeta {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined, requestId: ctx.state.requestId };
}

/** The signed-in user of an operation whose spec admits only user sessions. */
export function signedInUser(principal: Principal | undefined): UserPrincipal {
  if (principal?.kind !== 'user') throw new Error('operation reached without a user session: check its security in the spec');
  return principal;
}
