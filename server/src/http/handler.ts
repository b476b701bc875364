// Handler signatures derived from the generated types: a spec change the code does not follow
// fails `tsc`, not a customer's request.
import type { operations } from '../generated/api-types.ts';
import type { OperationId } from '../generated/routes.ts';
import type { AppContext } from './context.ts';
import type { Principal } from '../auth/api-keys.ts';

type Op<K extends OperationId> = operations[K];
type ContentOf<T> = T extends { content: infer C } ? C[keyof C] : undefined;
type Defined<T> = T extends undefined ? never : T;

export type RequestBody<K extends OperationId> = Op<K> extends { requestBody?: infer B } ? ContentOf<Defined<B>> : undefined;

export interface Params<K extends OperationId> {
  path: Op<K>['parameters'] extends { path?: infer P } ? Defined<P> : Record<string, never>;
  query: Op<K>['parameters'] extends { query?: infer Q } ? Defined<Q> : Record<string, never>;
}

/** One of the responses the spec declares for the operation, with its status and body. */
export type Reply<K extends OperationId> = {
  [S in keyof Op<K>['responses']]: {
    status: S;
    body: ContentOf<Op<K>['responses'][S]>;
    headers?: Record<string, string>;
  };
}[keyof Op<K>['responses']];

export interface HandlerInput<K extends OperationId> {
  body: RequestBody<K>;
  params: Params<K>;
  /** Set whenever the operation is secured; the router has authenticated it. */
  principal: Principal | undefined;
  requestId: string;
  ctx: AppContext;
}

export type Handler<K extends OperationId> = (input: HandlerInput<K>) => Reply<K> | Promise<Reply<K>>;

export type HandlerMap = { [K in OperationId]: Handler<K> };
