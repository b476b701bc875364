// Accounts as their owner sees them: sign-up with email and password, and the profile behind
// GET/PATCH /v1/me. Only the name can be changed here: plan, email verification and ids are not
// the user's to set (issue 3 §1, mass assignment).
import type { RequestMeta } from '../audit/audit-log.ts';
import type { Plan } from '../db/entities.ts';
import type { IdentityAccount, IdentityAccountStore } from '../db/identity-account-store.ts';
import { ApiError } from '../http/problem.ts';
import { checkPasswordPolicy, hashPassword, normalizeEmail } from './passwords.ts';
import type { SessionTokens, TokenPair } from './session-tokens.ts';

/** The account on the wire. */
export interface AccountView {
  id: string;
  email: string;
  name: string | null;
  plan: Plan;
  email_verified: boolean;
  mfa_enabled: boolean;
  created_at: string;
}

export interface SignupInput {
  email: string;
  password: string;
  name?: string | null | undefined;
}

export const NEW_ACCOUNT_PLAN: Plan = 'free';

export function accountView(account: IdentityAccount): AccountView {
  return {
    id: account.id,
    email: account.email,
    name: account.name,
    plan: account.plan,
    email_verified: account.emailVerified,
    mfa_enabled: account.mfaEnabled,
    created_at: account.createdAt.toISOString(),
  };
}

export class AccountService {
  readonly #store: IdentityAccountStore;
  readonly #sessions: SessionTokens;

  constructor(store: IdentityAccountStore, sessions: SessionTokens) {
    this.#store = store;
    this.#sessions = sessions;
  }

  /** A new account, signed in; E1115 for a weak password, E1116 when the email is taken. */
  async signup(input: SignupInput, meta: RequestMeta): Promise<{ account: AccountView; tokens: TokenPair }> {
    const email = normalizeEmail(input.email);
    checkPasswordPolicy(input.password, email);
    const account = await this.#store.insert({
      email,
      plan: NEW_ACCOUNT_PLAN,
      passwordHash: await hashPassword(input.password),
      name: input.name ?? null,
      emailVerified: false,
    });
    if (account === undefined) throw new ApiError('E1116');
    return { account: accountView(account), tokens: await this.#sessions.start(account, meta) };
  }

  async get(accountId: string): Promise<AccountView> {
    return accountView(existing(await this.#store.findById(accountId)));
  }

  async update(accountId: string, changes: { name: string | null }): Promise<AccountView> {
    return accountView(existing(await this.#store.updateName(accountId, changes.name)));
  }
}

/** For a signed-in caller whose account is gone: only deletion removes one, which ends its sessions. */
export function accountGone(): ApiError {
  return new ApiError('E1110', 'The account no longer exists.');
}

function existing(account: IdentityAccount | undefined): IdentityAccount {
  if (account === undefined) throw accountGone();
  return account;
}
