// The identity services of issue 3 §1–§3, wired together once: the app builds them with
// createIdentity() and hands each handler the one it needs.
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import { IdentityAccountStore } from '../db/identity-account-store.ts';
import { OidcIdentityStore } from '../db/oidc-identity-store.ts';
import type { Database } from '../db/orm.ts';
import { RefreshTokenStore } from '../db/refresh-token-store.ts';
import { SecondFactorStore } from '../db/second-factor-store.ts';
import { AccessTokens } from './access-tokens.ts';
import { AccountService } from './accounts.ts';
import { deriveKey } from './derive-key.ts';
import { LoginThrottle } from './login-throttle.ts';
import { MfaService, TOTP_SECRET_PURPOSE } from './mfa.ts';
import { MfaTokens } from './mfa-tokens.ts';
import { secretBoxFor } from './secret-box.ts';
import { SessionStatus } from './session-status.ts';
import { SessionTokens } from './session-tokens.ts';
import { SignInService } from './sign-in.ts';

/** The part of the audit log these services use. */
export type AuditRecorder = Pick<AuditLog, 'record'>;

/** Where the services read the time: tests move it instead of sleeping. */
export type Clock = () => Date;

export interface Identity {
  accounts: AccountService;
  signIn: SignInService;
  mfa: MfaService;
  sessions: SessionTokens;
  /** verifyAccessToken() for the authentication middleware. */
  accessTokens: AccessTokens;
}

export interface IdentityOptions {
  now?: Clock;
  /** How long a session's "still signed in" answer is cached (session-status.ts). */
  sessionStatusTtlMs?: number;
}

export function createIdentity(db: Database, config: Config, audit: AuditRecorder, options: IdentityOptions = {}): Identity {
  const now = options.now ?? (() => new Date());
  const accountStore = new IdentityAccountStore(db.orm);
  const secondFactorStore = new SecondFactorStore(db.orm);
  const refreshTokenStore = new RefreshTokenStore(db.orm);
  const status = new SessionStatus(refreshTokenStore, options.sessionStatusTtlMs);
  const accessTokens = new AccessTokens(config, status, now);
  const sessions = new SessionTokens(refreshTokenStore, accessTokens, status, config, audit, now);
  const mfa = new MfaService(
    secondFactorStore,
    secretBoxFor(config, TOTP_SECRET_PURPOSE),
    [config.totpEncryptionKey, ...config.totpEncryptionKeysPrevious].map((key) => deriveKey(key, 'recovery-code')),
    audit,
    now,
  );
  const signIn = new SignInService({
    accounts: accountStore,
    oidcIdentities: new OidcIdentityStore(db.orm),
    throttle: new LoginThrottle(accountStore, config.login, audit, now),
    mfa,
    mfaTokens: new MfaTokens(config, secondFactorStore, now),
    sessions,
    audit,
  });
  return { accounts: new AccountService(accountStore, sessions), signIn, mfa, sessions, accessTokens };
}
