// autocannon 8 ships no types. This covers what the bench uses, read from its lib/run.js,
// lib/init.js and lib/aggregateResult.js.
declare module 'autocannon' {
  export interface Options {
    url: string;
    method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    pipelining?: number;
  }

  export interface Result {
    /** Completed requests per one-second sample. */
    requests: { average: number };
    /** Socket errors, timeouts included. */
    errors: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
  }

  /** The run: a promise of its result and an emitter of per-response events. */
  export interface Instance extends PromiseLike<Result> {
    on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, milliseconds: number) => void): this;
    stop(): void;
  }

  export default function autocannon(options: Options): Instance;
}
