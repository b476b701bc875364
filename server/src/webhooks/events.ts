// Events and the transactional outbox (issue 4 §2). A change that customers hear about calls
// recordEvent() with the EntityManager of the transaction that makes the change: the event row and
// one pending delivery per enabled endpoint subscribed to its type commit with the change or not at
// all, so no event is announced for a change that rolled back and none is lost for one that
// committed. The delivery worker (delivery-worker.ts) sends what the outbox holds.
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../db/ids.ts';
import { insertEvent, queueDeliveries, subscribedEndpoints } from '../db/outbox-store.ts';
import type { EventData, EventType, EventView } from './event-types.ts';

export type { EventData, EventType, EventView } from './event-types.ts';

export interface NewEvent {
  accountId: string;
  type: EventType;
  data: EventData;
}

// The spec's bounds on Event.data.
const MAX_DATA_KEYS = 32;
const MAX_DATA_STRING = 2_048;

/**
 * Records the event and queues its deliveries inside the caller's transaction; returns the event
 * id (`evt_…`, sent as webhook-id). Throws when called outside a transaction or with data the spec
 * would not allow: both are bugs in the caller, never the customer's doing.
 */
export async function recordEvent(em: EntityManager, event: NewEvent): Promise<string> {
  if (!em.isInTransaction()) throw new TypeError('recordEvent must run inside the transaction of the change it reports');
  checkData(event.data);
  const at = new Date();
  const id = newId('evt', at.getTime());
  await insertEvent(em, { id, accountId: event.accountId, type: event.type, data: event.data, createdAt: at });
  const endpoints = await subscribedEndpoints(em, event.accountId, event.type);
  await queueDeliveries(em, { eventId: id, accountId: event.accountId, endpointIds: endpoints, at });
  return id;
}

/** The JSON an endpoint receives, the same on every attempt and replay (the spec's Event). */
export function eventBody(event: EventView): string {
  return JSON.stringify({ id: event.id, type: event.type, created_at: event.created_at, data: event.data });
}

function checkData(data: EventData): void {
  const entries = Object.entries(data);
  if (entries.length > MAX_DATA_KEYS) throw new RangeError(`event data has more than ${MAX_DATA_KEYS} fields`);
  for (const [key, value] of entries) {
    const ok =
      value === null ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= MAX_DATA_STRING);
    if (!ok) throw new RangeError(`event data field ${key} is not a JSON scalar within the spec's bounds`);
  }
}
