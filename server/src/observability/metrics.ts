// Prometheus metrics (prom-client): every metric the process exposes is defined here, one registry
// per process. The dashboards and alerts generated from the spec (scripts/generate/grafana.ts) query
// these names, and server/test/observability checks each name they use against a real /metrics.
//
// Two kinds of values:
// - events the code reports as they happen (a failed log-in, a delivered webhook): methods below;
// - states owned by other modules (pool, queue, buffer) read when Prometheus scrapes: `observe*`,
//   each called once at startup with a reader. A state nobody observes is absent from /metrics,
//   never a made-up zero.
import { totalmem } from 'node:os';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { buildInfo, type BuildInfo } from './build-info.ts';
import { LATENCY_BUCKETS_S } from './latency-buckets.ts';
import { SHED_REASONS, type ShedReason } from '../limits/load-shedder.ts';
import type { PoolStats } from '../db/orm.ts';

/** Jobs convert up to the largest payloads: seconds to tens of minutes. */
const JOB_BUCKETS_S = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
/** Up to WEBHOOK_TIMEOUT_MS's maximum (60 s). */
const WEBHOOK_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The label for requests no operation took: never a raw path, which would explode the series. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Why a request's credentials were refused (authenticate.ts's refusals). */
export const AUTH_FAILURE_REASONS = ['missing', 'malformed', 'unknown', 'revoked', 'expired', 'ip_not_allowed', 'invalid_token', 'wrong_credential', 'missing_scope'] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/** The reasons the audit log records for `login.failed`. */
export const LOGIN_FAILURE_REASONS = ['unknown_email', 'no_password', 'wrong_password', 'wrong_code', 'locked', 'throttled'] as const;
export type LoginFailureReason = (typeof LOGIN_FAILURE_REASONS)[number];

export function isLoginFailureReason(value: unknown): value is LoginFailureReason {
  return (LOGIN_FAILURE_REASONS as readonly unknown[]).includes(value);
}

export const JOB_OUTCOMES = ['succeeded', 'failed', 'canceled'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/** success: a 2xx answer; http_error: any other status; timeout and connection_error: no answer. */
export const WEBHOOK_OUTCOMES = ['success', 'http_error', 'timeout', 'connection_error'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/**
 * A reader that queries something (the database) may be slow; a scrape waits this long for it, well
 * under any scrape timeout, so a saturated database cannot make Prometheus lose every other metric.
 */
const COLLECT_TIMEOUT_MS = 500;

type Read<T> = () => T | Promise<T>;

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request, by method, operation (operationId, or "unmatched") and status.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS_S,
    registers: [this.registry],
  });
  readonly #authFailures = new Counter({
    name: 'transmute_auth_failures_total',
    help: 'Requests refused by authentication or authorization, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly #loginFailures = new Counter({
    name: 'transmute_login_failures_total',
    help: 'Failed log-ins (password or second factor), by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly #rateLimited = new Counter({
    name: 'transmute_rate_limited_requests_total',
    help: 'Requests refused with 429 by a rate limit, by plan (auth-ip, signup-ip: the per-address limits on log-in and sign-up).',
    labelNames: ['plan'] as const,
    registers: [this.registry],
  });
  readonly #shed = new Counter({
    name: 'transmute_shed_requests_total',
    help: 'Requests refused with 503 (E1502) to shed load, by reason: event_loop or in_flight.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly #jobDuration = new Histogram({
    name: 'transmute_job_duration_seconds',
    help: 'Time from a job starting to run to its end, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: JOB_BUCKETS_S,
    registers: [this.registry],
  });
  readonly #webhookDuration = new Histogram({
    name: 'transmute_webhook_delivery_duration_seconds',
    help: 'Time of one webhook delivery attempt, by outcome; its _count is the deliveries by outcome.',
    labelNames: ['outcome'] as const,
    buckets: WEBHOOK_BUCKETS_S,
    registers: [this.registry],
  });

  constructor(build: BuildInfo = buildInfo()) {
    collectDefaultMetrics({ register: this.registry });
    // Zeroed so that the first event after a restart counts in rate() and increase().
    for (const reason of AUTH_FAILURE_REASONS) this.#authFailures.inc({ reason }, 0);
    for (const reason of LOGIN_FAILURE_REASONS) this.#loginFailures.inc({ reason }, 0);
    for (const reason of SHED_REASONS) this.#shed.inc({ reason }, 0);
    for (const outcome of JOB_OUTCOMES) this.#jobDuration.zero({ outcome });
    for (const outcome of WEBHOOK_OUTCOMES) this.#webhookDuration.zero({ outcome });
    new Gauge({
      name: 'transmute_build_info',
      help: 'Always 1; the labels say what runs: server version, API (spec) version, commit.',
      labelNames: ['version', 'api_version', 'commit'] as const,
      registers: [this.registry],
    }).set({ version: build.version, api_version: build.apiVersion, commit: build.commit }, 1);
    new Gauge({
      name: 'transmute_memory_limit_bytes',
      help: 'The memory this process may use: its cgroup limit, else the machine memory.',
      registers: [this.registry],
    }).set(memoryLimitBytes());
  }

  authFailed(reason: AuthFailureReason): void {
    this.#authFailures.inc({ reason });
  }

  loginFailed(reason: LoginFailureReason): void {
    this.#loginFailures.inc({ reason });
  }

  /** `plan`: the refusing policy's name (LimitOutcome.name): a plan, auth-ip or signup-ip. */
  rateLimited(plan: string): void {
    this.#rateLimited.inc({ plan });
  }

  shed(reason: ShedReason): void {
    this.#shed.inc({ reason });
  }

  jobFinished(outcome: JobOutcome, seconds: number): void {
    this.#jobDuration.observe({ outcome }, seconds);
  }

  webhookDelivered(outcome: WebhookOutcome, seconds: number): void {
    this.#webhookDuration.observe({ outcome }, seconds);
  }

  /** The database pool, read synchronously on each scrape (e.g. `() => db.poolStats()`). */
  observePool(read: () => PoolStats): void {
    this.#observe('transmute_db_pool_used_connections', 'Pool connections lent out to a query or a transaction.', () => read().used);
    this.#observe('transmute_db_pool_free_connections', 'Open pool connections waiting for work.', () => read().free);
    this.#observe('transmute_db_pool_pending_acquires', 'Queries waiting for a pool connection.', () => read().pending);
    this.#observe('transmute_db_pool_max_connections', 'The most connections the pool opens (DB_POOL_MAX).', () => read().max);
  }

  /** Requests being answered now, as http/observe.ts counts them. */
  observeRequestsInFlight(read: () => number): void {
    this.#observe('http_requests_in_flight', 'Requests being answered now.', read);
  }

  /**
   * Seconds in which the event loop had work and no core (load-shedder.ts, starved windows): a
   * neighbour or a container's CPU limit taking the instance's cores. A counter read at each scrape.
   */
  observeStarvedLoop(read: () => number): void {
    new Counter({
      name: 'transmute_event_loop_starved_seconds_total',
      help: 'Seconds (in quarter-second windows) the event loop was busy but ran on a core for under 3/4 of the time: its host\'s cores were taken. Counted while SHED_EVENT_LOOP_DELAY_MS is on.',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** Usage records metered but not yet written to the database. */
  observeUsageBuffer(read: () => number): void {
    this.#observe('transmute_usage_buffer_records', 'Usage records waiting in memory for the next flush.', read);
  }

  /** Jobs waiting for a worker. */
  observeQueueDepth(read: Read<number>): void {
    this.#observe('transmute_job_queue_depth', 'Jobs queued and not yet picked up by a worker.', read);
  }

  /** Jobs by state, as the reader reports them: every state, zeros included, so panels show 0, not nothing. */
  observeJobs(read: Read<Readonly<Record<string, number>>>): void {
    new Gauge({
      name: 'transmute_jobs',
      help: 'Jobs kept in the database, by state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await settle(read);
        this.reset();
        for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
      },
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A reader that fails or is late reports NaN ("unknown") rather than holding /metrics. */
  #observe(name: string, help: string, read: Read<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set((await settle(read)) ?? Number.NaN);
      },
    });
  }
}

async function settle<T>(read: Read<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), COLLECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve().then(read), late]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Node reports the cgroup limit (cgroup v1 or v2, through libuv); without one it reports 0 or a
 * number beyond physical memory depending on the version, so anything above the machine's memory
 * counts as no limit.
 */
function memoryLimitBytes(): number {
  const machine = totalmem();
  const constrained = process.constrainedMemory();
  return constrained > 0 && constrained < machine ? constrained : machine;
}
