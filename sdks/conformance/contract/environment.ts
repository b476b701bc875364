// What every SDK's contract suite runs against: the real server on its own database of the real
// PostgreSQL, a real OpenID provider for the sign-in operations, and webhook delivery allowed to
// loopback receivers. Nothing here sends a request to the server, so the coverage it reports is
// the suite's alone.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../../../server/test/support/server.ts';
import { startOidcProvider, type TestOidcProvider } from '../../../server/test/support/oidc-provider.ts';
import { coverageReport, uncoveredOperations } from './coverage.ts';

/** The provider's name in the server's configuration: `/v1/auth/oidc/test/...`. */
export const OIDC_PROVIDER = 'test';

export interface ContractEnvironment {
  server: TestServer;
  oidc: TestOidcProvider;
  /** An API key with every key scope, on an account of its own. */
  key: string;
  /**
   * Plays the browser at the identity provider: from the Location of startOidcSignIn to the
   * callback URL (with code and state) the provider sends the browser back to.
   */
  signInAtProvider(authorizationUrl: string): Promise<string>;
  /** Stops everything; the coverage report says which operations the suite never reached. */
  stop(): Promise<{ uncovered: string[]; report: string }>;
}

/** `overrides` adds to or replaces the server's environment (the fuzzing run lifts the plans' limits). */
export async function startContractEnvironment(overrides: Record<string, string> = {}): Promise<ContractEnvironment> {
  // A native client's loopback redirect URI matches on any port (RFC 8252 §7.3).
  const callback = `http://127.0.0.1/v1/auth/oidc/${OIDC_PROVIDER}/callback`;
  const oidc = await startOidcProvider({ redirectUris: [callback] });
  const server = await startTestServer({
    WEBHOOK_ALLOWLIST: '127.0.0.1',
    OIDC_PROVIDERS: OIDC_PROVIDER,
    OIDC_TEST_ISSUER: oidc.issuer,
    OIDC_TEST_CLIENT_ID: oidc.clientId,
    OIDC_TEST_CLIENT_SECRET: oidc.clientSecret,
    OIDC_TEST_REDIRECT_URI: callback,
    ...overrides,
  });
  const { secret } = await server.newKey();
  return {
    server,
    oidc,
    key: secret,
    async signInAtProvider(authorizationUrl) {
      return (await oidc.signIn(authorizationUrl, oidc.verifiedAccount)).href;
    },
    async stop() {
      const uncovered = await uncoveredOperations(server.running.metrics);
      await server.stop();
      await oidc.close();
      return { uncovered, report: coverageReport(uncovered) };
    },
  };
}

/**
 * The provider walk over HTTP, for suites in other languages: POST /oidc/sign-in with
 * {"authorization_url"} answers {"callback_url"}.
 */
export async function startDriver(environment: ContractEnvironment): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const answer = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.method !== 'POST' || req.url !== '/oidc/sign-in') return answer(404, { error: 'POST /oidc/sign-in only' });
      environment
        .signInAtProvider(String((JSON.parse(body) as { authorization_url?: unknown }).authorization_url))
        .then((callbackUrl) => answer(200, { callback_url: callbackUrl }), (error: unknown) => answer(500, { error: String(error) }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
