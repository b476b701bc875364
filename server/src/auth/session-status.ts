// Whether a session is still signed in, asked for every request that carries an access token.
// Answers are kept for a short time, so an authenticated request usually costs no database round
// trip; the price is that a log-out made by another process reaches this one's cache within
// STATUS_TTL_MS. Sessions this process revokes are refused at once.
import type { RefreshTokenStore } from '../db/refresh-token-store.ts';
import { ExpiringLru } from './expiring-lru.ts';

// Enough for every session active within the TTL on a busy instance; an entry is ~100 bytes.
const MAX_SESSIONS = 50_000;
const STATUS_TTL_MS = 30_000;

export class SessionStatus {
  readonly #store: RefreshTokenStore;
  readonly #active: ExpiringLru<string, boolean>;
  /** One query per session at a time, however many requests miss the cache together. */
  readonly #loading = new Map<string, Promise<boolean>>();

  constructor(store: RefreshTokenStore, ttlMs: number = STATUS_TTL_MS) {
    this.#store = store;
    this.#active = new ExpiringLru(MAX_SESSIONS, ttlMs);
  }

  isSessionActive(sessionId: string): Promise<boolean> {
    const cached = this.#active.get(sessionId);
    if (cached !== undefined) return Promise.resolve(cached);
    return this.#loading.get(sessionId) ?? this.#load(sessionId);
  }

  /** This process revoked the sessions: from now on they are inactive, whatever was cached or loading. */
  revoked(sessionIds: Iterable<string>): void {
    for (const sessionId of sessionIds) {
      this.#loading.delete(sessionId);
      this.#active.set(sessionId, false);
    }
  }

  #load(sessionId: string): Promise<boolean> {
    const loading = this.#store.isSessionActive(sessionId).then(
      (active) => {
        // revoked() drops the in-flight load: an answer read before the revocation is stale.
        if (this.#loading.get(sessionId) !== loading) return false;
        this.#loading.delete(sessionId);
        this.#active.set(sessionId, active);
        return active;
      },
      (error: unknown) => {
        if (this.#loading.get(sessionId) === loading) this.#loading.delete(sessionId);
        throw error;
      },
    );
    this.#loading.set(sessionId, loading);
    return loading;
  }
}
