// What the middleware chain knows about a request, in the order it learns it.
import type { ParameterizedContext, Middleware } from 'koa';
import type { RouteDefinition } from '../generated/routes.ts';
import type { Logger } from '../observability/logger.ts';
import type { Principal } from '../auth/api-keys.ts';

export interface TraceContext {
  traceId: string;
  spanId: string;
  flags: string;
}

/** Made by http/request-id.ts, first in the chain. */
export class State {
  route?: RouteDefinition;
  principal?: Principal;
  /** Bytes of a body sent without Content-Length (chunked), counted as it was read: for usage. */
  bodyBytes?: number;
  readonly requestId: string;
  /** W3C trace context of this request: the caller's trace (or a new one) and our span in it. */
  readonly trace: TraceContext;
  readonly #root: Logger;
  #log: Logger | undefined;

  constructor(requestId: string, trace: TraceContext, root: Logger) {
    this.requestId = requestId;
    this.trace = trace;
    this.#root = root;
  }

  /**
   * The request's logger, its lines tagged with the request and trace ids. Made on first use: most
   * requests log nothing but their access line (observability/access-log.ts), and a pino child
   * per request was a measurable share of what the stack costs one.
   */
  get log(): Logger {
    return (this.#log ??= this.#root.child({ request_id: this.requestId, trace_id: this.trace.traceId }));
  }
}

export type AppContext = ParameterizedContext<State>;
export type AppMiddleware = Middleware<State>;
