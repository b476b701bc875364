// The second factor (issue 3 §2): TOTP set-up, enable (which hands out the recovery codes),
// disable, and checking a code at log-in. Secrets are sealed at rest (secret-box.ts); a TOTP step
// and a recovery code are each accepted once, by a conditional update (second-factor-store.ts).
import { fromMeta, type RequestMeta } from '../audit/audit-log.ts';
import type { SecondFactorStore, TotpState } from '../db/second-factor-store.ts';
import { ApiError } from '../http/problem.ts';
import { accountGone } from './accounts.ts';
import type { AuditRecorder, Clock } from './identity.ts';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes.ts';
import type { SecretBox } from './secret-box.ts';
import { base32, looksLikeTotpCode, matchingStep, newTotpSecret, otpauthUrl } from './totp.ts';

export interface TotpSetup {
  /** Base32, for typing into an authenticator by hand. */
  secret: string;
  otpauth_url: string;
}

export type SecondFactor = 'totp' | 'recovery_code';

/** What the TOTP secrets are sealed for (secretBoxFor): the key derived for it seals nothing else. */
export const TOTP_SECRET_PURPOSE = 'totp-secret';

export class MfaService {
  readonly #store: SecondFactorStore;
  readonly #box: SecretBox;
  readonly #recoveryKeys: readonly Buffer[];
  readonly #audit: AuditRecorder;
  readonly #now: Clock;

  /**
   * `recoveryKeys`: the HMAC keys recovery codes are stored under (recovery-codes.ts), the current
   * one first. New codes are hashed under it; a code given before TOTP_ENCRYPTION_KEY was rotated is
   * hashed under a previous one, and a hash cannot be re-keyed, so it is looked up under each.
   */
  constructor(store: SecondFactorStore, box: SecretBox, recoveryKeys: readonly Buffer[], audit: AuditRecorder, now: Clock) {
    this.#store = store;
    this.#box = box;
    this.#recoveryKeys = recoveryKeys;
    this.#audit = audit;
    this.#now = now;
  }

  /** A new secret, pending until enable() confirms it; E1114 when TOTP is on already. */
  async setup(accountId: string): Promise<TotpSetup> {
    const state = await this.#state(accountId);
    if (state.enabled) throw new ApiError('E1114', 'Two-factor authentication is already enabled; disable it first.');
    const secret = newTotpSecret();
    if (!(await this.#store.setPending(accountId, this.#box.seal(secret, accountId)))) {
      throw new ApiError('E1114', 'Two-factor authentication is already enabled; disable it first.');
    }
    return { secret: base32(secret), otpauth_url: otpauthUrl(secret, state.email) };
  }

  /** Turns TOTP on with a code from the pending secret; returns the ten recovery codes, shown once. */
  async enable(accountId: string, code: string, meta: RequestMeta): Promise<string[]> {
    const state = await this.#state(accountId);
    if (state.enabled) throw new ApiError('E1114', 'Two-factor authentication is already enabled.');
    if (state.pendingSecret === null) throw new ApiError('E1114', 'Set up two-factor authentication first (POST /v1/auth/2fa/setup).');
    const step = matchingStep(this.#box.open(state.pendingSecret, accountId), code, this.#now(), state.lastStep);
    if (step === undefined) throw new ApiError('E1112');
    const codes = newRecoveryCodes();
    const hashes = codes.map((each) => hashRecoveryCode(this.#recoveryKeys[0]!, each));
    if (!(await this.#store.enable(accountId, state.pendingSecret, step, this.#now(), hashes))) {
      // Raced with another enable, a new set-up, or the same code used meanwhile.
      throw new ApiError('E1112');
    }
    this.#audit.record({ action: 'mfa.enabled', accountId, actorType: 'user', actorId: accountId, outcome: 'success', ...fromMeta(meta) });
    return codes;
  }

  /** Turns TOTP off; needs a current TOTP or an unused recovery code. */
  async disable(accountId: string, code: string, meta: RequestMeta): Promise<void> {
    const state = await this.#state(accountId);
    if (!state.enabled) throw new ApiError('E1114', 'Two-factor authentication is not enabled.');
    if ((await this.#spendCode(accountId, state, code, meta)) === undefined) throw new ApiError('E1112');
    await this.#store.disable(accountId);
    this.#audit.record({ action: 'mfa.disabled', accountId, actorType: 'user', actorId: accountId, outcome: 'success', ...fromMeta(meta) });
  }

  /**
   * Checks and spends a second-factor code at log-in: which kind it was, or undefined when it is
   * wrong, replayed, or the account has no TOTP (any more).
   */
  async verifyCode(accountId: string, code: string, meta: RequestMeta): Promise<SecondFactor | undefined> {
    const state = await this.#store.totpState(accountId);
    if (state === undefined || !state.enabled) return undefined;
    return this.#spendCode(accountId, state, code, meta);
  }

  async #spendCode(accountId: string, state: TotpState, code: string, meta: RequestMeta): Promise<SecondFactor | undefined> {
    if (looksLikeTotpCode(code)) {
      if (state.secret === null) return undefined;
      const step = matchingStep(this.#box.open(state.secret, accountId), code, this.#now(), state.lastStep);
      return step !== undefined && (await this.#store.spendStep(accountId, step)) ? 'totp' : undefined;
    }
    let spent: { remaining: number } | undefined;
    for (const key of this.#recoveryKeys) {
      spent = await this.#store.spendRecoveryCode(accountId, hashRecoveryCode(key, code), this.#now());
      if (spent !== undefined) break;
    }
    if (spent === undefined) return undefined;
    this.#audit.record({
      action: 'mfa.recovery_code_used',
      accountId,
      actorType: 'user',
      actorId: accountId,
      outcome: 'success',
      ...fromMeta(meta),
      details: { remaining: spent.remaining },
    });
    return 'recovery_code';
  }

  async #state(accountId: string): Promise<TotpState> {
    const state = await this.#store.totpState(accountId);
    if (state === undefined) throw accountGone();
    return state;
  }
}
