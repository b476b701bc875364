// API keys: issue, list, rotate, verify, revoke. Only HMAC(pepper, secret) is stored (secret-hash.ts).
//
// The hot path: `verify()` returns its result directly, not a promise, whenever it can answer
// from memory — a malformed key, or a key whose row is cached. A cached key therefore costs no
// database round trip and no await: callers write
//   const outcome = keys.verify(presented, clientIp);
//   const result = outcome instanceof Promise ? await outcome : outcome;
// One method rather than a separate sync fast path, so no caller can forget the cache.
// A cache hit still checks the presented secret against the stored hashes, in constant time, and
// re-checks expiry and the allow-list; rotate() and revoke() drop the entry. A revocation made by
// another process is seen once its cache entry expires (config.apiKeys.cacheTtlMs). A rotation made
// by another process is seen sooner: a secret that matches no hash of a cached entry older than
// STALE_AFTER_MS reloads it (one query per key per STALE_AFTER_MS at most, however many guesses).
//
// Keys live at most config.apiKeyMaxLifetimeS (API_KEY_MAX_LIFETIME_DAYS): a key created without an
// expiry gets that one, a later one is refused (E1015), and a rotation brings an expiry beyond it
// from now (keys made before the limit, or without one) down to it: a leaked key that nobody
// noticed stops working on its own.
//
// Changes are audited here ('api_key.created', 'api_key.rotated', 'api_key.revoked') when the
// caller passes a ChangeOrigin: request handlers always do; the CLI and tests may leave it out.
import type { BlockList } from 'node:net';
import { fromMeta, type AuditEvent, type AuditLog, type RequestMeta } from '../audit/audit-log.ts';
import { ApiKeyStore, type AccountRecord, type StoredKey } from '../db/api-key-store.ts';
import type { Plan } from '../db/entities.ts';
import type { Database } from '../db/orm.ts';
import { page, type Page, type PageRequest } from '../db/pagination.ts';
import { ApiError } from '../http/problem.ts';
import type { Config } from '../config.ts';
import { allowList, isAllowed, normaliseAllowedIps } from './allowed-ips.ts';
import { toApiKeyView, type ApiKeyView } from './api-key-view.ts';
import { ExpiringLru } from './expiring-lru.ts';
import { formatApiKey, generateApiKey, newSecret, parseApiKey } from './key-format.ts';
import { LastUsedRecorder } from './last-used.ts';
import type { KeyPrincipal } from './principal.ts';
import { isKeyScope, type KeyScope } from './scopes.ts';
import { digestSecret, hashSecret, sameHash } from './secret-hash.ts';

export type { AccountRecord } from '../db/api-key-store.ts';
export type { ApiKeyView } from './api-key-view.ts';
export type { Principal } from './principal.ts';

export type VerifyFailure = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'ip_not_allowed';
export type VerifyResult = { ok: true; principal: KeyPrincipal } | { ok: false; reason: VerifyFailure };

export interface NewApiKey {
  name: string;
  scopes: readonly KeyScope[];
  expiresAt?: Date | undefined;
  /** IPv4/IPv6 addresses or CIDRs; an invalid entry is refused with E1001 at /allowed_ips/<i>. */
  allowedIps?: readonly string[] | undefined;
}

/** Who asked for a change, and the audit log to record it in. */
export interface ChangeOrigin {
  audit: AuditLog;
  meta: RequestMeta;
  actorType: AuditEvent['actorType'];
  actorId: string | null;
}

export interface IssuedKey {
  key: ApiKeyView;
  /** The whole key, to hand to the user once; it is never stored. */
  secret: string;
}

// Sized for every active key of a large deployment; a row is a few hundred bytes.
const MAX_CACHED_KEYS = 10_000;
// Unknown lookup ids are remembered too, briefly, so a flood of made-up keys cannot turn into a
// flood of queries. They live in their own bounded cache so that flood cannot evict real keys.
const MAX_CACHED_UNKNOWN = 10_000;
const UNKNOWN_TTL_MS = 5_000;
// See the top of this file: how old a cached key must be before a non-matching secret reloads it.
const STALE_AFTER_MS = 1_000;
// An expires_at of "now + the maximum" computed on a client's clock that runs ahead of ours is still
// accepted (and kept as asked): being refused for a few seconds of skew would be a puzzle.
const CLOCK_SKEW_MS = 5 * 60_000;

const failure = (reason: VerifyFailure): VerifyResult => Object.freeze({ ok: false, reason });
const MALFORMED = failure('malformed');
const UNKNOWN = failure('unknown');
const REVOKED = failure('revoked');
const EXPIRED = failure('expired');
const IP_NOT_ALLOWED = failure('ip_not_allowed');

interface CachedKey {
  keyId: string;
  secretHash: Buffer;
  /** The secret before the last rotation, accepted until previousSecretExpiresAt (ms). */
  previousSecretHash: Buffer | null;
  previousSecretExpiresAt: number;
  expiresAt: number | null;
  revoked: boolean;
  /** Undefined: usable from anywhere. */
  allowed: BlockList | undefined;
  loadedAt: number;
  /** Built once per load, so a hit allocates nothing. */
  ok: VerifyResult;
  /** digestSecret of the presented secret that last matched secretHash / previousSecretHash. */
  matchedCurrent: Buffer | undefined;
  matchedPrevious: Buffer | undefined;
}

export class ApiKeyService {
  readonly #store: ApiKeyStore;
  readonly #pepper: string;
  readonly #maxGraceS: number;
  readonly #maxLifetimeMs: number | undefined;
  readonly #keys: ExpiringLru<string, CachedKey>;
  readonly #unknown: ExpiringLru<string, true>;
  /** One query per lookup id at a time, however many requests miss the cache together. */
  readonly #loading = new Map<string, Promise<CachedKey | undefined>>();
  readonly #lastUsed: LastUsedRecorder;

  constructor(db: Database, config: Config) {
    this.#store = new ApiKeyStore(db.orm);
    this.#pepper = config.apiKeys.pepper;
    this.#maxGraceS = config.apiKeyMaxGraceS;
    this.#maxLifetimeMs = config.apiKeyMaxLifetimeS === undefined ? undefined : config.apiKeyMaxLifetimeS * 1000;
    this.#keys = new ExpiringLru(MAX_CACHED_KEYS, config.apiKeys.cacheTtlMs);
    this.#unknown = new ExpiringLru(MAX_CACHED_UNKNOWN, Math.min(UNKNOWN_TTL_MS, config.apiKeys.cacheTtlMs));
    this.#lastUsed = new LastUsedRecorder(this.#store, config.apiKeys.touchIntervalMs);
  }

  /** Stores a new key; the secret is in the result only. */
  async create(accountId: string, input: NewApiKey, origin?: ChangeOrigin): Promise<IssuedKey> {
    const unknownScopes = input.scopes.filter((scope) => !isKeyScope(scope));
    if (unknownScopes.length > 0) throw new RangeError(`unknown API key scopes: ${unknownScopes.join(', ')}`);
    const allowedIps = normaliseAllowedIps(input.allowedIps ?? []);
    const expiresAt = this.#expiry(input.expiresAt, new Date());
    const generated = generateApiKey();
    const stored = await this.#store.insertKey({
      accountId,
      name: input.name,
      keyPrefix: generated.lookupId,
      secretHash: hashSecret(this.#pepper, generated.secret),
      scopes: [...new Set(input.scopes)],
      allowedIps,
      expiresAt,
    });
    this.#unknown.delete(generated.lookupId);
    const key = toApiKeyView(stored);
    audit(origin, accountId, 'api_key.created', {
      key_id: key.id,
      scopes: key.scopes.join(' '),
      expires_at: key.expires_at,
      allowed_ips: key.allowed_ips.join(' '),
    });
    return { key, secret: generated.presented };
  }

  /** The account's keys, newest first. */
  async list(accountId: string, request: PageRequest): Promise<Page<ApiKeyView>> {
    return page(await this.#store.list(accountId, request), request.limit, toApiKeyView);
  }

  /** One of the account's keys; undefined when the account has no such key. */
  async get(id: string, accountId: string): Promise<ApiKeyView | undefined> {
    const key = await this.#store.find(id, accountId);
    return key && toApiKeyView(key);
  }

  /**
   * A new secret for the same key (same id, same lookup id). The secret it replaces keeps working
   * for `graceSeconds` (0..config.apiKeyMaxGraceS, else E1001 at /grace_period_seconds); rotating
   * again within that time ends the older secret at once. Undefined when the account has no such
   * key or it was revoked: a revoked key is not brought back by a new secret.
   */
  async rotate(id: string, accountId: string, graceSeconds: number, origin?: ChangeOrigin): Promise<IssuedKey | undefined> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > this.#maxGraceS) {
      throw new ApiError('E1001', `The grace period must be a whole number of seconds from 0 to ${this.#maxGraceS}.`, {
        errors: [{ path: '/grace_period_seconds', message: `must be an integer from 0 to ${this.#maxGraceS}` }],
      });
    }
    const secret = newSecret();
    const at = new Date();
    const rotated = await this.#store.rotate(id, accountId, {
      secretHash: hashSecret(this.#pepper, secret),
      at,
      previousSecretExpiresAt: new Date(at.getTime() + graceSeconds * 1000),
      expiresNoLaterThan: this.#latestExpiry(at),
    });
    if (rotated === undefined) return undefined;
    this.#forget(rotated.keyPrefix);
    const key = toApiKeyView(rotated);
    audit(origin, accountId, 'api_key.rotated', {
      key_id: key.id,
      grace_period_seconds: graceSeconds,
      previous_secret_expires_at: key.previous_secret_expires_at,
      expires_at: key.expires_at,
    });
    return { key, secret: formatApiKey(rotated.keyPrefix, secret) };
  }

  /** Revokes one of the account's keys; false when the account has no such key. */
  async revoke(id: string, accountId: string, origin?: ChangeOrigin): Promise<boolean> {
    const key = await this.#store.revoke(id, accountId, new Date());
    if (key === undefined) return false;
    this.#forget(key.keyPrefix);
    audit(origin, accountId, 'api_key.revoked', { key_id: key.id });
    return true;
  }

  /**
   * Synchronous when answered from memory; see the top of this file. The allow-list is checked
   * against `clientIp` only once the secret matched, so 'ip_not_allowed' goes only to its holder.
   */
  verify(presented: string, clientIp: string, now: Date = new Date()): VerifyResult | Promise<VerifyResult> {
    const parts = parseApiKey(presented);
    if (parts === undefined) return MALFORMED;
    const digest = digestSecret(parts.secret);
    const judge = (key: CachedKey | undefined) => (key === undefined ? UNKNOWN : this.#judge(key, parts.secret, digest, clientIp, now));
    const cached = this.#keys.get(parts.lookupId);
    if (cached !== undefined) {
      const result = judge(cached);
      if (result !== UNKNOWN || Date.now() - cached.loadedAt < STALE_AFTER_MS) return result;
      return this.#load(parts.lookupId).then(judge);
    }
    if (this.#unknown.get(parts.lookupId)) return UNKNOWN;
    return this.#load(parts.lookupId).then(judge);
  }

  findOrCreateAccount(email: string, plan: Plan): Promise<AccountRecord> {
    return this.#store.findOrCreateAccount(email.trim().toLowerCase(), plan);
  }

  /** Keys whose rows were deleted elsewhere (account erasure): the next verification finds them gone. */
  forgetKeys(lookupIds: Iterable<string>): void {
    for (const lookupId of lookupIds) this.#forget(lookupId);
  }

  /** Writes the last-used times noted so far. */
  flush(): Promise<void> {
    return this.#lastUsed.flush();
  }

  /** Stops the periodic write and writes what is left; the database stays open. */
  close(): Promise<void> {
    return this.#lastUsed.close();
  }

  // The secret is compared first: until it matches, every failure reads 'unknown', so a caller
  // holding only a lookup id learns nothing about the key behind it. Both hashes are compared
  // whichever matches, so timing does not tell the current secret from the previous one.
  #judge(key: CachedKey, secret: string, digest: Buffer, clientIp: string, now: Date): VerifyResult {
    if (!this.#accepts(key, secret, digest, now)) return UNKNOWN;
    if (key.revoked) return REVOKED;
    if (key.expiresAt !== null && key.expiresAt <= now.getTime()) return EXPIRED;
    if (key.allowed !== undefined && !isAllowed(key.allowed, clientIp)) return IP_NOT_ALLOWED;
    this.#lastUsed.record(key.keyId, now);
    return key.ok;
  }

  /**
   * Whether the secret is the key's current one, or its previous one within the grace period. A
   * secret that matched before is recognised by its digest, in constant time like the hashes; any
   * other is hashed with the pepper and compared, and remembered when it matches. Loading the key
   * again (after a rotation) forgets what was matched.
   */
  #accepts(key: CachedKey, secret: string, digest: Buffer, now: Date): boolean {
    let current = key.matchedCurrent !== undefined && sameHash(key.matchedCurrent, digest);
    let previous = key.matchedPrevious !== undefined && sameHash(key.matchedPrevious, digest);
    if (!current && !previous) {
      const hash = hashSecret(this.#pepper, secret);
      current = sameHash(key.secretHash, hash);
      previous = key.previousSecretHash !== null && sameHash(key.previousSecretHash, hash);
      if (current) key.matchedCurrent = digest;
      if (previous) key.matchedPrevious = digest;
    }
    return current || (previous && now.getTime() < key.previousSecretExpiresAt);
  }

  /** The expiry a new key gets: `requested`, or the maximum lifetime when none was asked for; E1015 beyond it. */
  #expiry(requested: Date | undefined, now: Date): Date | null {
    const latest = this.#latestExpiry(now);
    if (latest === undefined) return requested ?? null;
    if (requested === undefined) return latest;
    if (requested.getTime() > latest.getTime() + CLOCK_SKEW_MS) {
      throw new ApiError('E1015', `An API key may live ${this.#maxLifetimeMs! / 86_400_000} days at most: expires_at must be no later than ${latest.toISOString()}.`, {
        errors: [{ path: '/expires_at', message: `must be no later than ${latest.toISOString()}` }],
      });
    }
    return requested;
  }

  #latestExpiry(now: Date): Date | undefined {
    return this.#maxLifetimeMs === undefined ? undefined : new Date(now.getTime() + this.#maxLifetimeMs);
  }

  /** After a change made here, the next verification reads the row again. */
  #forget(lookupId: string): void {
    this.#keys.delete(lookupId);
    this.#loading.delete(lookupId);
  }

  #load(lookupId: string): Promise<CachedKey | undefined> {
    const inFlight = this.#loading.get(lookupId);
    if (inFlight !== undefined) return inFlight;
    const loading = this.#store.findByPrefix(lookupId).then(
      (stored) => {
        const key = stored && toCached(stored);
        // #forget() drops the in-flight load: a row read before a change must not be cached.
        if (this.#loading.get(lookupId) === loading) {
          this.#loading.delete(lookupId);
          if (key === undefined) {
            // Gone since it was cached (its account was deleted): forget it now, not at expiry.
            this.#keys.delete(lookupId);
            this.#unknown.set(lookupId, true);
          } else {
            this.#keys.set(lookupId, key);
          }
        }
        return key;
      },
      (error: unknown) => {
        if (this.#loading.get(lookupId) === loading) this.#loading.delete(lookupId);
        throw error;
      },
    );
    this.#loading.set(lookupId, loading);
    return loading;
  }
}

function toCached(stored: StoredKey): CachedKey {
  const principal: KeyPrincipal = Object.freeze({
    kind: 'key',
    accountId: stored.accountId,
    keyId: stored.id,
    plan: stored.plan,
    scopes: new Set(stored.scopes),
  });
  return {
    keyId: stored.id,
    secretHash: stored.secretHash,
    previousSecretHash: stored.previousSecretHash,
    previousSecretExpiresAt: stored.previousSecretExpiresAt?.getTime() ?? 0,
    expiresAt: stored.expiresAt?.getTime() ?? null,
    revoked: stored.revokedAt !== null,
    allowed: allowList(stored.allowedIps),
    loadedAt: Date.now(),
    ok: Object.freeze({ ok: true, principal }),
    matchedCurrent: undefined,
    matchedPrevious: undefined,
  };
}

function audit(origin: ChangeOrigin | undefined, accountId: string, action: string, details: NonNullable<AuditEvent['details']>): void {
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
