// Who a request acts for, once authenticated: an API key (limited to its scopes) or a signed-in
// user (every key scope, plus managing keys and the account).
import type { Plan } from '../db/entities.ts';

export interface KeyPrincipal {
  kind: 'key';
  accountId: string;
  keyId: string;
  plan: Plan;
  scopes: ReadonlySet<string>;
}

export interface UserPrincipal {
  kind: 'user';
  accountId: string;
  sessionId: string;
  plan: Plan;
}

export type Principal = KeyPrincipal | UserPrincipal;
