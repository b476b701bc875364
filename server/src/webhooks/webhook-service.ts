// Webhook endpoints and events as the account manages them (the webhooks tag of the spec). The
// secret is returned at creation and rotation only; every URL passes the SSRF policy before it is
// saved. Changes are audited ('webhook_endpoint.created', '.updated', '.deleted', '.secret_rotated')
// when the caller passes a ChangeOrigin.
import type { ChangeOrigin } from '../auth/api-keys.ts';
import { fromMeta } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/orm.ts';
import { page, type Page, type PageRequest } from '../db/pagination.ts';
import { WebhookStore, type EndpointChanges } from '../db/webhook-store.ts';
import type { AuditDetails } from '../db/audit-entities.ts';
import { ApiError } from '../http/problem.ts';
import type { PlanCatalog } from '../limits/plans.ts';
import type { EventType, EventView } from './event-types.ts';
import { SigningSecrets } from './secrets.ts';
import { UrlPolicy } from './ssrf.ts';
import { toAttemptView, toEndpointView, toEventView, type AttemptView, type EndpointView } from './views.ts';

export interface NewEndpointInput {
  url: string;
  description?: string | undefined;
  events: readonly EventType[];
}

export interface EndpointUpdateInput {
  url?: string | undefined;
  description?: string | null | undefined;
  events?: readonly EventType[] | undefined;
  enabled?: boolean | undefined;
}

export interface EndpointWithSecret {
  endpoint: EndpointView;
  /** whsec_…, to hand to the account once; only its sealed form is stored. */
  secret: string;
}

const PAUSED = 'Paused by the account.';

export class WebhookService {
  readonly #store: WebhookStore;
  readonly #secrets: SigningSecrets;
  readonly #policy: UrlPolicy;
  readonly #graceMs: number;
  readonly #plans: PlanCatalog;

  constructor(db: Database, config: Config, plans: PlanCatalog) {
    this.#store = new WebhookStore(db.orm);
    this.#secrets = new SigningSecrets(config);
    this.#policy = new UrlPolicy(config.webhooks.allowlist);
    this.#graceMs = config.webhooks.secretGraceS * 1000;
    this.#plans = plans;
  }

  /** E1303 when the account already has as many endpoints as its plan allows. */
  async create(accountId: string, input: NewEndpointInput, origin?: ChangeOrigin): Promise<EndpointWithSecret> {
    const url = await this.#allowedUrl(input.url);
    const id = newId('whep');
    const { sealed, secret } = this.#secrets.issue(id);
    const record = await this.#store.insertEndpoint(
      { id, accountId, url, description: input.description ?? null, events: [...new Set(input.events)], sealedSecret: sealed },
      (plan) => this.#plans[plan].webhookEndpoints,
    );
    if ('limit' in record) {
      throw new ApiError('E1303', `This account's plan allows ${record.limit} webhook endpoints; delete one before adding another.`);
    }
    audit(origin, accountId, 'webhook_endpoint.created', { endpoint_id: id, url, events: record.events.join(' ') });
    return { endpoint: toEndpointView(record), secret };
  }

  async list(accountId: string, request: PageRequest): Promise<Page<EndpointView>> {
    return page(await this.#store.listEndpoints(accountId, request), request.limit, toEndpointView);
  }

  async get(id: string, accountId: string): Promise<EndpointView | undefined> {
    const record = await this.#store.findEndpoint(id, accountId);
    return record && toEndpointView(record);
  }

  /** Undefined when the account has no such endpoint; `enabled: true` resumes a disabled one. */
  async update(id: string, accountId: string, input: EndpointUpdateInput, origin?: ChangeOrigin): Promise<EndpointView | undefined> {
    const changes: EndpointChanges = {};
    if (input.url !== undefined) changes.url = await this.#allowedUrl(input.url);
    if (input.description !== undefined) changes.description = input.description;
    if (input.events !== undefined) changes.events = [...new Set(input.events)];
    if (input.enabled !== undefined) changes.enabled = input.enabled ? { value: true } : { value: false, reason: PAUSED };
    const record = await this.#store.updateEndpoint(id, accountId, changes);
    if (record === undefined) return undefined;
    audit(origin, accountId, 'webhook_endpoint.updated', {
      endpoint_id: id,
      changed: Object.keys(changes).sort().join(' '),
      url: record.url,
      enabled: record.enabled,
    });
    return toEndpointView(record);
  }

  async delete(id: string, accountId: string, origin?: ChangeOrigin): Promise<boolean> {
    const deleted = await this.#store.deleteEndpoint(id, accountId);
    if (deleted) audit(origin, accountId, 'webhook_endpoint.deleted', { endpoint_id: id });
    return deleted;
  }

  /** A new secret; the one it replaces keeps signing (beside it) for config.webhooks.secretGraceS. */
  async rotateSecret(id: string, accountId: string, origin?: ChangeOrigin): Promise<EndpointWithSecret | undefined> {
    const { sealed, secret } = this.#secrets.issue(id);
    const at = new Date();
    const previousSecretExpiresAt = new Date(at.getTime() + this.#graceMs);
    const record = await this.#store.rotateSecret(id, accountId, { sealedSecret: sealed, at, previousSecretExpiresAt });
    if (record === undefined) return undefined;
    audit(origin, accountId, 'webhook_endpoint.secret_rotated', {
      endpoint_id: id,
      previous_secret_expires_at: previousSecretExpiresAt.toISOString(),
    });
    return { endpoint: toEndpointView(record), secret };
  }

  /** The endpoint's delivery attempts, newest first; undefined when it is not the account's. */
  async deliveries(endpointId: string, accountId: string, request: PageRequest): Promise<Page<AttemptView> | undefined> {
    const rows = await this.#store.listAttempts(endpointId, accountId, request);
    return rows && page(rows, request.limit, toAttemptView);
  }

  async events(accountId: string, request: PageRequest & { type?: EventType | undefined }): Promise<Page<EventView>> {
    return page(await this.#store.listEvents(accountId, request.type, request), request.limit, toEventView);
  }

  /**
   * Queues the event again under its own id; throws E1005 when the event, or the endpoint named,
   * is not the account's.
   */
  async replay(eventId: string, accountId: string, endpointId?: string): Promise<{ event_id: string; endpoints: number }> {
    const outcome = await this.#store.replay(eventId, accountId, endpointId, new Date());
    if (outcome === 'no-event') throw new ApiError('E1005', `No event ${eventId}.`);
    if (outcome === 'no-endpoint') throw new ApiError('E1005', `No webhook endpoint ${endpointId}.`);
    return { event_id: eventId, endpoints: outcome.queued };
  }

  /** The URL as it will be stored (normalised by the WHATWG parser), or E1404. */
  async #allowedUrl(url: string): Promise<string> {
    const refusal = await this.#policy.refusal(url);
    if (refusal !== undefined) {
      throw new ApiError('E1404', `The webhook URL ${refusal}.`, { errors: [{ path: '/url', message: refusal }] });
    }
    return new URL(url).href;
  }
}

function audit(origin: ChangeOrigin | undefined, accountId: string, action: string, details: AuditDetails): void {
  origin?.audit.record({
    action,
    accountId,
    actorType: origin.actorType,
    actorId: origin.actorId,
    outcome: 'success',
    ...fromMeta(origin.meta),
    details,
  });
}
