// The queries behind the second factor: the account's TOTP columns, its recovery codes, and the
// MFA tokens already spent. Every "use once" rule is a single conditional statement, so two
// requests racing with the same code or token cannot both succeed.
import type { QueryResult } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Account } from './entities.ts';
import { newId } from './ids.ts';
import { RecoveryCode } from './identity-entities.ts';

export interface TotpState {
  email: string;
  /** Sealed (auth/secret-box.ts); set once enabled. */
  secret: Buffer | null;
  /** Sealed; set by setup until enable confirms it. */
  pendingSecret: Buffer | null;
  enabled: boolean;
  lastStep: number | null;
}

const STEP_IS_NEW = '(totp_last_step is null or totp_last_step < ?)';

export class SecondFactorStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async totpState(accountId: string): Promise<TotpState | undefined> {
    const row = await this.#orm.em.fork().findOne(Account, { id: accountId });
    if (!row) return undefined;
    return {
      email: row.email,
      secret: row.totpSecret ?? null,
      pendingSecret: row.totpPendingSecret ?? null,
      enabled: row.totpEnabledAt != null,
      lastStep: row.totpLastStep ?? null,
    };
  }

  /** Replaces any pending secret; false when TOTP is already enabled. */
  async setPending(accountId: string, sealed: Buffer): Promise<boolean> {
    const changed = await this.#orm.em
      .fork()
      .nativeUpdate(Account, { id: accountId, totpEnabledAt: null }, { totpPendingSecret: sealed });
    return changed === 1;
  }

  /**
   * Makes the pending secret the secret, records `step` as used and replaces the recovery codes.
   * False when something changed since `pending` was read (enabled, set up again, or the step used).
   */
  enable(accountId: string, pending: Buffer, step: number, now: Date, codeHashes: Buffer[]): Promise<boolean> {
    return this.#orm.em.fork().transactional(async (em) => {
      const result = await em.execute<QueryResult>(
        `update accounts set totp_secret = totp_pending_secret, totp_pending_secret = null, totp_enabled_at = ?, totp_last_step = ?
         where id = ? and totp_enabled_at is null and totp_pending_secret = ? and ${STEP_IS_NEW}`,
        [now, step, accountId, pending, step],
        'run',
      );
      if (result.affectedRows !== 1) return false;
      await em.nativeDelete(RecoveryCode, { account: accountId });
      for (const codeHash of codeHashes) em.create(RecoveryCode, { id: newId('rc'), account: accountId, codeHash });
      await em.flush();
      return true;
    });
  }

  /** Records `step` as the last TOTP step used; false when it (or a later one) already was. */
  async spendStep(accountId: string, step: number): Promise<boolean> {
    const result = await this.#orm.em
      .fork()
      .execute<QueryResult>(
        `update accounts set totp_last_step = ? where id = ? and totp_enabled_at is not null and ${STEP_IS_NEW}`,
        [step, accountId, step],
        'run',
      );
    return result.affectedRows === 1;
  }

  /** Marks the code used; undefined when it is not an unused code of the account, else how many remain. */
  async spendRecoveryCode(accountId: string, codeHash: Buffer, now: Date): Promise<{ remaining: number } | undefined> {
    // The outer select sees the table as it was before the update in its own statement.
    const [row] = await this.#orm.em.fork().execute<{ spent: string; unused_before: string }[]>(
      `with spent as (
         update recovery_codes set used_at = ? where account_id = ? and code_hash = ? and used_at is null returning id
       )
       select (select count(*) from spent) as spent,
              (select count(*) from recovery_codes where account_id = ? and used_at is null) as unused_before`,
      [now, accountId, codeHash, accountId],
    );
    if (row === undefined || Number(row.spent) !== 1) return undefined;
    return { remaining: Number(row.unused_before) - 1 };
  }

  /** Clears the secrets and the recovery codes; keeps the last step, so old codes stay spent. */
  disable(accountId: string): Promise<void> {
    return this.#orm.em.fork().transactional(async (em) => {
      await em.nativeUpdate(Account, { id: accountId }, { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null });
      await em.nativeDelete(RecoveryCode, { account: accountId });
    });
  }

  /**
   * Records an MFA token's jti as spent; false when it already was. Expired entries are purged in
   * the same statement: a token past its expiry is refused for that alone.
   */
  async claimMfaToken(jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    const rows = await this.#orm.em.fork().execute(
      `with purged as (delete from spent_mfa_tokens where expires_at < ?)
       insert into spent_mfa_tokens (jti, expires_at) values (?, ?) on conflict (jti) do nothing returning jti`,
      [now, jti, expiresAt],
    );
    return rows.length === 1;
  }

  /** Undoes claimMfaToken for a log-in that did not complete, so the token can be tried again. */
  async releaseMfaToken(jti: string): Promise<void> {
    await this.#orm.em.fork().execute('delete from spent_mfa_tokens where jti = ?', [jti]);
  }
}
