// Sessions and their token pairs: a sign-in starts a session (a family of refresh tokens), every
// refresh spends the presented refresh token and issues the next one (rotation), and presenting a
// spent one again revokes the whole family (OAuth 2.0 Security BCP, RFC 9700 §4.14.2): either the
// client or a thief holds a copy, and the server cannot tell which.
//
// Refresh tokens are opaque: 'tmr_' and 256 random bits. Only SHA-256 of a token is stored. A slow
// password hash protects guessable secrets; nobody can guess 256 random bits, so a fast hash already
// makes a stolen table useless, and lets the hash itself be the unique lookup key.
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Plan } from '../db/entities.ts';
import { newId } from '../db/ids.ts';
import type { RefreshTokenStore } from '../db/refresh-token-store.ts';
import { ApiError } from '../http/problem.ts';
import { fromMeta, type RequestMeta } from '../audit/audit-log.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { AuditRecorder, Clock } from './identity.ts';
import type { SessionStatus } from './session-status.ts';

/** What the token endpoints return (wire shape, OAuth 2.0 names). */
export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
}

const TOKEN_PREFIX = 'tmr_';
const TOKEN_PATTERN = /^tmr_[A-Za-z0-9_-]{43}$/;

export class SessionTokens {
  readonly #store: RefreshTokenStore;
  readonly #accessTokens: AccessTokens;
  readonly #status: SessionStatus;
  readonly #refreshTtlS: number;
  readonly #audit: AuditRecorder;
  readonly #now: Clock;

  constructor(store: RefreshTokenStore, accessTokens: AccessTokens, status: SessionStatus, config: Config, audit: AuditRecorder, now: Clock) {
    this.#store = store;
    this.#accessTokens = accessTokens;
    this.#status = status;
    this.#refreshTtlS = config.jwt.refreshTtlS;
    this.#audit = audit;
    this.#now = now;
  }

  /** A new session for the account, and its first pair. */
  async start(account: { id: string; plan: Plan }, meta: RequestMeta): Promise<TokenPair> {
    const sessionId = newId('sess');
    const refreshToken = newRefreshToken();
    await this.#store.insert({ accountId: account.id, sessionId, ...this.#refreshRow(refreshToken, meta) });
    return this.#pair({ accountId: account.id, sessionId, plan: account.plan }, refreshToken);
  }

  /** Spends `token` for a new pair of the same session; E1111 otherwise (see the top of this file). */
  async refresh(token: string, meta: RequestMeta): Promise<TokenPair> {
    if (!TOKEN_PATTERN.test(token)) throw new ApiError('E1111');
    const presentedHash = hashToken(token);
    const next = newRefreshToken();
    const session = await this.#store.rotate(presentedHash, this.#now(), this.#refreshRow(next, meta));
    if (session !== undefined) return this.#pair(session, next);
    const stored = await this.#store.findByHash(presentedHash);
    if (stored !== undefined && stored.usedAt !== null && stored.revokedAt === null) {
      await this.revokeSession(stored.sessionId);
      this.#audit.record({
        action: 'refresh_token.reused',
        accountId: stored.accountId,
        actorType: 'anonymous',
        outcome: 'failure',
        ...fromMeta(meta),
        details: { session_id: stored.sessionId },
      });
      throw new ApiError('E1111', 'The refresh token was used already; the session is signed out.');
    }
    throw new ApiError('E1111');
  }

  /** Log-out: the session's refresh tokens stop working, and so do its access tokens. */
  async revokeSession(sessionId: string): Promise<void> {
    await this.#store.revokeSession(sessionId, this.#now());
    this.#status.revoked([sessionId]);
  }

  async revokeAllSessions(accountId: string): Promise<void> {
    this.#status.revoked(await this.#store.revokeAccount(accountId, this.#now()));
  }

  /** Sessions whose refresh tokens were deleted elsewhere (account erasure): refused from now on. */
  forgetSessions(sessionIds: Iterable<string>): void {
    this.#status.revoked(sessionIds);
  }

  #refreshRow(token: string, meta: RequestMeta) {
    return {
      tokenHash: hashToken(token),
      expiresAt: new Date(this.#now().getTime() + this.#refreshTtlS * 1000),
      ip: meta.ip,
      userAgent: meta.userAgent ?? null,
    };
  }

  async #pair(principal: { accountId: string; sessionId: string; plan: Plan }, refreshToken: string): Promise<TokenPair> {
    return {
      access_token: await this.#accessTokens.sign(principal),
      token_type: 'Bearer',
      expires_in: this.#accessTokens.ttlS,
      refresh_token: refreshToken,
      refresh_token_expires_in: this.#refreshTtlS,
    };
  }
}

function newRefreshToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
