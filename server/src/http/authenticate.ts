// Authentication and authorization per the route's security in the spec: an API key (X-API-Key,
// or a bearer token starting tm_) limited to its scopes, or a user's access token (any other
// bearer token). A key verified recently is answered from memory, without an await or a query.
import { ApiError } from './problem.ts';
import type { AppContext } from './context.ts';
import type { RouteDefinition } from '../generated/routes.ts';
import type { KeyPrincipal, UserPrincipal } from '../auth/principal.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Metrics } from '../observability/metrics.ts';

/** Where refusals are reported: the audit log for the account's owner, a counter for SREs. */
export interface AuthReporting {
  audit: AuditLog;
  metrics: Pick<Metrics, 'authFailed'>;
}

export type KeyCheck =
  | { ok: true; principal: KeyPrincipal }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' | 'ip_not_allowed' };

export interface Credentials {
  verifyKey(presented: string, clientIp: string): KeyCheck | Promise<KeyCheck>;
  /** Resolves the signed-in user of an access token; rejects with ApiError E1110. */
  verifyAccessToken(token: string): Promise<UserPrincipal>;
}

const BEARER = /^Bearer +(\S+)$/i;
const KEY_PREFIX = 'tm_';
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="transmute"' };

type Presented = { kind: 'key' | 'user'; value: string };

function presented(ctx: AppContext): Presented | undefined {
  const header = ctx.get('x-api-key');
  if (header !== '') return { kind: 'key', value: header };
  const bearer = BEARER.exec(ctx.get('authorization'))?.[1];
  if (bearer === undefined) return undefined;
  return { kind: bearer.startsWith(KEY_PREFIX) ? 'key' : 'user', value: bearer };
}

/** Returns nothing when the principal is known at once, a promise when a store was asked. */
export function authenticate(ctx: AppContext, route: RouteDefinition, credentials: Credentials, report: AuthReporting): void | Promise<void> {
  const security = route.security;
  if (security === null) return;
  const credential = presented(ctx);
  if (credential === undefined) {
    report.metrics.authFailed('missing');
    throw new ApiError('E1101', 'Send an API key in the X-API-Key header, or a bearer token.', { headers: CHALLENGE });
  }
  if (credential.kind === 'user') {
    if (!security.user) {
      report.metrics.authFailed('wrong_credential');
      throw new ApiError('E1110', 'This operation takes an API key, not an access token.', { headers: CHALLENGE });
    }
    return credentials.verifyAccessToken(credential.value).then(
      (principal) => {
        ctx.state.principal = principal;
      },
      (error: unknown) => {
        report.metrics.authFailed('invalid_token');
        throw error;
      },
    );
  }
  const result = credentials.verifyKey(credential.value, ctx.ip);
  if (result instanceof Promise) return result.then((r) => admitKey(ctx, route, r, report));
  admitKey(ctx, route, result, report);
}

function admitKey(ctx: AppContext, route: RouteDefinition, result: KeyCheck, report: AuthReporting): void {
  if (!result.ok) {
    report.metrics.authFailed(result.reason);
    if (result.reason === 'ip_not_allowed') {
      refused(ctx, report.audit, 'ip_refused', undefined);
      throw new ApiError('E1106', `This API key may not be used from ${ctx.ip}.`);
    }
    throw keyRejection(result.reason);
  }
  const required = route.security!.key;
  if (required === null) {
    report.metrics.authFailed('wrong_credential');
    refused(ctx, report.audit, 'permission_denied', result.principal, 'user session required');
    throw new ApiError('E1107', 'Managing keys and the account needs a signed-in user, not an API key.');
  }
  const missing = required.scopes.filter((s) => !result.principal.scopes.has(s));
  if (missing.length > 0) {
    report.metrics.authFailed('missing_scope');
    refused(ctx, report.audit, 'permission_denied', result.principal, `missing scope ${missing.join(' ')}`);
    throw new ApiError('E1105', `This operation requires the scope ${missing.join(', ')}.`);
  }
  ctx.state.principal = result.principal;
}

function refused(ctx: AppContext, audit: AuditLog, action: string, principal: KeyPrincipal | undefined, reason?: string): void {
  audit.record({
    action: `access.${action}`,
    accountId: principal?.accountId ?? null,
    actorType: 'key',
    actorId: principal?.keyId ?? null,
    outcome: 'failure',
    ip: ctx.ip,
    userAgent: ctx.get('user-agent') || undefined,
    requestId: ctx.state.requestId,
    details: { operation: ctx.state.route?.operationId ?? null, ...(reason ? { reason } : {}) },
  });
}

function keyRejection(reason: 'malformed' | 'unknown' | 'revoked' | 'expired'): ApiError {
  switch (reason) {
    case 'expired':
      return new ApiError('E1103', 'This API key has expired.', { headers: CHALLENGE });
    case 'revoked':
      return new ApiError('E1104', 'This API key was revoked.', { headers: CHALLENGE });
    default:
      return new ApiError('E1102', 'The API key is not valid.', { headers: CHALLENGE });
  }
}
