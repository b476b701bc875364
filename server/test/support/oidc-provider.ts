// A real OpenID provider (oidc-provider, certified) on a loopback port, for sign-in tests.
// Its login and consent pages are replaced by one endpoint that signs in the account the test
// names (or refuses), so a test walks the whole browser flow with fetch and a cookie jar. Reached
// with neither, it is a page with a form for each answer, for a test that drives a real browser.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Adapter, type AdapterFactory, type AdapterPayload, type InteractionResults } from 'oidc-provider';
import type { OidcProviderConfig } from '../../src/config.ts';

export interface TestAccount {
  /** Absent: the provider asserts no email at all. */
  email?: string;
  emailVerified: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The account id (`sub`) of alice@example.com, whose email is verified. */
  verifiedAccount: string;
  /** Adds an account and returns its id (`sub`). */
  addAccount(account: TestAccount): string;
  /** Transmute's configuration for this provider under `name`. */
  config(name: string, redirectUri: string): OidcProviderConfig;
  /**
   * Plays the browser from `authorizationUrl` through the provider, signing in `accountId`,
   * and returns where the provider sends it back: the redirect URI with code and state.
   */
  signIn(authorizationUrl: string, accountId: string): Promise<URL>;
  /** The same walk, but the user refuses: the redirect URI gets error=access_denied. */
  refuse(authorizationUrl: string): Promise<URL>;
  /** Every request the provider received, as "METHOD /path", oldest first. */
  requests: string[];
  close(): Promise<void>;
}

export interface TestOidcProviderOptions {
  /**
   * Redirect URIs the client may use. The client is a native one, so a loopback redirect URI
   * matches on any port (RFC 8252 §7.3): register it before the server that serves it starts.
   */
  redirectUris: string[];
  /** Put email claims in the ID token (as Google does) instead of only in UserInfo. */
  claimsInIdToken?: boolean;
  /** A fixed port (default: any free one). */
  port?: number;
}

const INTERACTION_PATH = '/interaction/';
// Each form submits to the page's own URL, with its field as the whole query.
const INTERACTION_PAGE = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test provider sign-in</title></head><body>
<form method="get"><label>Account <input name="account" required></label><button type="submit">Sign in</button></form>
<form method="get"><input type="hidden" name="refuse"><button type="submit">Cancel</button></form>
</body></html>`;

export async function startOidcProvider(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.once('error', fail).listen(options.port ?? 0, '127.0.0.1', done));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'transmute-test';
  const clientSecret = randomBytes(32).toString('base64url');
  const accounts = new Map<string, TestAccount>();
  const requests: string[] = [];
  const addAccount = (account: TestAccount) => {
    const id = `user-${accounts.size + 1}`;
    accounts.set(id, account);
    return id;
  };
  const verifiedAccount = addAccount({ email: 'alice@example.com', emailVerified: true });

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        application_type: 'native',
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { email: ['email', 'email_verified'] },
    conformIdTokenClaims: !options.claimsInIdToken,
    pkce: { required: () => true },
    // Fixed lifetimes (seconds): the defaults are functions that print a notice on every call.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    features: { devInteractions: { enabled: false } },
    findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: account.email, email_verified: account.emailVerified }) };
    },
  });
  provider.use(async (ctx, next) => {
    requests.push(`${ctx.method} ${ctx.path}`);
    if (!ctx.path.startsWith(INTERACTION_PATH)) return next();
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = ctx.query.account;
    if (accountId === undefined && ctx.query.refuse === undefined) {
      ctx.type = 'html';
      ctx.body = INTERACTION_PAGE;
      return;
    }
    let result: InteractionResults;
    if (typeof accountId === 'string') {
      if (!accounts.has(accountId)) throw new Error(`no test account ${accountId}`);
      // Consent is granted here too: the test stands for a user who always agrees.
      const grant = new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
      grant.addOIDCScope(String(interaction.params.scope));
      result = { login: { accountId }, consent: { grantId: await grant.save() } };
    } else {
      result = { error: 'access_denied', error_description: 'The user refused.' };
    }
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
  });
  server.on('request', provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    verifiedAccount,
    addAccount,
    config: (name, redirectUri) => ({ name, issuer, clientId, clientSecret, redirectUri }),
    signIn: (authorizationUrl, accountId) => walk(authorizationUrl, issuer, new URLSearchParams({ account: accountId })),
    refuse: (authorizationUrl) => walk(authorizationUrl, issuer, new URLSearchParams({ refuse: '' })),
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Follows the provider's redirects like a browser would, until one leaves the provider. */
async function walk(start: string, issuer: string, answer: URLSearchParams): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = new URL(start);
  for (let hop = 0; hop < 10; hop++) {
    if (url.origin !== new URL(issuer).origin) return url;
    if (url.pathname.startsWith(INTERACTION_PATH)) url.search = answer.toString();
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const at = pair.indexOf('=');
      const value = pair.slice(at + 1);
      if (value) cookies.set(pair.slice(0, at), value);
      else cookies.delete(pair.slice(0, at));
    }
    const body = await response.text();
    const location = response.headers.get('location');
    if (!location) throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${body}`);
    url = new URL(location, url);
  }
  throw new Error('the provider redirected more than 10 times');
}

/**
 * oidc-provider's own in-memory store warns on every start; this one is as small as tests need:
 * records expire, codes can be consumed (so a replayed code is refused), grants can be revoked.
 */
function memoryAdapter(): AdapterFactory {
  const records = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  return (model): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    const live = (k: string) => {
      const record = records.get(k);
      if (record && record.expiresAt > Date.now()) return record.payload;
      records.delete(k);
      return undefined;
    };
    const findBy = (field: 'uid' | 'userCode', value: string) => {
      for (const [k, record] of records) if (k.startsWith(`${model}:`) && record.payload[field] === value) return live(k);
      return undefined;
    };
    return {
      async upsert(id, payload, expiresIn) {
        records.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
      },
      find: async (id) => live(key(id)),
      findByUid: async (uid) => findBy('uid', uid),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      async consume(id) {
        const payload = live(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        records.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const [k, record] of records) if (record.payload.grantId === grantId) records.delete(k);
      },
    };
  };
}
