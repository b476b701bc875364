// Which account an identity provider's subject signs in to.
import type { MikroORM } from '@mikro-orm/postgresql';
import { newId } from './ids.ts';
import { OidcIdentity } from './identity-entities.ts';

export class OidcIdentityStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async findAccountId(provider: string, subject: string): Promise<string | undefined> {
    const row = await this.#orm.em.fork().findOne(OidcIdentity, { provider, subject });
    return row?.account.id;
  }

  /** Links the subject to the account unless it is linked already; returns the account it is linked to. */
  async link(accountId: string, provider: string, subject: string): Promise<string> {
    await this.#orm.em.fork().execute(
      `insert into oidc_identities (id, account_id, provider, subject, created_at) values (?, ?, ?, ?, ?)
       on conflict (provider, subject) do nothing`,
      [newId('oidc'), accountId, provider, subject, new Date()],
    );
    const linked = await this.findAccountId(provider, subject);
    if (linked === undefined) throw new Error(`OIDC identity ${provider}/${subject} vanished while being linked`);
    return linked;
  }
}
