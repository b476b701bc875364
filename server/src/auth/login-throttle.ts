// Brute-force protection per account (issue 3 §5). After config.login.slowAfter failed log-ins in
// a row, each further attempt waits 2^(failures - slowAfter) seconds after the last failure (at
// most lockS); at lockAfter failures the account is locked for lockS. When a lock ends, counting
// starts over. A success resets the count.
//
// An attempt counts as failed from the moment it is let through until it succeeds: letting it
// through and counting it are one compare-and-set on the account's counters, so a burst of
// parallel guesses gets no more tries than the same guesses made one after another.
import type { Config } from '../config.ts';
import type { IdentityAccountStore, LoginCounters } from '../db/identity-account-store.ts';
import { ApiError } from '../http/problem.ts';
import { fromMeta, type RequestMeta } from '../audit/audit-log.ts';
import type { AuditRecorder, Clock } from './identity.ts';

export type LoginPolicy = Config['login'];

/** One attempt let through: its place in the run of failures, and whether failing it locks. */
export interface LoginAttempt {
  accountId: string;
  failures: number;
  locks: boolean;
}

type Decision = { allowed: true; next: LoginCounters; failures: number } | { allowed: false; retryAfterS: number; reason: 'locked' | 'throttled' };

/** The rule, on its own: may an attempt start now, and what do the counters become if it does. */
export function decideAttempt(counters: LoginCounters, now: Date, policy: LoginPolicy): Decision {
  const at = now.getTime();
  const lockedUntil = counters.lockedUntil?.getTime();
  if (lockedUntil !== undefined && lockedUntil > at) {
    return { allowed: false, retryAfterS: Math.ceil((lockedUntil - at) / 1000), reason: 'locked' };
  }
  const failures = lockedUntil === undefined ? counters.failedLogins : 0;
  const lastFailure = counters.lastFailedLoginAt?.getTime();
  if (failures >= policy.slowAfter && lastFailure !== undefined) {
    const waitS = Math.min(2 ** (failures - policy.slowAfter), policy.lockS);
    const allowedAt = lastFailure + waitS * 1000;
    if (at < allowedAt) return { allowed: false, retryAfterS: Math.ceil((allowedAt - at) / 1000), reason: 'throttled' };
  }
  const counted = failures + 1;
  const lockedFrom = counted >= policy.lockAfter ? new Date(at + policy.lockS * 1000) : null;
  return { allowed: true, failures: counted, next: { failedLogins: counted, lastFailedLoginAt: now, lockedUntil: lockedFrom } };
}

export class LoginThrottle {
  readonly #store: IdentityAccountStore;
  readonly #policy: LoginPolicy;
  readonly #audit: AuditRecorder;
  readonly #now: Clock;

  constructor(store: IdentityAccountStore, policy: LoginPolicy, audit: AuditRecorder, now: Clock) {
    this.#store = store;
    this.#policy = policy;
    this.#audit = audit;
    this.#now = now;
  }

  /** Lets one attempt through, counted as failed until succeeded(); else E1109 with Retry-After. */
  async begin(account: { id: string; login: LoginCounters }, meta: RequestMeta): Promise<LoginAttempt> {
    const decision = decideAttempt(account.login, this.#now(), this.#policy);
    if (!decision.allowed) throw this.#refusal(account.id, decision.retryAfterS, decision.reason, meta);
    if (!(await this.#store.swapLoginCounters(account.id, account.login, decision.next))) {
      // Another attempt on this account changed the counters since they were read: it is in flight.
      throw this.#refusal(account.id, 1, 'throttled', meta);
    }
    return { accountId: account.id, failures: decision.failures, locks: decision.next.lockedUntil !== null };
  }

  /** The attempt failed: it stays counted; the one that reached lockAfter is audited as the lock. */
  failed(attempt: LoginAttempt, meta: RequestMeta): void {
    if (!attempt.locks) return;
    this.#audit.record({
      action: 'account.locked',
      accountId: attempt.accountId,
      actorType: 'system',
      outcome: 'success',
      ...fromMeta(meta),
      details: { failed_logins: attempt.failures, locked_for_s: this.#policy.lockS },
    });
  }

  succeeded(attempt: LoginAttempt): Promise<void> {
    return this.#store.clearLoginFailures(attempt.accountId);
  }

  #refusal(accountId: string, retryAfterS: number, reason: 'locked' | 'throttled', meta: RequestMeta): ApiError {
    this.#audit.record({ action: 'login.failed', accountId, actorType: 'anonymous', outcome: 'failure', ...fromMeta(meta), details: { reason } });
    return new ApiError('E1109', `Too many failed log-ins: try again in ${retryAfterS} second${retryAfterS === 1 ? '' : 's'}.`, {
      headers: { 'Retry-After': String(retryAfterS) },
    });
  }
}
