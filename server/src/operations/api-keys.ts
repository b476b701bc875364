// api-keys: the account's API keys. Only a signed-in user manages them (the spec admits no key).
import { ApiError } from '../http/problem.ts';
import { changeOrigin, signedInUser } from '../http/request-meta.ts';
import { pageOf } from './page.ts';
import type { ApiKeyService } from '../auth/api-keys.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AppContext } from '../http/context.ts';
import type { Handler } from '../http/handler.ts';
import type { Principal } from '../auth/principal.ts';

const DEFAULT_GRACE_S = 86_400;

function found<T>(value: T | undefined | false, id: string): T {
  // Another account's key and a key that never existed answer alike (OWASP API1).
  if (value === undefined || value === false) throw new ApiError('E1005', `No API key ${id}.`);
  return value;
}

export function apiKeyHandlers(keys: ApiKeyService, audit: AuditLog): {
  createApiKey: Handler<'createApiKey'>;
  listApiKeys: Handler<'listApiKeys'>;
  getApiKey: Handler<'getApiKey'>;
  revokeApiKey: Handler<'revokeApiKey'>;
  rotateApiKey: Handler<'rotateApiKey'>;
} {
  const origin = (ctx: AppContext, principal: Principal | undefined) => changeOrigin(ctx, principal, audit);

  return {
    createApiKey: async ({ body, principal, ctx }) => {
      const account = signedInUser(principal).accountId;
      const issued = await keys.create(
        account,
        {
          name: body.name,
          scopes: body.scopes,
          ...(body.expires_at === undefined ? {} : { expiresAt: new Date(body.expires_at) }),
          ...(body.allowed_ips === undefined ? {} : { allowedIps: body.allowed_ips }),
        },
        origin(ctx, principal),
      );
      return { status: 201, body: { api_key: issued.key, secret: issued.secret } };
    },

    listApiKeys: async ({ params, principal }) => ({
      status: 200,
      body: await keys.list(signedInUser(principal).accountId, pageOf(params.query)),
    }),

    getApiKey: async ({ params, principal }) => ({
      status: 200,
      body: found(await keys.get(params.path.id, signedInUser(principal).accountId), params.path.id),
    }),

    revokeApiKey: async ({ params, principal, ctx }) => {
      found(await keys.revoke(params.path.id, signedInUser(principal).accountId, origin(ctx, principal)), params.path.id);
      return { status: 204, body: undefined };
    },

    rotateApiKey: async ({ body, params, principal, ctx }) => {
      const grace = body?.grace_period_seconds ?? DEFAULT_GRACE_S;
      const issued = found(await keys.rotate(params.path.id, signedInUser(principal).accountId, grace, origin(ctx, principal)), params.path.id);
      return { status: 200, body: { api_key: issued.key, secret: issued.secret } };
    },
  };
}

