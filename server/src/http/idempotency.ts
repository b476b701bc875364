// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) on the operations whose spec takes
// it (route.idempotent), and only when the client sends it. Keys belong to the account. The first
// request claims its key and runs; its response (status, a few headers, body bytes) is stored once
// the handler has returned, that is after the handler's own writes committed, and replayed to every
// retry with the same key and payload. The same key with another payload is 422 (E1010); a retry
// while the first still runs is 409 (E1009). A 5xx is not stored: the key is released so a retry
// can run, while a 4xx is stored and replayed like any other response, as the draft asks.
//
// A success whose body holds a secret shown once (route.secretOnce, the spec's x-secret-once: a new
// API key, a webhook signing secret) is the exception: secrets are never stored nor returned twice,
// so only the id of the object it created or rotated is kept, and a retry answers E1011 naming it.
// The client learns that nothing was done twice and what to revoke if it lost the secret.
//
// What this cannot promise: if storing the response fails after the handler committed, or the
// handler outlives the lock (`lockMs`), a later retry runs the handler again. The lock exists so a
// crashed process does not pin a key until it expires.
import { createHash, type Hash } from 'node:crypto';
import { Stream } from 'node:stream';
import { ApiError } from './problem.ts';
import { writeProblem } from './handle-errors.ts';
import { secretBoxFor, type SecretBox } from '../auth/secret-box.ts';
import { IdempotencyStore, type StoredResponse } from '../db/idempotency-store.ts';
import type { AppContext } from './context.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/orm.ts';
import type { Logger } from '../observability/logger.ts';

const HEADER = 'idempotency-key';
// The spec's IdempotencyKey parameter: 1 to 255 printable ASCII characters.
const MAX_KEY_LENGTH = 255;
const PRINTABLE = /^[ -~]+$/;
/** Response headers that belong to the response itself; the rest (rate limits, request id) describe each request. */
const STORED_HEADERS = ['content-type', 'location'];
const DEFAULT_LOCK_MS = 60_000;
const PURGE_INTERVAL_MS = 60_000;
// Batches of the store's size per sweep: enough for a busy minute, short enough not to linger.
const MAX_PURGE_BATCHES = 20;

export interface IdempotencyOptions {
  ttlMs: number;
  lockMs?: number;
  /** Seals stored bodies: they may hold personal data (a job's output, a webhook URL). */
  box: SecretBox;
  log: Logger;
}

export class Idempotency {
  readonly #store: IdempotencyStore;
  readonly #ttlMs: number;
  readonly #lockMs: number;
  readonly #box: SecretBox;
  readonly #log: Logger;
  readonly #purge: NodeJS.Timeout;

  constructor(store: IdempotencyStore, options: IdempotencyOptions) {
    this.#store = store;
    this.#ttlMs = options.ttlMs;
    this.#lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
    this.#box = options.box;
    this.#log = options.log;
    // Expired keys are already ignored by claims; the sweep only keeps the table small.
    this.#purge = setInterval(() => void this.#purgeExpired(), PURGE_INTERVAL_MS).unref();
  }

  /** Runs `run` (the handler and its response) at most once per account and key. */
  async guard(ctx: AppContext, body: unknown, run: () => void | Promise<void>): Promise<void> {
    const accountId = ctx.state.principal!.accountId;
    const key = keyOf(ctx);
    const fingerprint = fingerprintOf(ctx, body);
    const now = new Date();
    const claim = await this.#store.claim({
      accountId,
      key,
      fingerprint,
      now,
      lockedUntil: new Date(now.getTime() + this.#lockMs),
      expiresAt: new Date(now.getTime() + this.#ttlMs),
    });
    switch (claim.outcome) {
      case 'mismatch':
        throw new ApiError('E1010', 'This Idempotency-Key was used for a different request; use a new key.');
      case 'in_flight':
        throw new ApiError('E1009', 'A request with this Idempotency-Key is still running; retry shortly.', { headers: { 'Retry-After': '1' } });
      case 'done':
        return this.#replay(ctx, accountId, key, claim.response);
      case 'claimed':
        return this.#runClaimed(ctx, accountId, key, now, run);
    }
  }

  close(): void {
    clearInterval(this.#purge);
  }

  async #runClaimed(ctx: AppContext, accountId: string, key: string, claimedAt: Date, run: () => void | Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) {
        await this.#release(accountId, key, claimedAt);
        throw error;
      }
      writeProblem(ctx, error);
    }
    if (ctx.status >= 500 || ctx.body instanceof Stream) {
      if (ctx.body instanceof Stream) ctx.state.log.error({ operation: ctx.state.route?.operationId }, 'an idempotent operation streamed its response; nothing stored');
      return this.#release(accountId, key, claimedAt);
    }
    const response = this.#storable(ctx, accountId, key);
    try {
      if (!(await this.#store.complete(accountId, key, claimedAt, response))) {
        ctx.state.log.warn({ idempotency_key: key }, 'the handler outlived its idempotency lock and a retry took the key over; its response was not stored');
      }
    } catch (error) {
      // The handler's work is committed, so the client still gets its response; a retry after
      // the lock expires would run it again, which the log records.
      ctx.state.log.error({ err: error, idempotency_key: key }, 'idempotent response not stored');
    }
  }

  /** What a replay needs of the response: the bytes as sent, or only an id when they hold a secret shown once. */
  #storable(ctx: AppContext, accountId: string, key: string): StoredResponse {
    const secretOnce = ctx.state.route?.secretOnce;
    if (secretOnce && ctx.status < 300) {
      const id = idAt(ctx.body, secretOnce.idPath);
      // Still withheld: a replay must not return the secret even if it cannot say whose it was.
      if (id === null) ctx.state.log.error({ operation: ctx.state.route?.operationId }, 'x-secret-once names no id in the reply');
      return { status: ctx.status, headers: storedHeaders(ctx), body: null, resourceId: id };
    }
    const bytes = bodyBytes(ctx.body);
    // The client gets exactly the bytes a replay will send.
    ctx.body = bytes;
    return { status: ctx.status, headers: storedHeaders(ctx), body: this.#box.seal(bytes, sealContext(accountId, key)), resourceId: null };
  }

  #replay(ctx: AppContext, accountId: string, key: string, response: StoredResponse): void {
    if (response.body === null) {
      const id = response.resourceId ?? 'the object it made';
      throw new ApiError(
        'E1011',
        `The request with this Idempotency-Key already succeeded for ${id}; its secret was shown once, in that response, and is not kept. ` +
          `If you did not store it, revoke or rotate ${id} with a new Idempotency-Key.`,
      );
    }
    const bytes = this.#box.open(response.body, sealContext(accountId, key));
    ctx.status = response.status;
    ctx.set(response.headers);
    ctx.set('Idempotent-Replayed', 'true');
    ctx.body = bytes;
  }

  async #release(accountId: string, key: string, claimedAt: Date): Promise<void> {
    try {
      await this.#store.release(accountId, key, claimedAt);
    } catch (error) {
      // The key then stays claimed until its lock expires: a retry gets 409 until then.
      this.#log.error({ err: error, idempotency_key: key }, 'idempotency key not released');
    }
  }

  async #purgeExpired(): Promise<void> {
    try {
      for (let batch = 0; batch < MAX_PURGE_BATCHES && (await this.#store.purgeExpired(new Date())); batch++);
    } catch (error) {
      this.#log.warn({ err: error }, 'expired idempotency keys not purged; will retry');
    }
  }
}

/** The route takes the header, the client sent it (even empty: that is refused), and there is an account to scope it to. */
export function asksForIdempotency(ctx: AppContext): boolean {
  return ctx.state.route?.idempotent === true && ctx.request.headers[HEADER] !== undefined && ctx.state.principal !== undefined;
}

export function createIdempotency(db: Database, config: Config, log: Logger): Idempotency {
  return new Idempotency(new IdempotencyStore(db.orm), {
    ttlMs: config.idempotencyTtlS * 1_000,
    box: secretBoxFor(config, 'idempotency-response'),
    log,
  });
}

function keyOf(ctx: AppContext): string {
  const key = ctx.get(HEADER);
  let problem: string | undefined;
  if (key === '') problem = 'must not be empty';
  else if (key.length > MAX_KEY_LENGTH) problem = `must be at most ${MAX_KEY_LENGTH} characters`;
  else if (!PRINTABLE.test(key)) problem = 'must be printable ASCII';
  if (problem === undefined) return key;
  throw new ApiError('E1001', `The Idempotency-Key header ${problem}.`, { errors: [{ path: '/header/Idempotency-Key', message: problem }] });
}

/** SHA-256 over method, path with query, and the body in canonical JSON (keys sorted), so formatting does not matter. */
function fingerprintOf(ctx: AppContext, body: unknown): Buffer {
  const hash = createHash('sha256').update(`${ctx.method} ${ctx.path}?${ctx.querystring}\n`);
  if (body !== undefined) hashCanonical(hash, body);
  return hash.digest();
}

// Fed to the hash piece by piece, so a body of megabytes is not copied again whole (a job's input
// arrives here already reduced to its hash: jobs/job-intake.ts).
function hashCanonical(hash: Hash, value: unknown): void {
  if (Array.isArray(value)) {
    hash.update('[');
    value.forEach((item, i) => {
      if (i > 0) hash.update(',');
      hashCanonical(hash, item);
    });
    hash.update(']');
  } else if (value !== null && typeof value === 'object') {
    hash.update('{');
    Object.keys(value)
      .sort()
      .forEach((name, i) => {
        hash.update(`${i > 0 ? ',' : ''}${JSON.stringify(name)}:`);
        hashCanonical(hash, (value as Record<string, unknown>)[name]);
      });
    hash.update('}');
  } else {
    hash.update(JSON.stringify(value));
  }
}

/** The body as Koa would send it. */
function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(JSON.stringify(body));
}

/** The id at `path` in a reply the spec says holds one (scripts/generate/routes.ts checks the pointer). */
function idAt(body: unknown, path: readonly string[]): string | null {
  const id = path.reduce<unknown>((node, name) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[name] : undefined), body);
  return typeof id === 'string' ? id : null;
}

function storedHeaders(ctx: AppContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = ctx.response.get(name);
    if (value !== '') headers[name] = value;
  }
  return headers;
}

function sealContext(accountId: string, key: string): string {
  return `idempotency\n${accountId}\n${key}`;
}
