// What the middleware chain knows about a request, in the order it learns it.
import type { ParameterizedContext, Middleware } from 'koa';
import type { RouteDefinition } from '../generated/routes.ts';
import type { Logger } from '../observability/logger.ts';
import type { Principal } from '../auth/api-keys.ts';

export interface State {
  requestId: string;
  /** W3C trace context of this request: the caller's trace (or a new one) and our span in it. */
  trace: { traceId: string; spanId: string; flags: string };
  log: Logger;
  route?: RouteDefinition;
  principal?: Principal;
  /** Bytes of a body sent without Content-Length (chunked), counted as it was read: for usage. */
  bodyBytes?: number;
}

export type AppContext = ParameterizedContext<State>;
export type AppMiddleware = Middleware<State>;
