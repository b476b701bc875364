// auth: sign-up, log-in, tokens, two-factor authentication, identity providers.
import { OIDC_COOKIE_NAME, type OidcService } from '../auth/oidc.ts';
import { requestMeta, signedInUser } from '../http/request-meta.ts';
import type { components } from '../generated/api-types.ts';
import type { Handler } from '../http/handler.ts';
import type { Identity } from '../auth/identity.ts';
import type { SignInResult } from '../auth/sign-in.ts';

type LoginResult = components['schemas']['LoginResult'];

function loginResult(result: SignInResult): LoginResult {
  return result.kind === 'authenticated'
    ? { mfa_required: false, tokens: result.tokens }
    : { mfa_required: true, mfa_token: result.mfa_token, mfa_token_expires_in: result.mfa_token_expires_in };
}

export function authHandlers(identity: Identity, oidc: OidcService): {
  signUp: Handler<'signUp'>;
  logIn: Handler<'logIn'>;
  completeMfaLogin: Handler<'completeMfaLogin'>;
  refreshTokens: Handler<'refreshTokens'>;
  logOut: Handler<'logOut'>;
  setUpTwoFactor: Handler<'setUpTwoFactor'>;
  enableTwoFactor: Handler<'enableTwoFactor'>;
  disableTwoFactor: Handler<'disableTwoFactor'>;
  startOidcSignIn: Handler<'startOidcSignIn'>;
  completeOidcSignIn: Handler<'completeOidcSignIn'>;
} {
  return {
    signUp: async ({ body, ctx }) => ({ status: 201, body: await identity.accounts.signup(body, requestMeta(ctx)) }),

    logIn: async ({ body, ctx }) => ({ status: 200, body: loginResult(await identity.signIn.login(body, requestMeta(ctx))) }),

    completeMfaLogin: async ({ body, ctx }) => {
      const { tokens } = await identity.signIn.completeMfaLogin(body.mfa_token, body.code, requestMeta(ctx));
      return { status: 200, body: tokens };
    },

    refreshTokens: async ({ body, ctx }) => ({ status: 200, body: await identity.sessions.refresh(body.refresh_token, requestMeta(ctx)) }),

    logOut: async ({ body, principal }) => {
      const user = signedInUser(principal);
      if (body?.all_sessions) await identity.sessions.revokeAllSessions(user.accountId);
      else await identity.sessions.revokeSession(user.sessionId);
      return { status: 204, body: undefined };
    },

    setUpTwoFactor: async ({ principal }) => ({ status: 200, body: await identity.mfa.setup(signedInUser(principal).accountId) }),

    enableTwoFactor: async ({ body, principal, ctx }) => {
      const codes = await identity.mfa.enable(signedInUser(principal).accountId, body.code, requestMeta(ctx));
      return { status: 200, body: { recovery_codes: codes } };
    },

    disableTwoFactor: async ({ body, principal, ctx }) => {
      await identity.mfa.disable(signedInUser(principal).accountId, body.code, requestMeta(ctx));
      return { status: 204, body: undefined };
    },

    startOidcSignIn: async ({ params, ctx }) => {
      const { location, cookie } = await oidc.authorize(params.path.provider);
      ctx.cookies.set(cookie.name, cookie.value, cookie.options);
      return { status: 302, body: undefined, headers: { Location: location } };
    },

    completeOidcSignIn: async ({ params, ctx }) => {
      const provider = params.path.provider;
      const signInCookie = ctx.cookies.get(OIDC_COOKIE_NAME);
      // The cookie has done its job whatever happens next: a sign-in is started once.
      ctx.cookies.set(OIDC_COOKIE_NAME, null, { path: new URL(ctx.href).pathname, httpOnly: true });
      const verified = await oidc.callback(provider, new URL(ctx.href), signInCookie);
      return { status: 200, body: loginResult(await identity.signIn.linkOidc(verified, requestMeta(ctx))) };
    },
  };
}
