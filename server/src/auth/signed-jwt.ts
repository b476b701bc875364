// The one way this API signs and checks its JWTs (jose). HS256 is pinned on verify, so `alg: none`,
// a public-key algorithm, or the same secret under another HMAC are refused before any claim is
// read. Each kind of token has its own audience, header `typ` and `typ` claim, so none passes for
// another.
import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Clock } from './identity.ts';

export interface JwtProfile {
  secret: string;
  issuer: string;
  audience: string;
  /** The header's `typ`, e.g. 'at+jwt' (RFC 9068). */
  headerTyp: string;
  /** The payload's `typ` claim. */
  tokenTyp: string;
  ttlS: number;
}

export interface VerifiedClaims extends JWTPayload {
  sub: string;
  jti: string;
  exp: number;
}

const ALGORITHM = 'HS256';
// Servers' clocks disagree by a little; more would let a token from the future through.
const CLOCK_TOLERANCE_S = 5;
const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'iat', 'exp', 'jti', 'typ'];

/** Thrown for a token that is not valid now; `expired` tells a client it should refresh. */
export class InvalidJwt extends Error {
  override name = 'InvalidJwt';
  readonly expired: boolean;

  constructor(message: string, expired: boolean) {
    super(message);
    this.expired = expired;
  }
}

export class SignedJwt {
  readonly #key: Uint8Array;
  readonly #profile: JwtProfile;
  readonly #now: Clock;

  constructor(profile: JwtProfile, now: Clock) {
    this.#key = new TextEncoder().encode(profile.secret);
    this.#profile = profile;
    this.#now = now;
  }

  sign(subject: string, claims: Record<string, string> = {}): Promise<string> {
    const issuedAt = Math.floor(this.#now().getTime() / 1000);
    return new SignJWT({ ...claims, typ: this.#profile.tokenTyp })
      .setProtectedHeader({ alg: ALGORITHM, typ: this.#profile.headerTyp })
      .setIssuer(this.#profile.issuer)
      .setAudience(this.#profile.audience)
      .setSubject(subject)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.#profile.ttlS)
      .setJti(randomUUID())
      .sign(this.#key);
  }

  /** The claims, which include `required` as strings; InvalidJwt for anything else. */
  async verify(token: string, required: readonly string[] = []): Promise<VerifiedClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: [ALGORITHM],
        typ: this.#profile.headerTyp,
        issuer: this.#profile.issuer,
        audience: this.#profile.audience,
        requiredClaims: [...REQUIRED_CLAIMS, ...required],
        // Also makes jose refuse an iat in the future (beyond the tolerance).
        maxTokenAge: this.#profile.ttlS,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: this.#now(),
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new InvalidJwt(error.message, error instanceof errors.JWTExpired);
      throw error;
    }
    const { sub, jti, exp, typ } = payload;
    if (typ !== this.#profile.tokenTyp) throw new InvalidJwt('unexpected "typ" claim', false);
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number' || !required.every((name) => typeof payload[name] === 'string')) {
      throw new InvalidJwt('a claim is not a string', false);
    }
    return { ...payload, sub, jti, exp };
  }
}
