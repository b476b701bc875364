// The mfa_token that log-in returns when the account has TOTP on: a short-lived JWT saying "this
// account's password was right", exchanged once for tokens by POST /v1/auth/login/mfa. Its own
// audience and typ keep it from passing as an access token, or the reverse.
//
// Single use: a spent token's jti is kept in PostgreSQL (spent_mfa_tokens) until the token expires,
// so the rule holds across instances and restarts, not just within one process.
import type { Config } from '../config.ts';
import type { SecondFactorStore } from '../db/second-factor-store.ts';
import { ApiError } from '../http/problem.ts';
import type { Clock } from './identity.ts';
import { InvalidJwt, SignedJwt } from './signed-jwt.ts';

export interface MfaChallenge {
  mfa_token: string;
  mfa_token_expires_in: number;
}

export interface MfaTokenClaims {
  accountId: string;
  jti: string;
  expiresAt: Date;
}

export class MfaTokens {
  readonly #jwt: SignedJwt;
  readonly #ttlS: number;
  readonly #store: SecondFactorStore;
  readonly #now: Clock;

  constructor(config: Config, store: SecondFactorStore, now: Clock) {
    const { secret, issuer, audience, mfaTtlS } = config.jwt;
    this.#jwt = new SignedJwt({ secret, issuer, audience: `${audience}:mfa`, headerTyp: 'mfa+jwt', tokenTyp: 'mfa', ttlS: mfaTtlS }, now);
    this.#ttlS = mfaTtlS;
    this.#store = store;
    this.#now = now;
  }

  async issue(accountId: string): Promise<MfaChallenge> {
    return { mfa_token: await this.#jwt.sign(accountId), mfa_token_expires_in: this.#ttlS };
  }

  /** The token's claims, or E1113. Does not spend it: see claim(). */
  async verify(token: string): Promise<MfaTokenClaims> {
    try {
      const { sub, jti, exp } = await this.#jwt.verify(token);
      return { accountId: sub, jti, expiresAt: new Date(exp * 1000) };
    } catch (error) {
      if (error instanceof InvalidJwt) throw new ApiError('E1113');
      throw error;
    }
  }

  /**
   * Spends the token before its code is checked, so a replayed token is refused without spending
   * the code sent with it; E1113 when it was spent (or is being used) already.
   */
  async claim(claims: MfaTokenClaims): Promise<void> {
    if (!(await this.#store.claimMfaToken(claims.jti, claims.expiresAt, this.#now()))) {
      throw new ApiError('E1113', 'The mfa_token was used already.');
    }
  }

  /** Gives a claimed token back after a wrong code: the user may try another one. */
  release(claims: MfaTokenClaims): Promise<void> {
    return this.#store.releaseMfaToken(claims.jti);
  }
}
