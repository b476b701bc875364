// Signing in: with email and password, then the second factor when the account has TOTP on, or
// through an identity provider (OIDC). Each way ends in a new session and its token pair.
//
// A correct password on an account with TOTP does not reset the failed log-in count: only a
// completed sign-in does, or knowing the password would buy unlimited guesses at the code.
import { fromMeta, type AuditEvent, type RequestMeta } from '../audit/audit-log.ts';
import type { IdentityAccount, IdentityAccountStore } from '../db/identity-account-store.ts';
import type { OidcIdentityStore } from '../db/oidc-identity-store.ts';
import { ApiError } from '../http/problem.ts';
import { accountView, NEW_ACCOUNT_PLAN, type AccountView } from './accounts.ts';
import type { AuditRecorder } from './identity.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { MfaService, SecondFactor } from './mfa.ts';
import type { MfaChallenge, MfaTokens } from './mfa-tokens.ts';
import { normalizeEmail, verifyPassword } from './passwords.ts';
import type { SessionTokens, TokenPair } from './session-tokens.ts';

export interface Authenticated {
  kind: 'authenticated';
  account: AccountView;
  tokens: TokenPair;
}

export interface MfaRequired extends MfaChallenge {
  kind: 'mfa_required';
}

export type SignInResult = Authenticated | MfaRequired;

/** What the OIDC callback learned from the provider's ID token. */
export interface OidcIdentity {
  email: string;
  emailVerified: boolean;
  provider: string;
  subject: string;
}

export interface SignInDependencies {
  accounts: IdentityAccountStore;
  oidcIdentities: OidcIdentityStore;
  throttle: LoginThrottle;
  mfa: MfaService;
  mfaTokens: MfaTokens;
  sessions: SessionTokens;
  audit: AuditRecorder;
}

export class SignInService {
  readonly #deps: SignInDependencies;

  constructor(deps: SignInDependencies) {
    this.#deps = deps;
  }

  /** E1108 for a wrong email or password (alike), E1109 while throttled or locked. */
  async login(credentials: { email: string; password: string }, meta: RequestMeta): Promise<SignInResult> {
    const { accounts, throttle } = this.#deps;
    const account = await accounts.findByEmail(normalizeEmail(credentials.email));
    if (account === undefined) {
      await verifyPassword(null, credentials.password);
      this.#failed(null, 'unknown_email', meta);
      throw new ApiError('E1108');
    }
    const attempt = await throttle.begin(account, meta);
    if (!(await verifyPassword(account.passwordHash, credentials.password))) {
      throttle.failed(attempt, meta);
      this.#failed(account.id, account.passwordHash === null ? 'no_password' : 'wrong_password', meta);
      throw new ApiError('E1108');
    }
    if (account.mfaEnabled) return this.#mfaRequired(account);
    await throttle.succeeded(attempt);
    return this.#authenticated(account, { method: 'password' }, meta);
  }

  /** Exchanges log-in's mfa_token and a TOTP or recovery code for tokens; E1113, E1112 or E1109. */
  async completeMfaLogin(mfaToken: string, code: string, meta: RequestMeta): Promise<Authenticated> {
    const { accounts, mfaTokens } = this.#deps;
    const claims = await mfaTokens.verify(mfaToken);
    const account = await accounts.findById(claims.accountId);
    if (account === undefined || !account.mfaEnabled) throw new ApiError('E1113');
    await mfaTokens.claim(claims);
    const factor = await this.#secondFactor(account, code, meta).catch(async (error: unknown) => {
      await mfaTokens.release(claims);
      throw error;
    });
    return this.#authenticated(account, { method: 'mfa', factor }, meta);
  }

  /**
   * Signs in the account linked to the provider's subject. A subject seen for the first time is
   * linked to the account with its email, created if there is none, but only when the provider
   * says the email is verified (E1118): otherwise anyone could claim anyone's account. An existing
   * password account whose email was never verified is not linked (E1116): see below.
   */
  async linkOidc(identity: OidcIdentity, meta: RequestMeta): Promise<SignInResult> {
    const { accounts, oidcIdentities } = this.#deps;
    const { provider, subject } = identity;
    let accountId = await oidcIdentities.findAccountId(provider, subject);
    if (accountId === undefined) {
      if (!identity.emailVerified) throw new ApiError('E1118');
      const owner = await this.#accountWithVerifiedEmail(normalizeEmail(identity.email));
      accountId = await oidcIdentities.link(owner.id, provider, subject);
    }
    const account = await accounts.findById(accountId);
    if (account === undefined) throw new Error(`account ${accountId} vanished while signing in through ${provider}`);
    if (account.mfaEnabled) return this.#mfaRequired(account);
    return this.#authenticated(account, { method: 'oidc', provider }, meta);
  }

  /** Checks the code as a log-in attempt: throttled, and counted when wrong. */
  async #secondFactor(account: IdentityAccount, code: string, meta: RequestMeta): Promise<SecondFactor> {
    const { throttle, mfa } = this.#deps;
    const attempt = await throttle.begin(account, meta);
    const factor = await mfa.verifyCode(account.id, code, meta);
    if (factor === undefined) {
      throttle.failed(attempt, meta);
      this.#failed(account.id, 'wrong_code', meta);
      throw new ApiError('E1112');
    }
    await throttle.succeeded(attempt);
    return factor;
  }

  async #accountWithVerifiedEmail(email: string): Promise<IdentityAccount> {
    const { accounts } = this.#deps;
    const found = await accounts.findByEmail(email);
    if (found !== undefined) {
      // Pre-hijacking: anyone can sign up with a password under an email they do not own, and
      // sign-up verifies no email. Linking a provider to such an account would hand its owner an
      // account the attacker still holds a password, keys and sessions for; so an unverified
      // password account is never linked: its owner logs in with the password instead.
      if (!found.emailVerified && found.passwordHash !== null) {
        throw new ApiError('E1116', 'An account with this email exists; log in with its password.');
      }
      if (!found.emailVerified) await accounts.markEmailVerified(found.id);
      return found;
    }
    const created = await accounts.insert({ email, plan: NEW_ACCOUNT_PLAN, passwordHash: null, name: null, emailVerified: true });
    // undefined: created meanwhile by a concurrent sign-in, whose account it is.
    return created ?? (await accounts.findByEmail(email))!;
  }

  async #mfaRequired(account: IdentityAccount): Promise<MfaRequired> {
    return { kind: 'mfa_required', ...(await this.#deps.mfaTokens.issue(account.id)) };
  }

  async #authenticated(account: IdentityAccount, details: NonNullable<AuditEvent['details']>, meta: RequestMeta): Promise<Authenticated> {
    const tokens = await this.#deps.sessions.start(account, meta);
    this.#deps.audit.record({
      action: 'login.succeeded',
      accountId: account.id,
      actorType: 'user',
      actorId: account.id,
      outcome: 'success',
      ...fromMeta(meta),
      details,
    });
    return { kind: 'authenticated', account: accountView(account), tokens };
  }

  #failed(accountId: string | null, reason: string, meta: RequestMeta): void {
    this.#deps.audit.record({ action: 'login.failed', accountId, actorType: 'anonymous', outcome: 'failure', ...fromMeta(meta), details: { reason } });
  }
}
