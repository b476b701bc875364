// What every resource method returns: awaitable for the parsed body, and `withResponse()` for the
// raw Response and the request id beside it (SDK.md "Responses").

export interface WithResponse<T> {
  data: T;
  response: Response;
  /** From `X-Request-Id`; null when the server sent none. */
  request_id: string | null;
}

export class APIPromise<T> implements Promise<T> {
  readonly [Symbol.toStringTag] = 'APIPromise';
  readonly #result: Promise<WithResponse<T>>;

  constructor(result: Promise<WithResponse<T>>) {
    this.#result = result;
  }

  withResponse(): Promise<WithResponse<T>> {
    return this.#result;
  }

  /** The raw Response, body unread when the parsed body was not needed. */
  asResponse(): Promise<Response> {
    return this.#result.then((r) => r.response);
  }

  then<A = T, B = never>(onfulfilled?: ((value: T) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#result.then((r) => r.data).then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onfinally);
  }
}
