// The audit log: security events, append-only (issue 3 §6; the table refuses UPDATE and DELETE,
// see audit-entities.ts).
//
// `record()` is for the request path: synchronous, never throws, never awaited. The event is
// written at once as a structured log line (`audit: true`), then buffered and inserted with others
// in one multi-row INSERT every FLUSH_INTERVAL_MS, and on flush()/close(). Losing the database
// for a while therefore costs no request anything: the buffer holds MAX_BUFFERED events and then
// drops the oldest (counted in `dropped`, and said in the log), which the log lines still carry.
//
// `recordIn(em, …)` is for a change made in a transaction outside any request (a worker's): the
// event is inserted in that transaction, so it is stored if and only if the change is.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AUDIT_ACTOR_TYPES, AUDIT_OUTCOMES, AuditRecord, type AuditDetails } from '../db/audit-entities.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/orm.ts';
import { afterCursor, page, type Page, type PageRequest } from '../db/pagination.ts';
import type { Logger } from '../observability/logger.ts';

/** What a service needs to know about the request that asked for a change. */
export interface RequestMeta {
  ip: string;
  userAgent: string | undefined;
  requestId: string;
}

export interface AuditEvent {
  /** `area.verb`, e.g. `api_key.rotated`, `auth.login`. */
  action: string;
  accountId?: string | null;
  actorType: 'user' | 'key' | 'anonymous' | 'system';
  actorId?: string | null;
  outcome: 'success' | 'failure';
  ip?: string;
  userAgent?: string;
  requestId?: string;
  /** Never a secret, a token or a password: these values reach the logs and the account's owner. */
  details?: AuditDetails;
}

/** One event as `GET /v1/audit-logs` returns it. */
export interface AuditEventView {
  id: string;
  action: string;
  outcome: AuditEvent['outcome'];
  actor_type: AuditEvent['actorType'];
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: AuditDetails;
  created_at: string;
}

export interface AuditListRequest extends PageRequest {
  action?: string | undefined;
}

export interface AuditLogOptions {
  flushIntervalMs?: number;
  maxBuffered?: number;
}

/** The request's part of an event: `audit.record({ action, ..., ...fromMeta(meta) })`. */
export function fromMeta(meta: RequestMeta): Pick<AuditEvent, 'ip' | 'userAgent' | 'requestId'> {
  return { ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId };
}

const FLUSH_INTERVAL_MS = 250;
const MAX_BUFFERED = 10_000;
// One INSERT per this many rows: a burst after an outage is written in a few bounded statements.
// Below MikroORM's default batchSize (300), so each insertMany() is one statement.
const ROWS_PER_INSERT = 250;
// After a failed write the next try waits twice as long, up to this.
const MAX_RETRY_DELAY_MS = 5_000;

// Every field is bounded (to the spec's AuditEvent limits), so a hostile header or a careless caller
// can bloat neither the table nor the logs.
const MAX_ID = 64;
const MAX_REQUEST_ID = 128;
const MAX_USER_AGENT = 512;
const MAX_DETAIL_KEYS = 32;
const MAX_DETAIL_STRING = 1_024;
// Callers never put credentials in details; if one slips in under an obvious name, it is not kept.
const CREDENTIAL_KEY = /(^|_)(password|secret|token|api_key)$/i;
const REDACTED = '[redacted]';

export class AuditLog {
  readonly #orm: MikroORM;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #maxBuffered: number;
  #buffer: AuditRecord[] = [];
  /** Writes run one after another, so flush() resolves only when everything before it is written. */
  #writes: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #dropped = 0;
  #droppingSince: number | undefined;
  #closed = false;

  constructor(db: Database, logger: Logger, options: AuditLogOptions = {}) {
    this.#orm = db.orm;
    this.#log = logger;
    this.#intervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    this.#maxBuffered = options.maxBuffered ?? MAX_BUFFERED;
  }

  /** Events lost to a full buffer or recorded after close(), since the start. */
  readonly #listeners: Array<(event: AuditEvent) => void> = [];

  get dropped(): number {
    return this.#dropped;
  }

  /** Also tell `listener` of every event recorded (metrics count some of them). */
  observe(listener: (event: AuditEvent) => void): void {
    this.#listeners.push(listener);
  }

  record(event: AuditEvent): void {
    try {
      for (const listener of this.#listeners) listener(event);
      const row = toRow(event, new Date());
      this.#log.info({ audit: true, ...logFields(row) }, 'audit event');
      if (this.#closed) {
        this.#drop(1, 'the audit log is closed');
        return;
      }
      this.#buffer.push(row);
      this.#bound();
      this.#schedule();
    } catch (error) {
      // A broken event (a bug in the caller) must not fail the request it describes.
      try {
        this.#log.error({ err: error, audit: true, action: String(event?.action) }, 'audit event not recorded');
      } catch {
        // Nothing is left to tell.
      }
    }
  }

  /**
   * Inserts the event in the caller's transaction: it commits, or rolls back, with the change it
   * records. Unlike record() it throws (a broken event fails the transaction). The log line is
   * written as record()'s is, at once: if the transaction then rolls back, the table is the record.
   */
  async recordIn(em: EntityManager, event: AuditEvent): Promise<void> {
    for (const listener of this.#listeners) listener(event);
    const row = toRow(event, new Date());
    this.#log.info({ audit: true, ...logFields(row) }, 'audit event');
    await em.insert(AuditRecord, row);
  }

  /** Writes every event recorded before the call; rejects (keeping them for the next try) if it cannot. */
  flush(): Promise<void> {
    const write = this.#writes.then(() => this.#writeBuffered());
    this.#writes = write.catch(() => {});
    return write;
  }

  /** Stops the timer and writes what is left; events recorded afterwards are logged but not stored. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /**
   * The account's events, newest first. Only the account named here is read, and callers pass
   * the authenticated one: there is no way to ask for another's. Events this process recorded
   * are written first, so a change is listed as soon as its request has answered.
   */
  async list(accountId: string, request: AuditListRequest): Promise<Page<AuditEventView>> {
    await this.flush().catch((error: unknown) => this.#log.warn({ err: error }, 'audit events not written before listing'));
    const rows = await this.#orm.em.fork().find(
      AuditRecord,
      { accountId, ...(request.action === undefined ? {} : { action: request.action }), ...afterCursor(request.cursor, 'aud') },
      { orderBy: { id: 'desc' }, limit: request.limit + 1 },
    );
    return page(rows, request.limit, toView);
  }

  async #writeBuffered(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, ROWS_PER_INSERT);
      try {
        await this.#orm.em.fork().insertMany(AuditRecord, batch);
      } catch (error) {
        this.#buffer = batch.concat(this.#buffer);
        this.#bound();
        throw error;
      }
      this.#failures = 0;
      if (this.#droppingSince !== undefined) {
        this.#log.error({ audit: true, dropped: this.#dropped - this.#droppingSince }, 'audit events were dropped while the buffer was full');
        this.#droppingSince = undefined;
      }
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed || this.#buffer.length === 0) return;
    const delay = Math.min(this.#intervalMs * 2 ** Math.min(this.#failures, 10), MAX_RETRY_DELAY_MS);
    // Unreferenced: a pending write must not keep a finished process alive; close() writes it.
    this.#timer = setTimeout(() => this.#tick(), delay).unref();
  }

  #tick(): void {
    this.#timer = undefined;
    this.flush().then(
      () => this.#schedule(),
      (error: unknown) => {
        this.#failures++;
        this.#log.error({ err: error, audit: true, buffered: this.#buffer.length }, 'audit events not written; will retry');
        this.#schedule();
      },
    );
  }

  /** Keeps the newest MAX_BUFFERED events. */
  #bound(): void {
    const excess = this.#buffer.length - this.#maxBuffered;
    if (excess <= 0) return;
    this.#buffer.splice(0, excess);
    this.#drop(excess, 'the audit buffer is full');
  }

  #drop(count: number, reason: string): void {
    // Said once per episode rather than per event: the log lines already carry each event.
    if (this.#droppingSince === undefined) {
      this.#droppingSince = this.#dropped;
      this.#log.error({ audit: true, reason }, 'audit events are being dropped');
    }
    this.#dropped += count;
  }
}

function toRow(event: AuditEvent, at: Date): AuditRecord {
  if (!AUDIT_ACTOR_TYPES.includes(event.actorType)) throw new TypeError(`unknown audit actor type: ${String(event.actorType)}`);
  if (!AUDIT_OUTCOMES.includes(event.outcome)) throw new TypeError(`unknown audit outcome: ${String(event.outcome)}`);
  const action = optionalText(event.action, MAX_ID);
  if (action === null) throw new TypeError('an audit event needs an action');
  return {
    id: newId('aud', at.getTime()),
    accountId: optionalText(event.accountId, MAX_ID),
    actorType: event.actorType,
    actorId: optionalText(event.actorId, MAX_ID),
    action,
    outcome: event.outcome,
    ip: optionalText(event.ip, MAX_ID),
    userAgent: optionalText(event.userAgent, MAX_USER_AGENT),
    requestId: optionalText(event.requestId, MAX_REQUEST_ID),
    details: cleanDetails(event.details),
    createdAt: at,
  };
}

/**
 * PostgreSQL text and jsonb take neither NUL nor a lone surrogate: one such character would fail
 * the whole batch it travels in, on every retry.
 */
function text(value: string, max: number): string {
  return value.replaceAll('\0', '').slice(0, max).toWellFormed();
}

function optionalText(value: string | null | undefined, max: number): string | null {
  if (typeof value !== 'string') return null;
  const cleaned = text(value, max);
  return cleaned === '' ? null : cleaned;
}

function cleanDetails(details: AuditDetails | undefined): AuditDetails {
  const clean: AuditDetails = {};
  if (details === undefined || details === null) return clean;
  for (const [key, value] of Object.entries(details).slice(0, MAX_DETAIL_KEYS)) {
    const name = text(key, MAX_ID);
    if (CREDENTIAL_KEY.test(name)) clean[name] = REDACTED;
    else if (typeof value === 'string') clean[name] = text(value, MAX_DETAIL_STRING);
    else if (typeof value === 'number') clean[name] = Number.isFinite(value) ? value : null;
    else if (typeof value === 'boolean' || value === null) clean[name] = value;
  }
  return clean;
}

function logFields(row: AuditRecord) {
  return {
    event_id: row.id,
    action: row.action,
    outcome: row.outcome,
    account_id: row.accountId,
    actor_type: row.actorType,
    actor_id: row.actorId,
    ip: row.ip,
    user_agent: row.userAgent,
    request_id: row.requestId,
    details: row.details,
  };
}

function toView(row: AuditRecord): AuditEventView {
  return {
    id: row.id,
    action: row.action,
    outcome: row.outcome,
    actor_type: row.actorType,
    actor_id: row.actorId ?? null,
    ip: row.ip ?? null,
    user_agent: row.userAgent ?? null,
    request_id: row.requestId ?? null,
    details: row.details,
    created_at: row.createdAt.toISOString(),
  };
}
