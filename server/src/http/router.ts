// Routes come from the generated route table, never from hand-written paths. Startup fails when
// an operation has no handler or a handler has no operation.
import { routes, type OperationId, type RouteDefinition } from '../generated/routes.ts';
import { checkBodyHeaders, readJsonBody, type BodyReader } from './body.ts';
import { checkAcceptable } from './negotiate.ts';
import { authenticate, type AuthReporting, type Credentials } from './authenticate.ts';
import { meter, type Meter, type Quota } from './meter.ts';
import { asksForIdempotency, type Idempotency } from './idempotency.ts';
import { validateOrThrow } from './validate.ts';
import { respond } from './respond.ts';
import { ApiError } from './problem.ts';
import { RouteTable } from './route-table.ts';
import { announceDeprecation, deprecationOf, type Deprecation } from './deprecation.ts';
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
  /** The generated route table; a test passes a copy with an operation changed (e.g. deprecated). */
  routes?: readonly RouteDefinition[];
}

type PathParams = Readonly<Record<string, string>>;

/**
 * The last middleware: runs the request's operation, or answers 405 with Allow for a path that
 * exists with other methods and 404 for anything else, both as problems.
 */
export function createRouter(options: RouterOptions): AppMiddleware {
  const definitions = options.routes ?? routes;
  assertHandlersMatchSpec(options.handlers, definitions);
  const table = new RouteTable<Operation>();
  for (const route of definitions) {
    // assertHandlersMatchSpec saw a handler for every operationId of the table.
    const handler = options.handlers[route.operationId as OperationId] as Handler<any>;
    table.add(route.method, route.path, new Operation(route, handler, options));
  }
  return (ctx) => {
    const match = table.find(ctx.method, ctx.path);
    if (match === undefined) throw new ApiError('E1005', `No operation at ${ctx.method} ${ctx.path}.`);
    if (!match.found) throw new ApiError('E1006', `${ctx.path} supports ${match.allowed}.`, { headers: { Allow: match.allowed } });
    return match.value.handle(ctx, match.params);
  };
}

/**
 * One operation of the spec, request by request: authenticate, meter, read and validate, run the
 * handler, respond. Each step returns a promise only when it had to wait, so a request whose key
 * is cached and whose limit lives in memory reaches its handler without an await.
 */
class Operation {
  readonly #route: RouteDefinition;
  readonly #handler: Handler<any>;
  readonly #options: RouterOptions;
  readonly #readBody: BodyReader | undefined;
  readonly #deprecation: Deprecation | null;

  constructor(route: RouteDefinition, handler: Handler<any>, options: RouterOptions) {
    this.#route = route;
    this.#deprecation = deprecationOf(route);
    this.#handler = handler;
    this.#options = options;
    const needsBody = route.requestContentTypes.length > 0;
    this.#readBody = needsBody ? (options.bodyReaders?.[route.operationId] ?? readJsonBody) : undefined;
  }

  handle(ctx: AppContext, pathParams: PathParams): void | Promise<void> {
    const route = this.#route;
    ctx.state.route = route;
    // First, so a refusal of any kind says the operation is deprecated too.
    if (this.#deprecation !== null) announceDeprecation(ctx, this.#deprecation);
    checkBodyHeaders(ctx, route);
    checkAcceptable(ctx.get('accept'), route.produces);
    const authenticated = authenticate(ctx, route, this.#options.credentials, this.#options.reporting);
    if (authenticated instanceof Promise) return authenticated.then(() => this.#afterAuthentication(ctx, pathParams));
    return this.#afterAuthentication(ctx, pathParams);
  }

  #afterAuthentication(ctx: AppContext, pathParams: PathParams): void | Promise<void> {
    const metered = meter(ctx, this.#route, this.#options.limiter, this.#options.quota);
    const readBody = this.#readBody;
    if (metered instanceof Promise || readBody !== undefined) {
      return Promise.resolve(metered)
        .then(() => readBody?.(ctx, this.#route))
        .then((body) => this.#invoke(ctx, body, pathParams));
    }
    return this.#invoke(ctx, undefined, pathParams);
  }

  #invoke(ctx: AppContext, body: unknown, pathParams: PathParams): void | Promise<void> {
    const route = this.#route;
    if (route.validate.body) {
      if (body === undefined && route.bodyRequired) {
        throw new ApiError('E1001', 'This operation needs a JSON body.', { errors: [{ path: '', message: 'is required' }] });
      }
      if (body !== undefined) validateOrThrow(route.validate.body, body, '');
    }
    const params = { path: { ...pathParams }, query: { ...ctx.query } };
    if (route.validate.params) validateOrThrow(route.validate.params, params, '');
    if (asksForIdempotency(ctx)) return this.#options.idempotency.guard(ctx, body, () => this.#run(ctx, body, params));
    return this.#run(ctx, body, params);
  }

  /** The handler, then its reply as the response. */
  #run(ctx: AppContext, body: unknown, params: Params<any>): void | Promise<void> {
    const reply = this.#handler({ body: body as never, params, principal: ctx.state.principal, requestId: ctx.state.requestId, ctx });
    const { validateResponses } = this.#options;
    if (reply instanceof Promise) return reply.then((r) => respond(ctx, this.#route, r, validateResponses));
    respond(ctx, this.#route, reply, validateResponses);
  }
}
