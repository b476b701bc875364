// One real provider and an OidcService that knows it under two names, plus the browser's part
// of a sign-in. Nothing listens at the redirect URI: the provider's redirect is the result.
import { OidcService } from '../../src/auth/oidc.ts';
import { startOidcProvider, type TestOidcProvider, type TestOidcProviderOptions } from '../support/oidc-provider.ts';

export const STATE_SECRET = 'a-test-secret-of-at-least-32-characters';

export const redirectUri = (provider: string) => `http://127.0.0.1:9/v1/auth/oidc/${provider}/callback`;

export interface SignInFixture {
  op: TestOidcProvider;
  service: OidcService;
  /** Starts a sign-in and plays the browser at the provider: what the callback will receive. */
  begin(accountId?: string, provider?: string): Promise<{ location: string; cookie: string; callbackUrl: URL }>;
  close(): Promise<void>;
}

export async function startSignInFixture(options: Partial<TestOidcProviderOptions> = {}): Promise<SignInFixture> {
  const names = ['test', 'other'];
  const op = await startOidcProvider({ redirectUris: names.map(redirectUri), ...options });
  const service = new OidcService(
    names.map((name) => op.config(name, redirectUri(name))),
    STATE_SECRET,
  );
  return {
    op,
    service,
    async begin(accountId = op.verifiedAccount, provider = 'test') {
      const { location, cookie } = await service.authorize(provider);
      return { location, cookie: cookie.value, callbackUrl: await op.signIn(location, accountId) };
    },
    close: () => op.close(),
  };
}
