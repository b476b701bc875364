// me: the signed-in account.
import { signedInUser } from '../http/request-meta.ts';
import type { Handler } from '../http/handler.ts';
import type { AccountService } from '../auth/accounts.ts';

export function meHandlers(accounts: AccountService): { getAccount: Handler<'getAccount'>; updateAccount: Handler<'updateAccount'> } {
  return {
    getAccount: async ({ principal }) => ({ status: 200, body: await accounts.get(signedInUser(principal).accountId) }),
    updateAccount: async ({ body, principal }) => ({
      status: 200,
      body: await accounts.update(signedInUser(principal).accountId, { name: body.name ?? null }),
    }),
  };
}
