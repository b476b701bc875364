// Sends what the outbox holds (events.ts). Every POLL_INTERVAL_MS, or at once while there is more,
// it leases due deliveries (SELECT … FOR UPDATE SKIP LOCKED, so any number of instances share the
// work), signs each per Standard Webhooks (webhook-id: the event id, the same on every retry and
// replay; webhook-timestamp: this attempt's time), POSTs it (send.ts), and records the attempt.
// A failed one is tried again on the schedule in retry-schedule.ts, then dead.
//
// An endpoint whose attempts have all failed for config.webhooks.disableAfterS (no success since
// its first failure: the schedule alone spans about a day, so this takes several events) is
// disabled; that is audited ('webhook_endpoint.disabled') and announced as a
// `webhook_endpoint.disabled` event to the account's other subscribed endpoints (the disabled one
// is already disabled when the event is queued, so it never receives it), the disable, the event
// and the audit entry in one transaction.
//
// At most `concurrency` attempts run at once; stop() claims nothing more and waits for them, each
// bounded by config.webhooks.timeoutMs, cutting short any still running after `stopTimeoutMs`.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/orm.ts';
import { claimDue, disableEndpoint, recordOutcome, type ClaimedDelivery, type NextStep } from '../db/outbox-store.ts';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { eventBody, recordEvent } from './events.ts';
import { RETRY_DELAYS_MS, retryAt } from './retry-schedule.ts';
import { SigningSecrets } from './secrets.ts';
import { WebhookSender, type AttemptResult } from './send.ts';
import { signDelivery } from './signature.ts';
import { UrlPolicy } from './ssrf.ts';
import { toEventView } from './views.ts';

export interface DeliveryWorkerOptions {
  /** Where each attempt is counted (transmute_webhook_delivery_duration_seconds). */
  metrics?: Pick<Metrics, 'webhookDelivered'>;
  /** Delays before each retry (default RETRY_DELAYS_MS); tests shorten them. */
  retryDelaysMs?: readonly number[];
  /** How long an endpoint fails before it is disabled (default config.webhooks.disableAfterS). */
  disableAfterMs?: number;
  pollIntervalMs?: number;
  /** Attempts in flight at once; also the most claimed in one query. */
  concurrency?: number;
  /** How long stop() lets running attempts finish (default config.webhooks.timeoutMs). */
  stopTimeoutMs?: number;
}

const POLL_INTERVAL_MS = 250;
const CONCURRENCY = 8;
// Past this, a claim whose worker died is claimed again: the attempt's timeout plus room to record it.
const LEASE_MARGIN_MS = 60_000;
// After failed claims (the database is away), polling slows down to this.
const MAX_BACKOFF_MS = 10_000;

export class WebhookDeliveryWorker {
  readonly #orm: MikroORM;
  readonly #audit: AuditLog;
  readonly #log: Logger;
  readonly #secrets: SigningSecrets;
  readonly #sender: WebhookSender;
  readonly #metrics: Pick<Metrics, 'webhookDelivered'> | undefined;
  readonly #retryDelaysMs: readonly number[];
  readonly #disableAfterMs: number;
  readonly #pollIntervalMs: number;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #stopTimeoutMs: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stopping = new AbortController();
  readonly #cutShort = new AbortController();
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #claimFailures = 0;

  constructor(db: Database, config: Config, audit: AuditLog, log: Logger, options: DeliveryWorkerOptions = {}) {
    this.#orm = db.orm;
    this.#audit = audit;
    this.#log = log.child({ component: 'webhooks' });
    this.#secrets = new SigningSecrets(config);
    this.#sender = new WebhookSender(new UrlPolicy(config.webhooks.allowlist), config.webhooks.timeoutMs);
    this.#metrics = options.metrics;
    this.#retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.#disableAfterMs = options.disableAfterMs ?? config.webhooks.disableAfterS * 1000;
    this.#pollIntervalMs = options.pollIntervalMs ?? POLL_INTERVAL_MS;
    this.#concurrency = options.concurrency ?? CONCURRENCY;
    this.#leaseMs = config.webhooks.timeoutMs + LEASE_MARGIN_MS;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? config.webhooks.timeoutMs;
  }

  start(): void {
    if (this.#stopping.signal.aborted) throw new Error('a stopped webhook worker cannot start again');
    this.#loop ??= this.#run();
  }

  /** Claims nothing more; resolves once the attempts in flight are recorded (or cut short). */
  stop(): Promise<void> {
    return (this.#stopped ??= this.#shutDown());
  }

  async #shutDown(): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
    const timer = setTimeout(() => this.#cutShort.abort(), this.#stopTimeoutMs);
    await Promise.allSettled([...this.#inFlight]);
    clearTimeout(timer);
    await this.#sender.close();
  }

  async #run(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      const free = this.#concurrency - this.#inFlight.size;
      let more = false;
      if (free > 0) {
        try {
          const claimed = await this.#claim(free);
          for (const delivery of claimed) this.#track(this.#deliver(delivery));
          more = claimed.length === free;
          this.#claimFailures = 0;
        } catch (error) {
          this.#claimFailures++;
          this.#log.error({ err: error }, 'webhook deliveries not claimed; will retry');
        }
      }
      if (!more) await this.#pause();
    }
  }

  #claim(limit: number): Promise<ClaimedDelivery[]> {
    const now = new Date();
    return claimDue(this.#orm.em.fork(), { now, leaseUntil: new Date(now.getTime() + this.#leaseMs), limit });
  }

  #pause(): Promise<void> {
    const delay = Math.min(this.#pollIntervalMs * 2 ** Math.min(this.#claimFailures, 10), Math.max(this.#pollIntervalMs, MAX_BACKOFF_MS));
    return sleep(delay, undefined, { signal: this.#stopping.signal }).catch(() => {});
  }

  #track(attempt: Promise<void>): void {
    this.#inFlight.add(attempt);
    void attempt.finally(() => this.#inFlight.delete(attempt));
  }

  /** Never rejects: a failure to record is logged, and the lease brings the delivery back. */
  async #deliver(delivery: ClaimedDelivery): Promise<void> {
    try {
      const at = new Date();
      const result = await this.#attempt(delivery, at);
      this.#metrics?.webhookDelivered(result.outcome, (result.latencyMs ?? 0) / 1000);
      await this.#record(delivery, at, result);
    } catch (error) {
      this.#log.error({ err: error, event_id: delivery.event.id, endpoint_id: delivery.endpoint.id }, 'webhook attempt not recorded');
    }
  }

  async #attempt({ event, endpoint }: ClaimedDelivery, at: Date): Promise<AttemptResult> {
    let keys: Buffer[];
    try {
      keys = [this.#secrets.open(endpoint.secret, endpoint.id)];
      if (endpoint.previousSecret !== null && endpoint.previousSecretExpiresAt !== null && endpoint.previousSecretExpiresAt > at) {
        keys.push(this.#secrets.open(endpoint.previousSecret, endpoint.id));
      }
    } catch (error) {
      // Sealed under another TOTP_ENCRYPTION_KEY: nothing can be signed until the secret is rotated.
      this.#log.error({ err: error, endpoint_id: endpoint.id }, 'webhook signing secret cannot be opened');
      return { succeeded: false, outcome: 'connection_error', responseStatus: null, latencyMs: null, responseExcerpt: null, error: 'signing secret unreadable; rotate it' };
    }
    const body = eventBody(toEventView(event));
    const headers = signDelivery(keys, event.id, Math.floor(at.getTime() / 1000), body);
    return this.#sender.send(endpoint.url, { ...headers }, body, this.#cutShort.signal);
  }

  async #record(delivery: ClaimedDelivery, at: Date, result: AttemptResult): Promise<void> {
    const { event, endpoint } = delivery;
    const attempt = delivery.attempts + 1;
    const now = new Date();
    const next = this.#nextStep(result, attempt, now);
    const fields = { event_id: event.id, endpoint_id: endpoint.id, attempt, status: result.responseStatus, error: result.error, next: next.state };
    if (result.succeeded) this.#log.debug(fields, 'webhook delivered');
    else this.#log.info(fields, 'webhook attempt failed');
    const disabled = await this.#orm.em.fork().transactional(async (em) => {
      const after = await recordOutcome(
        em,
        {
          outboxId: delivery.outboxId,
          accountId: event.accountId,
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          attempt,
          status: result.succeeded ? 'succeeded' : 'failed',
          responseStatus: result.responseStatus,
          latencyMs: result.latencyMs,
          responseExcerpt: result.responseExcerpt,
          error: result.error,
          at,
        },
        next,
      );
      if (after === undefined || !after.enabled || after.failingSince === null) return undefined;
      if (now.getTime() - after.failingSince.getTime() < this.#disableAfterMs) return undefined;
      const reason = `Every delivery failed from ${after.failingSince.toISOString()} to ${now.toISOString()}.`;
      if (!(await disableEndpoint(em, endpoint.id, reason, now))) return undefined;
      await recordEvent(em, {
        accountId: after.accountId,
        type: 'webhook_endpoint.disabled',
        data: { endpoint_id: endpoint.id, url: after.url, reason },
      });
      await this.#audit.recordIn(em, {
        action: 'webhook_endpoint.disabled',
        accountId: after.accountId,
        actorType: 'system',
        outcome: 'success',
        details: { endpoint_id: endpoint.id, url: after.url, failing_since: after.failingSince.toISOString(), reason },
      });
      return after;
    });
    if (disabled !== undefined) this.#log.warn({ endpoint_id: endpoint.id, account_id: disabled.accountId }, 'webhook endpoint disabled after sustained failures');
  }

  #nextStep(result: AttemptResult, attempt: number, now: Date): NextStep {
    if (result.succeeded) return { state: 'delivered' };
    const at = retryAt(attempt, this.#retryDelaysMs, now);
    return at === undefined ? { state: 'dead' } : { state: 'pending', at };
  }
}
