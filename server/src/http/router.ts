// Routes come from the generated route table, never from hand-written paths. Startup fails when
// an operation has no handler or a handler has no operation.
import { routes, type RouteDefinition } from '../generated/routes.ts';
import { checkBodyHeaders, readJsonBody, type BodyReader } from './body.ts';
import { authenticate, type AuthReporting, type Credentials } from './authenticate.ts';
import { meter, type Meter, type Quota } from './meter.ts';
import { asksForIdempotency, type Idempotency } from './idempotency.ts';
import { validateOrThrow } from './validate.ts';
import { respond } from './respond.ts';
import { ApiError } from './problem.ts';
import { RouteTable } from './route-table.ts';
import type { AppContext, AppMiddleware } from './context.ts';
import type { Handler, HandlerMap, Params } from './handler.ts';

export class RouteTableError extends Error {
  override name = 'RouteTableError';
}

export function assertHandlersMatchSpec(handlers: Record<string, unknown>, table: readonly RouteDefinition[] = routes): void {
  const operations = new Set(table.map((r) => r.operationId));
  const missing = [...operations].filter((id) => typeof handlers[id] !== 'function');
  const unknown = Object.keys(handlers).filter((id) => !operations.has(id));
  if (missing.length > 0 || unknown.length > 0) {
    const lines = [
      ...missing.map((id) => `  operation without a handler: ${id}`),
      ...unknown.map((id) => `  handler without an operation in the spec: ${id}`),
    ];
    throw new RouteTableError(`handlers do not match openapi/openapi.yaml:\n${lines.join('\n')}`);
  }
}

export interface RouterOptions {
  handlers: HandlerMap;
  credentials: Credentials;
  reporting: AuthReporting;
  limiter: Meter;
  validateResponses: boolean;
  /** Monthly quotas per plan (usage/usage-meter.ts). */
  quota: Quota;
  /** Idempotency-Key on the operations that take it. */
  idempotency: Idempotency;
  /** Operations that read their own body instead of whole (readJsonBody). */
  bodyReaders?: Partial<Record<string, BodyReader>>;
}

type Operation = (ctx: AppContext, pathParams: Readonly<Record<string, string>>) => void | Promise<void>;

/**
 * The last middleware: runs the request's operation, or answers 405 with Allow for a path that
 * exists with other methods and 404 for anything else, both as problems.
 */
export function createRouter(options: RouterOptions): AppMiddleware {
  assertHandlersMatchSpec(options.handlers);
  const table = new RouteTable<Operation>();
  for (const route of routes) {
    const handler = options.handlers[route.operationId] as Handler<typeof route.operationId>;
    table.add(route.method, route.path, operation(route, handler, options));
  }
  return (ctx) => {
    const match = table.find(ctx.method, ctx.path);
    if (match === undefined) throw new ApiError('E1005', `No operation at ${ctx.method} ${ctx.path}.`);
    if (!match.found) throw new ApiError('E1006', `${ctx.path} supports ${match.allowed}.`, { headers: { Allow: match.allowed } });
    return match.value(ctx, match.params);
  };
}

function operation(route: RouteDefinition, handler: Handler<any>, options: RouterOptions): Operation {
  const needsBody = route.requestContentTypes.length > 0;
  // Each step returns a promise only when it had to wait, so a request whose key is cached and
  // whose limit lives in memory reaches its handler without an await.
  return (ctx, pathParams) => {
    ctx.state.route = route;
    checkBodyHeaders(ctx, route);
    const authenticated = authenticate(ctx, route, options.credentials, options.reporting);
    if (authenticated instanceof Promise) return authenticated.then(() => afterAuthentication(ctx, route, handler, options, needsBody, pathParams));
    return afterAuthentication(ctx, route, handler, options, needsBody, pathParams);
  };
}

function afterAuthentication(
  ctx: AppContext,
  route: RouteDefinition,
  handler: Handler<any>,
  options: RouterOptions,
  needsBody: boolean,
  pathParams: Readonly<Record<string, string>>,
): void | Promise<void> {
  const metered = meter(ctx, route, options.limiter, options.quota);
  if (metered instanceof Promise || needsBody) {
    return Promise.resolve(metered)
      .then(() => (options.bodyReaders?.[route.operationId] ?? readJsonBody)(ctx, route))
      .then((body) => invoke(ctx, route, handler, body, options, pathParams));
  }
  return invoke(ctx, route, handler, undefined, options, pathParams);
}

function invoke(
  ctx: AppContext,
  route: RouteDefinition,
  handler: Handler<any>,
  body: unknown,
  options: RouterOptions,
  pathParams: Readonly<Record<string, string>>,
): void | Promise<void> {
  if (route.validate.body) {
    if (body === undefined && route.bodyRequired) {
      throw new ApiError('E1001', 'This operation needs a JSON body.', { errors: [{ path: '', message: 'is required' }] });
    }
    if (body !== undefined) validateOrThrow(route.validate.body, body, '');
  }
  const params = { path: { ...pathParams }, query: { ...ctx.query } };
  if (route.validate.params) validateOrThrow(route.validate.params, params, '');
  if (asksForIdempotency(ctx)) return options.idempotency.guard(ctx, body, () => run(ctx, route, handler, body, params, options));
  return run(ctx, route, handler, body, params, options);
}

/** The handler, then its reply as the response. */
function run(ctx: AppContext, route: RouteDefinition, handler: Handler<any>, body: unknown, params: Params<any>, options: RouterOptions): void | Promise<void> {
  const reply = handler({ body: body as never, params, principal: ctx.state.principal, requestId: ctx.state.requestId, ctx });
  if (reply instanceof Promise) return reply.then((r) => respond(ctx, route, r, options.validateResponses));
  respond(ctx, route, reply, options.validateResponses);
}
