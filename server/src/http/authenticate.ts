// API key authentication and scope checks, per the route's security from the spec. A key that
// was verified recently is answered from memory, without an await or a database round trip.
import { ApiError } from './problem.ts';
import type { AppContext } from './context.ts';
import type { RouteDefinition } from '../generated/routes.ts';
import type { Principal, VerifyResult } from '../auth/api-keys.ts';

export interface KeyVerifier {
  verify(presented: string): VerifyResult | Promise<VerifyResult>;
}

const BEARER = /^Bearer +(\S+)$/i;
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="transmute"' };

function presentedKey(ctx: AppContext): string | undefined {
  const header = ctx.get('x-api-key');
  if (header !== '') return header;
  return BEARER.exec(ctx.get('authorization'))?.[1];
}

/** Returns nothing when the principal is known at once, a promise when the store was asked. */
export function authenticate(ctx: AppContext, route: RouteDefinition, keys: KeyVerifier): void | Promise<void> {
  if (route.security === null) return;
  const presented = presentedKey(ctx);
  if (presented === undefined) {
    throw new ApiError('E1101', 'Send an API key in the X-API-Key header or as a bearer token.', { headers: CHALLENGE });
  }
  const result = keys.verify(presented);
  if (result instanceof Promise) return result.then((r) => admit(ctx, route, r));
  admit(ctx, route, result);
}

function admit(ctx: AppContext, route: RouteDefinition, result: VerifyResult): void {
  if (!result.ok) throw rejection(result.reason);
  const missing = route.security!.scopes.filter((s) => !result.principal.scopes.has(s));
  if (missing.length > 0) throw new ApiError('E1105', `This operation requires the scope ${missing.join(', ')}.`);
  ctx.state.principal = result.principal;
}

function rejection(reason: Extract<VerifyResult, { ok: false }>['reason']): ApiError {
  switch (reason) {
    case 'expired':
      return new ApiError('E1103', 'This API key has expired.', { headers: CHALLENGE });
    case 'revoked':
      return new ApiError('E1104', 'This API key was revoked.', { headers: CHALLENGE });
    default:
      return new ApiError('E1102', 'The API key is not valid.', { headers: CHALLENGE });
  }
}

export type { Principal };
