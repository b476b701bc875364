// API keys: issue, verify, revoke. Only HMAC(pepper, secret) is stored (secret-hash.ts).
//
// The hot path: `verify()` returns its result directly, not a promise, whenever it can answer
// from memory — a malformed key, or a key whose row is cached. A cached key therefore costs no
// database round trip and no await: callers write
//   const outcome = keys.verify(presented);
//   const result = outcome instanceof Promise ? await outcome : outcome;
// One method rather than a separate sync fast path, so no caller can forget the cache.
// A cache hit still checks the presented secret against the stored hash, in constant time, and
// re-checks expiry; revoke() drops the entry. Revocation made by another process is seen once its
// cache entry expires (config.apiKeys.cacheTtlMs).
import { ApiKeyStore, type AccountRecord, type ApiKeyRecord, type StoredKey } from '../db/api-key-store.ts';
import type { Plan } from '../db/entities.ts';
import type { Database } from '../db/orm.ts';
import type { Config } from '../config.ts';
import { ExpiringLru } from './expiring-lru.ts';
import { generateApiKey, parseApiKey } from './key-format.ts';
import { LastUsedRecorder } from './last-used.ts';
import { isKeyScope, type KeyScope } from './scopes.ts';
import { hashSecret, sameHash } from './secret-hash.ts';

export type { ApiKeyRecord, AccountRecord } from '../db/api-key-store.ts';

export interface Principal {
  accountId: string;
  keyId: string;
  plan: Plan;
  scopes: ReadonlySet<string>;
}

export type VerifyFailure = 'malformed' | 'unknown' | 'revoked' | 'expired';
export type VerifyResult = { ok: true; principal: Principal } | { ok: false; reason: VerifyFailure };

export interface NewApiKey {
  name: string;
  scopes: readonly KeyScope[];
  expiresAt?: Date;
}

// Sized for every active key of a large deployment; a row is a few hundred bytes.
const MAX_CACHED_KEYS = 10_000;
// Unknown lookup ids are remembered too, briefly, so a flood of made-up keys cannot turn into a
// flood of queries. They live in their own bounded cache so that flood cannot evict real keys.
const MAX_CACHED_UNKNOWN = 10_000;
const UNKNOWN_TTL_MS = 5_000;

const failure = (reason: VerifyFailure): VerifyResult => Object.freeze({ ok: false, reason });
const MALFORMED = failure('malformed');
const UNKNOWN = failure('unknown');
const REVOKED = failure('revoked');
const EXPIRED = failure('expired');

interface CachedKey {
  keyId: string;
  secretHash: Buffer;
  expiresAt: number | null;
  revoked: boolean;
  /** Built once per load, so a hit allocates nothing. */
  ok: VerifyResult;
}

export class ApiKeyService {
  readonly #store: ApiKeyStore;
  readonly #pepper: string;
  readonly #keys: ExpiringLru<string, CachedKey>;
  readonly #unknown: ExpiringLru<string, true>;
  /** One query per lookup id at a time, however many requests miss the cache together. */
  readonly #loading = new Map<string, Promise<CachedKey | undefined>>();
  readonly #lastUsed: LastUsedRecorder;

  constructor(db: Database, config: Config) {
    this.#store = new ApiKeyStore(db.orm);
    this.#pepper = config.apiKeys.pepper;
    this.#keys = new ExpiringLru(MAX_CACHED_KEYS, config.apiKeys.cacheTtlMs);
    this.#unknown = new ExpiringLru(MAX_CACHED_UNKNOWN, Math.min(UNKNOWN_TTL_MS, config.apiKeys.cacheTtlMs));
    this.#lastUsed = new LastUsedRecorder(this.#store, config.apiKeys.touchIntervalMs);
  }

  /** Stores a new key; `secret` is the whole key to hand to the user, shown once and never stored. */
  async create(accountId: string, input: NewApiKey): Promise<{ key: ApiKeyRecord; secret: string }> {
    const unknownScopes = input.scopes.filter((scope) => !isKeyScope(scope));
    if (unknownScopes.length > 0) throw new RangeError(`unknown API key scopes: ${unknownScopes.join(', ')}`);
    const generated = generateApiKey();
    const key = await this.#store.insertKey({
      accountId,
      name: input.name,
      keyPrefix: generated.lookupId,
      secretHash: hashSecret(this.#pepper, generated.secret),
      scopes: [...new Set(input.scopes)],
      expiresAt: input.expiresAt ?? null,
    });
    this.#unknown.delete(generated.lookupId);
    return { key, secret: generated.presented };
  }

  /** Synchronous when answered from memory; see the top of this file. */
  verify(presented: string, now: Date = new Date()): VerifyResult | Promise<VerifyResult> {
    const parts = parseApiKey(presented);
    if (parts === undefined) return MALFORMED;
    const presentedHash = hashSecret(this.#pepper, parts.secret);
    const cached = this.#keys.get(parts.lookupId);
    if (cached !== undefined) return this.#judge(cached, presentedHash, now);
    if (this.#unknown.get(parts.lookupId)) return UNKNOWN;
    return this.#load(parts.lookupId).then((loaded) =>
      loaded === undefined ? UNKNOWN : this.#judge(loaded, presentedHash, now),
    );
  }

  /** Revokes one of the account's keys; false when the account has no such key. */
  async revoke(id: string, accountId: string): Promise<boolean> {
    const key = await this.#store.revoke(id, accountId, new Date());
    if (key === undefined) return false;
    this.#keys.delete(key.keyPrefix);
    this.#loading.delete(key.keyPrefix);
    return true;
  }

  findOrCreateAccount(email: string, plan: Plan): Promise<AccountRecord> {
    return this.#store.findOrCreateAccount(email.trim().toLowerCase(), plan);
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
  // holding only a lookup id learns nothing about the key behind it.
  #judge(key: CachedKey, presentedHash: Buffer, now: Date): VerifyResult {
    if (!sameHash(key.secretHash, presentedHash)) return UNKNOWN;
    if (key.revoked) return REVOKED;
    if (key.expiresAt !== null && key.expiresAt <= now.getTime()) return EXPIRED;
    this.#lastUsed.record(key.keyId, now);
    return key.ok;
  }

  #load(lookupId: string): Promise<CachedKey | undefined> {
    const inFlight = this.#loading.get(lookupId);
    if (inFlight !== undefined) return inFlight;
    const loading = this.#store.findByPrefix(lookupId).then(
      (stored) => {
        const key = stored && toCached(stored);
        // revoke() drops the in-flight load: a row read before the revocation must not be cached.
        if (this.#loading.get(lookupId) === loading) {
          this.#loading.delete(lookupId);
          if (key === undefined) this.#unknown.set(lookupId, true);
          else this.#keys.set(lookupId, key);
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
  const principal: Principal = Object.freeze({
    accountId: stored.accountId,
    keyId: stored.id,
    plan: stored.plan,
    scopes: new Set(stored.scopes),
  });
  return {
    keyId: stored.id,
    secretHash: stored.secretHash,
    expiresAt: stored.expiresAt?.getTime() ?? null,
    revoked: stored.revokedAt !== null,
    ok: Object.freeze({ ok: true, principal }),
  };
}
