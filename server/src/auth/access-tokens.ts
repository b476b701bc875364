// Access tokens: JWTs in the RFC 9068 profile (header typ 'at+jwt'), signed as signed-jwt.ts says,
// carrying the account (sub), the session (sid) and the plan.
//
// The plan travels in the token so a request needs no query to know its limits; a plan change
// reaches the account's tokens at their next refresh (at most config.jwt.accessTtlS later).
// Log-out is seen through SessionStatus: the session's revocation, not a list of tokens.
import type { Config } from '../config.ts';
import { PLANS, type Plan } from '../db/entities.ts';
import { ApiError } from '../http/problem.ts';
import type { Clock } from './identity.ts';
import type { SessionStatus } from './session-status.ts';
import { InvalidJwt, SignedJwt } from './signed-jwt.ts';

export interface AccessPrincipal {
  accountId: string;
  sessionId: string;
  plan: Plan;
}

const CLAIMS = ['sid', 'plan'];

export class AccessTokens {
  readonly #jwt: SignedJwt;
  readonly #sessions: SessionStatus;
  readonly ttlS: number;

  constructor(config: Config, sessions: SessionStatus, now: Clock) {
    const { secret, issuer, audience, accessTtlS } = config.jwt;
    this.#jwt = new SignedJwt({ secret, issuer, audience, headerTyp: 'at+jwt', tokenTyp: 'access', ttlS: accessTtlS }, now);
    this.#sessions = sessions;
    this.ttlS = accessTtlS;
  }

  sign(principal: AccessPrincipal): Promise<string> {
    return this.#jwt.sign(principal.accountId, { sid: principal.sessionId, plan: principal.plan });
  }

  /** The token's principal, or E1110 for anything wrong with it, including a signed-out session. */
  async verifyAccessToken(token: string): Promise<AccessPrincipal> {
    let claims;
    try {
      claims = await this.#jwt.verify(token, CLAIMS);
    } catch (error) {
      if (!(error instanceof InvalidJwt)) throw error;
      throw new ApiError('E1110', error.expired ? 'The access token expired.' : undefined);
    }
    const { sub, sid, plan } = claims;
    if (!isPlan(plan) || typeof sid !== 'string') throw new ApiError('E1110');
    if (!(await this.#sessions.isSessionActive(sid))) throw new ApiError('E1110', 'The session was signed out.');
    return { accountId: sub, sessionId: sid, plan };
  }
}

function isPlan(value: unknown): value is Plan {
  return (PLANS as readonly unknown[]).includes(value);
}
