// Builds the Koa application: the middleware in the order a request meets it, then the routes
// generated from the spec.
import Koa from 'koa';
import { requestId } from './http/request-id.ts';
import { observe } from './http/observe.ts';
import { AccessLog } from './observability/access-log.ts';
import { handleErrors } from './http/handle-errors.ts';
import { compress } from './http/compress.ts';
import { securityHeaders } from './http/security-headers.ts';
import { httpsRedirect } from './http/https-redirect.ts';
import { corsAllowList } from './http/cors.ts';
import { shedLoad } from './http/shed-load.ts';
import { createRouter } from './http/router.ts';
import { applyRateLimitHeaders, rejectIfLimited } from './http/rate-limit.ts';
import { createHandlers, type OperationDeps } from './operations/index.ts';
import { jobBodyReaders } from './operations/jobs.ts';
import type { State } from './http/context.ts';
import type { Credentials } from './http/authenticate.ts';
import type { Meter } from './http/meter.ts';
import type { LimitPolicy, RateLimiter } from './limits/rate-limiter.ts';
import type { LoadShedder } from './limits/load-shedder.ts';
import type { Logger } from './observability/logger.ts';
import type { Readiness } from './observability/readiness.ts';
import type { UsageMeter } from './usage/usage-meter.ts';
import type { Idempotency } from './http/idempotency.ts';
import type { RouteDefinition } from './generated/routes.ts';

export interface AppDeps extends OperationDeps {
  log: Logger;
  limiter: RateLimiter;
  shedder: LoadShedder;
  usage: UsageMeter;
  idempotency: Idempotency;
  /** The generated route table unless given (tests serve a copy with an operation changed). */
  routes?: readonly RouteDefinition[];
}

export function createApp(deps: AppDeps): Koa<State> {
  const { config, log } = deps;
  const app = new Koa<State>({ proxy: config.trustProxy });
  // Errors are answered by handleErrors; what reaches here failed after the response started.
  app.on('error', (err: unknown) => log.error({ err }, 'response failed after headers were sent'));

  const credentials: Credentials = {
    verifyKey: (presented, ip) => deps.keys.verify(presented, ip),
    verifyAccessToken: (token) => deps.identity.accessTokens.verifyAccessToken(token).then((p) => ({ kind: 'user', ...p })),
  };
  const meter: Meter = {
    consume: (policy, key, cost) => deps.limiter.consume(policy as LimitPolicy, key, cost),
    applyHeaders: applyRateLimitHeaders,
    rejectIfLimited: (outcome) => {
      if (!outcome.allowed) deps.metrics.rateLimited(outcome.name);
      rejectIfLimited(outcome);
    },
  };
  const router = createRouter({
    handlers: createHandlers(deps),
    credentials,
    reporting: { audit: deps.audit, metrics: deps.metrics },
    limiter: meter,
    validateResponses: config.responseValidation,
    quota: deps.usage,
    idempotency: deps.idempotency,
    bodyReaders: jobBodyReaders(deps.jobs),
    ...(deps.routes ? { routes: deps.routes } : {}),
  });

  app.use(requestId(log));
  if (deps.shedder.enabled) app.use(shedLoad(deps.shedder, deps.metrics));
  app.use(observe(deps.metrics, deps.usage, new AccessLog(log), deps.shedder));
  // Inside observe, so usage counts the bytes as sent; outside the error handler, so
  // a large problem (many validation errors) is compressed too.
  if (config.responseCompression) app.use(compress());
  app.use(handleErrors());
  app.use(drainOnShutdown(deps.readiness));
  app.use(securityHeaders());
  if (config.trustProxy) app.use(httpsRedirect());
  if (config.corsOrigins.length > 0) app.use(corsAllowList(config.corsOrigins));
  app.use(router);
  return app;
}

/** While shutting down, every response closes its connection so keep-alive clients move on. */
function drainOnShutdown(readiness: Readiness): Koa.Middleware<State> {
  return (ctx, next) => {
    if (readiness.shuttingDown) ctx.set('Connection', 'close');
    return next();
  };
}
