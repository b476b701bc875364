// Webhook objects as the API shows them (the spec's WebhookEndpoint, WebhookDelivery and Event
// schemas, typed from the generated code): never a secret.
import type { EndpointRecord } from '../db/webhook-store.ts';
import type { WebhookDelivery, WebhookEvent } from '../db/webhook-entities.ts';
import type { components } from '../generated/api-types.ts';
import type { EventType, EventView } from './event-types.ts';

export type EndpointView = components['schemas']['WebhookEndpoint'];
export type AttemptView = components['schemas']['WebhookDelivery'];

export function toEndpointView(endpoint: EndpointRecord): EndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    // Stored event types were checked against the spec's list when they were saved.
    events: endpoint.events as EventType[],
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    created_at: endpoint.createdAt.toISOString(),
    updated_at: endpoint.updatedAt.toISOString(),
    secret_rotated_at: endpoint.secretRotatedAt?.toISOString() ?? null,
  };
}

export function toAttemptView(row: WebhookDelivery): AttemptView {
  return {
    id: row.id,
    event_id: row.event.id,
    event_type: row.eventType as EventType,
    attempt: row.attempt,
    status: row.status,
    response_status: row.responseStatus ?? null,
    latency_ms: row.latencyMs ?? null,
    response_excerpt: row.responseExcerpt ?? null,
    error: row.error ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

export function toEventView(row: Pick<WebhookEvent, 'id' | 'type' | 'data' | 'createdAt'>): EventView {
  return { id: row.id, type: row.type as EventType, created_at: row.createdAt.toISOString(), data: row.data };
}
