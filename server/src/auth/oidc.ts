// OIDC sign-in as a relying party (issue 3 §3): authorization code flow with PKCE (S256),
// state and nonce, through openid-client. Nothing is stored on our side: what the callback
// needs travels in a sealed, short-lived cookie bound to the browser that started the sign-in.
import * as oidc from 'openid-client';
import type { OidcProviderConfig } from '../config.ts';
import { ApiError } from '../http/problem.ts';
import { SIGN_IN_TTL_S, SignInSeal } from './oidc-state.ts';

export const OIDC_COOKIE_NAME = 'transmute_oidc';

const SCOPE = 'openid email';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const DISCOVERY_RETRY_AFTER_S = 30;

export interface OidcIdentity {
  provider: string;
  /** The provider's `sub`: stable per provider, unlike the email. */
  subject: string;
  email: string;
  emailVerified: boolean;
}

export interface OidcCookie {
  name: string;
  value: string;
  /** In the shape Koa's `ctx.cookies.set` takes: `maxAge` is in milliseconds. */
  options: { httpOnly: true; secure: boolean; sameSite: 'lax'; path: string; maxAge: number };
}

export class OidcService {
  readonly #providers: ReadonlyMap<string, OidcProviderConfig>;
  readonly #seal: SignInSeal;
  readonly #configurations = new Map<string, Promise<oidc.Configuration>>();

  constructor(providers: OidcProviderConfig[], stateSecret: string) {
    this.#providers = new Map(providers.map((p) => [p.name, p]));
    this.#seal = new SignInSeal(stateSecret);
  }

  isConfigured(provider: string): boolean {
    return this.#providers.has(provider);
  }

  /** Where to send the browser, and the cookie that lets only that browser finish the sign-in. */
  async authorize(name: string): Promise<{ location: string; cookie: OidcCookie }> {
    const provider = this.#provider(name);
    const configuration = await this.#configuration(provider);
    const signIn = {
      provider: name,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      code_verifier: oidc.randomPKCECodeVerifier(),
      iat: Math.floor(Date.now() / 1000),
    };
    const location = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: provider.redirectUri,
      scope: SCOPE,
      state: signIn.state,
      nonce: signIn.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(signIn.code_verifier),
      code_challenge_method: 'S256',
    });
    return { location: location.href, cookie: this.#cookie(provider, this.#seal.seal(signIn)) };
  }

  /**
   * Checks the provider's answer against the sign-in in the cookie, exchanges the code and
   * returns who signed in. The email may be unverified: linking decides what that means.
   */
  async callback(name: string, callbackUrl: URL, cookieValue: string | undefined): Promise<OidcIdentity> {
    const provider = this.#provider(name);
    if (!cookieValue) throw signInFailed('The sign-in cookie is missing.');
    const signIn = this.#seal.open(cookieValue, name);
    if (!signIn) throw signInFailed('The sign-in has expired or was started elsewhere.');
    const configuration = await this.#configuration(provider);
    // The token request must repeat the redirect URI exactly as the authorization request sent
    // it; the URL the request arrived on may differ (proxy, Host header), so only its query counts.
    const response = new URL(provider.redirectUri);
    response.search = callbackUrl.search;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, response, {
        pkceCodeVerifier: signIn.code_verifier,
        expectedState: signIn.state,
        expectedNonce: signIn.nonce,
      });
      // expectedNonce makes openid-client require and validate an ID token.
      const idToken = tokens.claims()!;
      // Providers put the email in the ID token (Google) or only in UserInfo (OIDC Core §5.4).
      const claims =
        typeof idToken.email === 'string'
          ? idToken
          : await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
      if (typeof claims.email !== 'string' || claims.email === '') {
        throw signInFailed('The identity provider returned no email address.');
      }
      return { provider: name, subject: idToken.sub, email: claims.email, emailVerified: claims.email_verified === true };
    } catch (error) {
      throw error instanceof ApiError ? error : signInFailed(describe(error));
    }
  }

  #provider(name: string): OidcProviderConfig {
    const provider = this.#providers.get(name);
    if (!provider) throw new ApiError('E1005', `No identity provider named ${name}.`);
    return provider;
  }

  /** Discovery once per provider, on first use; a failure is not kept, so the next sign-in tries again. */
  #configuration(provider: OidcProviderConfig): Promise<oidc.Configuration> {
    let configuration = this.#configurations.get(provider.name);
    if (!configuration) {
      configuration = discover(provider);
      configuration.catch(() => this.#configurations.delete(provider.name));
      this.#configurations.set(provider.name, configuration);
    }
    return configuration;
  }

  #cookie(provider: OidcProviderConfig, value: string): OidcCookie {
    const redirect = new URL(provider.redirectUri);
    // Browsers drop Secure cookies on plain-http origins; only a loopback redirect may be http.
    const secure = !(redirect.protocol === 'http:' && LOOPBACK_HOSTS.has(redirect.hostname));
    return {
      name: OIDC_COOKIE_NAME,
      value,
      options: { httpOnly: true, secure, sameSite: 'lax', path: redirect.pathname, maxAge: SIGN_IN_TTL_S * 1000 },
    };
  }
}

async function discover(provider: OidcProviderConfig): Promise<oidc.Configuration> {
  const issuer = new URL(provider.issuer);
  // openid-client refuses plain http; a provider on this machine (tests, local development)
  // is the one case where that protects nothing, so only loopback issuers may use it.
  const insecure = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
  try {
    return await oidc.discovery(
      issuer,
      provider.clientId,
      undefined,
      // client_secret_basic is the registration default (OIDC Registration §2).
      oidc.ClientSecretBasic(provider.clientSecret),
      insecure ? { execute: [oidc.allowInsecureRequests] } : {},
    );
  } catch (error) {
    throw new ApiError('E1501', 'The identity provider cannot be reached; try again shortly.', {
      headers: { 'Retry-After': String(DISCOVERY_RETRY_AFTER_S) },
      cause: error,
    });
  }
}

function signInFailed(detail: string): ApiError {
  return new ApiError('E1117', detail);
}

/** What went wrong, in our words: the provider's own messages stay out of our responses. */
function describe(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) return 'The identity provider did not complete the sign-in.';
  if (error instanceof oidc.ResponseBodyError) return 'The identity provider did not accept the authorization code.';
  if (error instanceof oidc.ClientError) return "The identity provider's response does not match this sign-in.";
  return 'The identity provider could not be reached to finish the sign-in.';
}
