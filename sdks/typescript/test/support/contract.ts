// The one contract environment of a run (sdks/conformance/contract): the real server on the real
// PostgreSQL, a real OpenID provider, and an API key with every key scope. Every suite under
// test/contract shares it, so the coverage the server reports at the end is their union.
import { setTimeout as sleep } from 'node:timers/promises';
import { startContractEnvironment, type ContractEnvironment } from '../../../conformance/contract/environment.ts';
import { KEY_SCOPES } from '../../../../server/src/auth/scopes.ts';
import { Transmute, type Session } from '../../src/index.ts';

export { OIDC_PROVIDER } from '../../../conformance/contract/environment.ts';

export const PASSWORD = 'correct horse battery staple';

/** Waits long enough for the background work (jobs, deliveries, exports) of a loaded machine. */
export const BACKGROUND_MS = 30_000;

export interface Contract {
  environment: ContractEnvironment;
  baseURL: string;
  /** The environment's API key: every key scope, on an account of its own. */
  client: Transmute;
  /** No credentials: the operations the spec lets anyone call. */
  anonymous: Transmute;
  /** A client that sends this key or access token. */
  as(apiKey: string): Transmute;
}

let current: Contract | undefined;

export function contract(): Contract {
  if (!current) throw new Error('the contract environment is not started (startContract in a before hook)');
  return current;
}

export async function startContract(): Promise<void> {
  const environment = await startContractEnvironment();
  const baseURL = environment.server.url;
  const as = (apiKey: string) => new Transmute({ baseURL, apiKey });
  // An empty key, not an absent one: TRANSMUTE_API_KEY from the environment must not fill it in.
  current = { environment, baseURL, client: as(environment.key), anonymous: as(''), as };
}

/** Stops the environment; `uncovered` names the operations no request of the run reached. */
export async function stopContract(): Promise<{ uncovered: string[]; report: string }> {
  const environment = contract().environment;
  current = undefined;
  return environment.stop();
}

let accounts = 0;

/** Signs a new account up through the SDK and returns a client carrying its access token. */
export async function newUser(label: string): Promise<{ user: Transmute; session: Session; email: string }> {
  const email = `${label}-${++accounts}@example.com`;
  const session = await contract().anonymous.auth.signUp({ email, password: PASSWORD });
  return { user: contract().as(session.tokens.access_token), session, email };
}

/**
 * A client with a key of every scope on a new account. The free plan allows 60 requests a minute
 * per key, so the suites that make many calls (polling jobs and deliveries) each get their own.
 */
export async function newKeyClient(label: string): Promise<Transmute> {
  const { user } = await newUser(label);
  const { secret } = await user.apiKeys.create({ name: label, scopes: [...KEY_SCOPES] });
  return contract().as(secret);
}

/** Every item of an auto-paging list, walking its pages with `for await`. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/**
 * Asks `check` until it gives a value (not undefined or false), for background work to land. The
 * pause is long enough that asking the API does not spend the key's rate limit.
 */
export async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + BACKGROUND_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
