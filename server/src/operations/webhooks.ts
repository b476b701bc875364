// webhooks: the account's webhook endpoints, their delivery attempts, and its events. Keys with
// the webhooks scopes and signed-in users alike act for their own account only.
import { ApiError } from '../http/problem.ts';
import { accountOf, changeOrigin } from '../http/request-meta.ts';
import { pageOf } from './page.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Principal } from '../auth/principal.ts';
import type { AppContext } from '../http/context.ts';
import type { Handler } from '../http/handler.ts';
import type { WebhookService } from '../webhooks/webhook-service.ts';

function found<T>(value: T | undefined | false, id: string): T {
  // Another account's endpoint and one that never existed answer alike (OWASP API1).
  if (value === undefined || value === false) throw new ApiError('E1005', `No webhook endpoint ${id}.`);
  return value;
}


export function webhookHandlers(webhooks: WebhookService, audit: AuditLog): {
  listWebhookEndpoints: Handler<'listWebhookEndpoints'>;
  createWebhookEndpoint: Handler<'createWebhookEndpoint'>;
  getWebhookEndpoint: Handler<'getWebhookEndpoint'>;
  updateWebhookEndpoint: Handler<'updateWebhookEndpoint'>;
  deleteWebhookEndpoint: Handler<'deleteWebhookEndpoint'>;
  rotateWebhookSecret: Handler<'rotateWebhookSecret'>;
  listWebhookDeliveries: Handler<'listWebhookDeliveries'>;
  listEvents: Handler<'listEvents'>;
  replayEvent: Handler<'replayEvent'>;
} {
  const origin = (ctx: AppContext, principal: Principal | undefined) => changeOrigin(ctx, principal, audit);

  return {
    listWebhookEndpoints: async ({ params, principal }) => ({
      status: 200,
      body: await webhooks.list(accountOf(principal), pageOf(params.query)),
    }),

    createWebhookEndpoint: async ({ body, principal, ctx }) => ({
      status: 201,
      body: await webhooks.create(accountOf(principal), body, origin(ctx, principal)),
    }),

    getWebhookEndpoint: async ({ params, principal }) => ({
      status: 200,
      body: found(await webhooks.get(params.path.id, accountOf(principal)), params.path.id),
    }),

    updateWebhookEndpoint: async ({ body, params, principal, ctx }) => ({
      status: 200,
      body: found(await webhooks.update(params.path.id, accountOf(principal), body, origin(ctx, principal)), params.path.id),
    }),

    deleteWebhookEndpoint: async ({ params, principal, ctx }) => {
      found(await webhooks.delete(params.path.id, accountOf(principal), origin(ctx, principal)), params.path.id);
      return { status: 204, body: undefined };
    },

    rotateWebhookSecret: async ({ params, principal, ctx }) => ({
      status: 200,
      body: found(await webhooks.rotateSecret(params.path.id, accountOf(principal), origin(ctx, principal)), params.path.id),
    }),

    listWebhookDeliveries: async ({ params, principal }) => ({
      status: 200,
      body: found(await webhooks.deliveries(params.path.id, accountOf(principal), pageOf(params.query)), params.path.id),
    }),

    listEvents: async ({ params, principal }) => ({
      status: 200,
      body: await webhooks.events(accountOf(principal), { ...pageOf(params.query), type: params.query.type }),
    }),

    replayEvent: async ({ body, params, principal }) => ({
      status: 202,
      body: await webhooks.replay(params.path.id, accountOf(principal), body?.endpoint_id),
    }),
  };
}
