// What an API key may be allowed to do: the spec's x-scopes on the API key scheme (DESIGN.md
// "Scopes for API keys"). Keys cannot manage keys or the account: that needs a user's JWT.
import { scopes } from '../generated/routes.ts';

export const KEY_SCOPES = scopes;

export type KeyScope = (typeof KEY_SCOPES)[number];

const known: ReadonlySet<string> = new Set(KEY_SCOPES);

export function isKeyScope(scope: string): scope is KeyScope {
  return known.has(scope);
}
