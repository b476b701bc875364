// The queries on accounts that sign-in needs: creating them, reading them, their name, and the
// failed log-in counters. Each call works on a fresh EntityManager fork.
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Account, type Plan } from './entities.ts';
import { newId } from './ids.ts';

export interface IdentityAccount {
  id: string;
  email: string;
  name: string | null;
  plan: Plan;
  emailVerified: boolean;
  /** argon2id PHC string; null when the account signs in only through an identity provider. */
  passwordHash: string | null;
  mfaEnabled: boolean;
  createdAt: Date;
  login: LoginCounters;
}

/** Failed log-ins in a row; read, then changed only if nobody changed them meanwhile. */
export interface LoginCounters {
  failedLogins: number;
  lastFailedLoginAt: Date | null;
  lockedUntil: Date | null;
}

export interface NewAccount {
  email: string;
  plan: Plan;
  passwordHash: string | null;
  name: string | null;
  emailVerified: boolean;
}

const NO_FAILURES: LoginCounters = { failedLogins: 0, lastFailedLoginAt: null, lockedUntil: null };

export class IdentityAccountStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  /** undefined when the email is taken. */
  async insert(account: NewAccount): Promise<IdentityAccount | undefined> {
    const em = this.#orm.em.fork();
    const row = em.create(Account, { id: newId('acct'), ...account });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) return undefined;
      throw error;
    }
    return toIdentityAccount(row);
  }

  async findByEmail(email: string): Promise<IdentityAccount | undefined> {
    const row = await this.#orm.em.fork().findOne(Account, { email });
    return row ? toIdentityAccount(row) : undefined;
  }

  async findById(id: string): Promise<IdentityAccount | undefined> {
    const row = await this.#orm.em.fork().findOne(Account, { id });
    return row ? toIdentityAccount(row) : undefined;
  }

  async updateName(id: string, name: string | null): Promise<IdentityAccount | undefined> {
    const em = this.#orm.em.fork();
    const row = await em.findOne(Account, { id });
    if (!row) return undefined;
    row.name = name;
    await em.flush();
    return toIdentityAccount(row);
  }

  async markEmailVerified(id: string): Promise<void> {
    await this.#orm.em.fork().nativeUpdate(Account, { id, emailVerified: false }, { emailVerified: true });
  }

  /**
   * Compare-and-set: writes `next` only if the counters are still `expected`, so of two log-in
   * attempts racing on one account only one is let through.
   */
  async swapLoginCounters(id: string, expected: LoginCounters, next: LoginCounters): Promise<boolean> {
    const changed = await this.#orm.em.fork().nativeUpdate(
      Account,
      { id, failedLogins: expected.failedLogins, lastFailedLoginAt: expected.lastFailedLoginAt },
      next,
    );
    return changed === 1;
  }

  async clearLoginFailures(id: string): Promise<void> {
    await this.#orm.em.fork().nativeUpdate(Account, { id }, NO_FAILURES);
  }
}

function toIdentityAccount(row: Account): IdentityAccount {
  return {
    id: row.id,
    email: row.email,
    name: row.name ?? null,
    plan: row.plan,
    emailVerified: row.emailVerified,
    passwordHash: row.passwordHash ?? null,
    mfaEnabled: row.totpEnabledAt != null,
    createdAt: row.createdAt,
    login: {
      failedLogins: row.failedLogins,
      lastFailedLoginAt: row.lastFailedLoginAt ?? null,
      lockedUntil: row.lockedUntil ?? null,
    },
  };
}
