// What an event is, as the spec says (schemas Event and EventType): the types come from the
// generated code, so an event type added to the spec is known here without being written twice.
import type { components } from '../generated/api-types.ts';

export type EventType = components['schemas']['EventType'];
export type EventView = components['schemas']['Event'];
/** The event's facts: flat, JSON scalars only (the spec's Event.data). */
export type EventData = Record<string, string | number | boolean | null>;
